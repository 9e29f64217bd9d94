"""`emr-scaling report j-...`: what a cluster did, as EMR tells it: the same timeline, events, summary and chart
as a simulation (observed.py), so a user sees where capacity lagged demand or sat idle, and what that cost."""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from .errors import InputError

EPILOG = """the window: --start and --end (ISO dates; default: the cluster's life so far). --period: the metrics'
period (default 300 s, 60 s with managed scaling: EMR's). On the local emulator pass its --clock-factor (60 by
default): its five-minute periods pass in five seconds, and the report puts them back on the clock the cluster's
scaling ran on."""


def add_cluster_options(p: argparse.ArgumentParser) -> None:
    """The window and clock of a cluster that ran (report, simulate --from-cluster)."""
    g = p.add_argument_group("the cluster")
    g.add_argument("--start", metavar="ISO", help="window start (default: the cluster's creation)")
    g.add_argument("--end", metavar="ISO", help="window end (default: its end, or now)")
    g.add_argument("--period", type=float, metavar="SECONDS",
                   help="the metrics' period (default 300; 60 with managed scaling)")
    g.add_argument("--clock-factor", type=float, default=1.0, metavar="F",
                   help="the local emulator's clock factor, to put its accelerated scaling back on its own clock")
    g.add_argument("--region", help="the cluster's region (default: from your AWS config)")


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("report", help="what a cluster did: timeline, events, cost, chart",
                              description="What an EMR cluster did over a window: its groups' sizes from "
                                          "ListInstances, YARN capacity and demand from its CloudWatch metrics, its "
                                          "resizes, and what it cost (docs/scaling.md).",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("cluster_id", metavar="CLUSTER_ID", help="j-...")
    add_cluster_options(p)
    p.add_argument("--json", action="store_true", help="one JSON object: timeline, events, summary")
    p.add_argument("--chart", metavar="FILE", help="write the chart: .png, .svg or .html")
    p.add_argument("--every", default="30m", metavar="DURATION", help="timeline rows in the table (default 30m)")
    p.add_argument("--no-cost", action="store_true", help="skip pricing")
    from emr_cost.cli import add_price_options
    add_price_options(p)
    p.set_defaults(run=run)


def observe(args: argparse.Namespace, cluster_id: str) -> Any:
    """The Observed cluster the flags name, read from AWS (or the emulator, through AWS_ENDPOINT_URL)."""
    from .aws import connect, read_observed

    if args.clock_factor <= 0:
        raise InputError("--clock-factor", args.clock_factor, "must be > 0")
    if args.period is not None and args.period <= 0:
        raise InputError("--period", args.period, "must be > 0")
    call, cloudwatch, region = connect(args.region, args.profile)
    return read_observed(call, cloudwatch, region, cluster_id, _when(args.start, "--start"), _when(args.end, "--end"),
                         args.period, args.clock_factor)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from emr_contract.durations import parse_duration

    from .observed import observed_result
    from .output.text import render_table, to_json
    from .summary import summarize

    every = parse_duration(args.every)
    if every is None:
        raise InputError("--every", args.every, "must be a duration such as 30m or 1h")
    result = observed_result(observe(args, args.cluster_id))
    book = None
    if not args.no_cost:
        from emr_cost.cli import price_book
        book = price_book(args)
    summary = summarize(result, book)
    label = f"{args.cluster_id} as it ran"
    if args.chart:
        from .output.chart import write_chart
        write_chart(Path(args.chart), [(label, result, summary)])
        print(f"emr-scaling: chart written to {args.chart}", file=err)
    if args.json:
        out.write(json.dumps({"label": label, **to_json(result, summary)}, indent=1, default=str) + "\n")
    else:
        out.write(render_table(label, result, summary, every, verbose=False))
    return 0


def _when(text: str | None, flag: str) -> datetime | None:
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(flag, text, "must be an ISO date and time, e.g. 2026-11-02T00:00:00Z") from None
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)
