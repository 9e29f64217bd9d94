"""`emr-scaling` / `python -m emr_scaling`: parses, maps typed errors to exit codes, prints.

The only module of emr_scaling that knows exit codes. Subcommands register in SUBCOMMANDS, as emr-cost's do:
each is ``add(subparsers)`` that adds its parser and sets ``run=fn(args, out, err) -> int`` as its default.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from emr_cost.errors import CostError, PriceSourceError
from emr_cost.errors import InputError as CostInputError

from .aws import AwsError
from .errors import InputError, ScalingError

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_PRICE_NOT_FOUND = 3
EXIT_AWS_ERROR = 7

EPILOG = """exit codes:
  0  done    2  bad input (a file, a field, a flag, a cluster EMR does not know: the message names it)
  3  --strict and a price is missing    7  AWS error (credentials, permissions)    1  internal error
"""


def _add_simulate(subparsers: Any) -> None:
    from .simulate_cmd import add_parser
    add_parser(subparsers)


def _add_report(subparsers: Any) -> None:
    from .report_cmd import add_parser
    add_parser(subparsers)


# One line per subcommand.
SUBCOMMANDS: tuple[Callable[[Any], None], ...] = (
    _add_simulate,
    _add_report,
)


def build_parser() -> argparse.ArgumentParser:
    from emr_cost.cli import registry_parser
    return registry_parser("emr-scaling", "Watch a scaling policy work before you pay for it: replay a day of Spark "
                                          "applications through a stack's cluster and its policy (docs/scaling.md).",
                           EPILOG, SUBCOMMANDS)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = build_parser().parse_args(argv)
        return args.run(args, out, err)
    except (InputError, CostInputError) as e:
        print(f"emr-scaling: {e}", file=err)
        return EXIT_BAD_INPUT
    except (AwsError, PriceSourceError) as e:
        print(f"emr-scaling: {e}", file=err)
        return EXIT_AWS_ERROR
    except (ScalingError, CostError) as e:
        print(f"emr-scaling: {e}", file=err)
        return EXIT_INTERNAL
    except BrokenPipeError:
        sys.stdout = None  # type: ignore[assignment]  # a reader that went away (| head): Python's SIGPIPE recipe
        return 141
