"""`emr-cost estimate`: the hourly and monthly cost of synthesized stacks or a terraform plan, before deploy."""
from __future__ import annotations

import argparse
from typing import Any, TextIO


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("estimate", help="cost of stacks before deploy (cdk.tf.json or terraform show -json)",
                              description="Hourly cost of each stack's cluster at its initial size and at the "
                                          "minimum and maximum its scaling allows, and a monthly figure.")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="cdk.tf.json files, directories holding them, or `terraform show -json` plan files "
                        "(default: cdktf.out/stacks/*/cdk.tf.json)")
    p.add_argument("--hours-per-day", type=float, default=24.0,
                   help="hours a day the cluster runs, for the monthly figure (default 24)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="one JSON object")
    fmt.add_argument("--markdown", action="store_true", help="Markdown tables, e.g. for a pull-request comment")
    from .cli import add_price_options
    add_price_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from .errors import CostError
    raise CostError("estimate is not implemented yet")
