"""`emr-cost` / `python -m emr_cost`: parses, picks the price book, prints and maps exit codes.

The only module of emr_cost that knows exit codes and stdout. Subcommands register in SUBCOMMANDS: each is
a function ``add(subparsers)`` that adds its parser and sets ``run=fn(args, out) -> int`` as its default;
``add_price_options`` / ``price_book`` give every subcommand the same choice of price source.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from .errors import CostError, InputError, PriceNotFound, PriceSourceError
from .prices import PriceBook, open_price_book

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_PRICE_NOT_FOUND = 3
EXIT_AWS_ERROR = 7

EPILOG = """price sources: --prices snapshot (default: the bundled dated snapshot, offline) or --prices live
(AWS Price List API + DescribeSpotPriceHistory, cached under --cache-dir). Every report says which and when.

exit codes:
  0  done                      3  a price the source does not have (region, type or volume type)
  2  bad input (files, flags)  7  AWS error (live prices)      1  internal error
"""


class _Parser(argparse.ArgumentParser):
    """argparse that raises InputError instead of exiting, so every error is one line and its exit code."""

    def error(self, message: str) -> NoReturn:
        raise InputError(f"{message} (see {self.prog} --help)")


def add_price_options(parser: argparse.ArgumentParser) -> None:
    """The price source flags every subcommand shares."""
    g = parser.add_argument_group("prices")
    g.add_argument("--prices", choices=("snapshot", "live"), default="snapshot",
                   help="snapshot: the bundled dated figures (offline, default); live: the AWS Price List API")
    g.add_argument("--snapshot-file", metavar="FILE", help="another snapshot file (default: the bundled one)")
    g.add_argument("--cache-dir", metavar="DIR", default=None,
                   help="where live figures are cached (default: ~/.cache/emr-cost)")
    g.add_argument("--profile", help="AWS profile for live prices")
    g.add_argument("--endpoint-url", help="Price List / EC2 endpoint (e.g. the local emulator)")


def price_book(args: argparse.Namespace) -> PriceBook:
    """The price book the flags of add_price_options ask for."""
    return open_price_book(args.prices, snapshot_file=Path(args.snapshot_file) if args.snapshot_file else None,
                           cache_dir=Path(args.cache_dir) if args.cache_dir else None, profile=args.profile,
                           endpoint_url=args.endpoint_url)


def _add_estimate(subparsers: Any) -> None:
    from .estimate_cmd import add_parser
    add_parser(subparsers)


def _add_cluster(subparsers: Any) -> None:
    from .cluster_cmd import add_parser
    add_parser(subparsers)


# One line per subcommand.
SUBCOMMANDS: tuple[Callable[[Any], None], ...] = (
    _add_estimate,
    _add_cluster,
)


def registry_parser(prog: str, description: str, epilog: str,
                    subcommands: Sequence[Callable[[Any], None]]) -> argparse.ArgumentParser:
    """A parser whose subcommands each register themselves; every error is one InputError (emr-scaling uses it
    too)."""
    p = _Parser(prog=prog, description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in subcommands:
        add(sub)
    return p


def build_parser() -> argparse.ArgumentParser:
    return registry_parser("emr-cost", "What an EMR cluster costs: before deploy (estimate) and after a run.", EPILOG,
                           SUBCOMMANDS)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = build_parser().parse_args(argv)
        return args.run(args, out)
    except InputError as e:
        print(f"emr-cost: {e}", file=err)
        return EXIT_BAD_INPUT
    except PriceNotFound as e:
        print(f"emr-cost: no price: {e}", file=err)
        return EXIT_PRICE_NOT_FOUND
    except PriceSourceError as e:
        print(f"emr-cost: {e}", file=err)
        return EXIT_AWS_ERROR
    except CostError as e:
        print(f"emr-cost: {e}", file=err)
        return EXIT_INTERNAL
