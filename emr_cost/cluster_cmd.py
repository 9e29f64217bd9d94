"""`emr-cost cluster j-...`: what a cluster has cost over its whole life so far, and each step's share.

The same code as emr-steps' report: emr_cost.timelines reads the instances, emr_cost.usage prices them,
emr_cost.cost_report shows them. The window is the cluster's CreationDateTime to its EndDateTime, or now.
"""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from typing import Any, TextIO

from .cost_report import shares, summary_lines, to_dict, usd
from .errors import InputError, PriceSourceError
from .timelines import pages, read_cluster
from .usage import StepSpan, Window, run_cost


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("cluster", help="what a cluster has cost so far, and each step's share",
                              description="The cost of a cluster from its creation to its end (or now), from "
                                          "ListInstances' timelines, split by market and EC2/EMR/EBS, and each "
                                          "step's share (docs/cost.md, 'After a run').")
    p.add_argument("cluster_id", metavar="CLUSTER_ID", help="j-...")
    p.add_argument("--region", help="the cluster's region (default: from your AWS config)")
    p.add_argument("--json", action="store_true", help="one JSON object")
    from .cli import add_price_options
    add_price_options(p)
    p.set_defaults(run=run)


def emr_call(region: str | None, profile: str | None) -> tuple[Any, str]:
    """call(operation, **params) over a boto3 EMR client, and the client's region."""
    import boto3
    from botocore import xform_name
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client = boto3.session.Session(profile_name=profile, region_name=region).client("emr")
    except BotoCoreError as e:
        raise InputError(f"AWS configuration: {e}") from e
    if not client.meta.region_name:
        raise InputError("no region: pass --region or set one in your AWS config")

    def call(operation: str, **params: Any) -> dict[str, Any]:
        try:
            return getattr(client, xform_name(operation))(**params)
        except (ClientError, BotoCoreError) as e:
            raise PriceSourceError(f"{operation}: {e}") from e
    return call, client.meta.region_name


def price_cluster(call: Any, cluster_id: str, region: str, book: Any, now: datetime) -> Any:
    """The RunCost of the cluster's life so far; each step keyed "<name> (<step id>)"."""
    usage = read_cluster(call, cluster_id, region)
    steps = [StepSpan(f"{s.get('Name', '')} ({s['Id']})", (s.get("Status") or {}).get("Timeline", {}).get("StartDateTime"),
                      (s.get("Status") or {}).get("Timeline", {}).get("EndDateTime"))
             for s in reversed(list(pages(call, "ListSteps", "Steps", ClusterId=cluster_id)))]
    start = usage.created or min((i.start for i in usage.instances if i.start), default=now)
    return run_cost(usage.instances, Window(start, usage.ended or now), book, region, steps, now=now)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from .cli import price_book
    call, region = emr_call(args.region, args.profile)
    cost = price_cluster(call, args.cluster_id, region, price_book(args), datetime.now(timezone.utc))
    if args.json:
        print(json.dumps({"cluster_id": args.cluster_id, **to_dict(cost)}, indent=2), file=out)
        return 0
    print(f"cluster {args.cluster_id}", file=out)
    for line in summary_lines(cost):
        print(line, file=out)
    _, step_shares, _, _ = shares(cost, 4)
    if step_shares:
        width = max(len(n) for n in step_shares)
        print("", file=out)
        print(f"{'STEP'.ljust(width)}  COST", file=out)
        for name, share in step_shares.items():
            print(f"{name.ljust(width)}  {usd(share)}", file=out)
    return 0
