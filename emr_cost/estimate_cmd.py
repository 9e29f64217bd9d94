"""`emr-cost estimate`: the hourly and monthly cost of synthesized stacks or a terraform plan, before deploy."""
from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

DEFAULT_DIR = Path("cdktf.out/stacks")


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("estimate", help="cost of stacks before deploy (cdk.tf.json or terraform show -json)",
                              description="Hourly cost of each stack's cluster at its initial size and at the "
                                          "minimum and maximum its scaling allows, and a monthly figure.")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="cdk.tf.json files, directories holding them, or `terraform show -json` plan files "
                        "(default: cdktf.out/stacks/*/cdk.tf.json)")
    p.add_argument("--hours-per-day", type=float, default=24.0,
                   help="hours a day the cluster runs, for the monthly figure (default 24)")
    p.add_argument("--strict", action="store_true",
                   help="exit 3 when any figure is missing from the price source (default: report it and go on)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="one JSON object")
    fmt.add_argument("--markdown", action="store_true", help="Markdown tables, e.g. for a pull-request comment")
    from .cli import add_price_options
    add_price_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from .cli import EXIT_PRICE_NOT_FOUND, price_book
    from .errors import InputError
    from .estimate import estimate_stack
    from .estimate_report import render_json, render_markdown, render_table
    from .stack_model import load_stacks

    if not 0 < args.hours_per_day <= 24:
        raise InputError(f"--hours-per-day {args.hours_per_day:g}: must be more than 0 and at most 24")
    paths = [Path(p) for p in args.paths] or [DEFAULT_DIR]
    for p in paths:
        if not p.exists():
            raise InputError(f"{p} does not exist" + (" (run `make synth` first)" if p == DEFAULT_DIR else ""))
    stacks = [s for p in paths for s in load_stacks(p)]
    book = price_book(args)
    estimates = [estimate_stack(s, book) for s in stacks]
    hours = Decimal(str(args.hours_per_day))
    render = render_json if args.json else render_markdown if args.markdown else render_table
    out.write(render(estimates, book.describe(), hours))
    return EXIT_PRICE_NOT_FOUND if args.strict and any(e.missing for e in estimates) else 0
