"""`emr-scaling simulate`: a workload through one stack's policy, or several side by side (--compare)."""
from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from emr_cost.stack_model import Cluster, ManagedLimits, Stack, load_stacks

from .cluster.metrics import published
from .cluster.shape import ClusterShape, cluster_shape
from .errors import InputError, problem
from .params import PARAMS, ModelParams, with_overrides
from .policies.custom import parse_policy
from .simulate import Result, simulate
from .summary import Summary, summarize
from .workload.model import Workload

SYNTH_DIR = Path("cdktf.out/stacks")
MANAGED = "managed"


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "simulate", help="replay a workload through a stack's scaling policy",
        description="Replay a workload (a file, or an emr-steps run) through a synthesized stack's cluster and its "
                    "scaling policy: a per-minute timeline, the policy's events, the cost, and a chart.",
        epilog="model parameters (--model NAME=VALUE):\n" + "\n".join(f"  {p.name}: {p.doc}" for p in PARAMS),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("stack", metavar="STACK",
                   help="a stack name under cdktf.out/stacks, a cdk.tf.json, its directory, or a `terraform show "
                        "-json` plan; append ,GROUP=POLICY.json to try another policy (managed=FILE for managed "
                        "scaling)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--workload", metavar="FILE", help="a workload file (YAML or JSON, docs/scaling.md)")
    source.add_argument("--from-run", metavar="REPORT", help="the JSON report of `emr-steps ... --json`")
    source.add_argument("--from-cluster", metavar="CLUSTER_ID",
                        help="replay what a cluster's metrics show it was asked for (with --start/--end), beside "
                             "what it did")
    p.add_argument("--compare", nargs="+", metavar="STACK", default=[],
                   help="more stacks (or STACK,GROUP=POLICY.json) to run the same workload through, side by side")
    p.add_argument("--cluster", help="the cluster's name when a stack holds several")
    p.add_argument("--model", action="append", default=[], metavar="NAME=VALUE", help="change a model parameter")
    p.add_argument("--json", action="store_true", help="one JSON object: timeline, events, summary")
    p.add_argument("--chart", metavar="FILE", help="write the chart: .png, .svg or .html")
    p.add_argument("--every", default="30m", metavar="DURATION", help="timeline rows in the table (default 30m)")
    p.add_argument("--verbose", action="store_true", help="list alarm state changes among the events")
    p.add_argument("--no-cost", action="store_true", help="skip pricing")
    p.add_argument("--strict", action="store_true", help="exit 3 when a price is missing")
    from emr_cost.cli import add_price_options
    add_price_options(p)
    from .report_cmd import add_cluster_options
    add_cluster_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from emr_contract.durations import parse_duration

    from .output.text import render_compare, render_table, to_json

    params = with_overrides(ModelParams(), args.model)
    every = parse_duration(args.every)
    if every is None:
        raise InputError("--every", args.every, "must be a duration such as 30m or 1h")
    book = None if args.no_cost else _book(args)
    runs: list[tuple[str, Result, Summary]] = []
    if args.from_cluster:
        from .observed import demand_workload, observed_result
        from .report_cmd import observe
        observed = observe(args, args.from_cluster)
        workload = demand_workload(observed)
        seen = observed_result(observed)
        runs.append((f"{args.from_cluster} as it ran", seen, summarize(seen, book)))
    else:
        workload = _workload(args)
    targets = [args.stack, *args.compare]
    for target in targets:
        label, shape = _target(target, args.cluster)
        for note in _notes(label, shape):
            print(f"emr-scaling: note: {note}", file=err)
        result = simulate(shape, workload, params)
        result.warnings[:0] = list(workload.notes)
        runs.append((label, result, summarize(result, book)))
    if args.chart:
        from .output.chart import write_chart
        write_chart(Path(args.chart), runs)
    if args.json:
        docs = [{"label": label, **to_json(r, s)} for label, r, s in runs]
        doc: dict[str, Any] = docs[0] if len(docs) == 1 else {"compare": docs}
        if args.from_cluster:
            doc["difference"] = difference(runs)
        out.write(json.dumps(doc, indent=1, default=str) + "\n")
    elif len(runs) == 1:
        out.write(render_table(runs[0][0], runs[0][1], runs[0][2], every, args.verbose))
    else:
        out.write(render_compare(runs))
        if args.from_cluster:
            for d in difference(runs):
                out.write(f"{d['label']} against {runs[0][0]}: cost {_signed(d['cost_usd'], '$')}, demand that "
                          f"waited {_signed(d['pending_memory_mb_minutes'], '')} MB-minutes\n")
    if args.chart:
        print(f"emr-scaling: chart written to {args.chart}", file=err)
    missing = [s.cost_unavailable for _, _, s in runs if s.cost_usd is None and book is not None]
    from .cli import EXIT_PRICE_NOT_FOUND
    return EXIT_PRICE_NOT_FOUND if args.strict and missing else 0


def difference(runs: list[tuple[str, Result, Summary]]) -> list[dict[str, Any]]:
    """Each replay against the first run (the cluster as it ran): cost and demand that waited, signed."""
    _, _, base = runs[0]
    out = []
    for label, _, s in runs[1:]:
        cost = None if s.cost_usd is None or base.cost_usd is None else float(round(s.cost_usd - base.cost_usd, 2))
        out.append({"label": label, "cost_usd": cost,
                    "pending_memory_mb_minutes": round(s.pending_memory_mb_minutes - base.pending_memory_mb_minutes)})
    return out


def _signed(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    return f"{'+' if value >= 0 else '-'}{unit}{abs(value):,.2f}" if unit else f"{value:+,.0f}"


def _workload(args: argparse.Namespace) -> Workload:
    if args.workload:
        from .workload.file import load_workload
        return load_workload(Path(args.workload))
    from .workload.from_run import load_run
    return load_run(Path(args.from_run))


def _book(args: argparse.Namespace) -> Any:
    from emr_cost.cli import price_book
    return price_book(args)


def _target(text: str, cluster_name: str | None) -> tuple[str, ClusterShape]:
    """``STACK[,GROUP=POLICY.json ...]`` -> its label and the model's cluster."""
    parts = text.split(",")
    stack, cluster = _cluster(parts[0], cluster_name)
    overrides = {}
    for part in parts[1:]:
        group, sep, file = part.partition("=")
        if not sep or not group or not file:
            raise InputError(text, ..., f"{part!r}: expected GROUP=POLICY.json after the stack")
        overrides[group] = _json(Path(file), f"{text} ({group})")
    cluster = _with_policies(cluster, overrides, text)
    fleets = any(p.fleet for p in cluster.pools)
    shape = cluster_shape(stack, cluster, published(fleets, cluster.managed.unit_type if cluster.managed else None))
    label = stack.name if len(parts) == 1 else f"{stack.name} ({', '.join(p.split('=')[0] + ' policy' for p in parts[1:])})"
    return label, shape


def _cluster(text: str, name: str | None) -> tuple[Stack, Cluster]:
    path = Path(text)
    if not path.exists():
        synthesized = SYNTH_DIR / text
        if not (synthesized / "cdk.tf.json").exists():
            raise InputError("STACK", text, "is neither a file nor a stack under cdktf.out/stacks (run `make synth`)")
        path = synthesized
    stacks = load_stacks(path)
    clusters = [(s, c) for s in stacks for c in s.clusters]
    if name is not None:
        clusters = [(s, c) for s, c in clusters if c.name == name]
    if not clusters:
        raise InputError("--cluster" if name else "STACK", name or text, "no EMR cluster found")
    if len(clusters) > 1:
        raise InputError("--cluster", None, f"{text} holds {len(clusters)} clusters: choose one of "
                                            f"{', '.join(c.name for _, c in clusters)}")
    return clusters[0]


def _with_policies(cluster: Cluster, overrides: dict[str, Any], where: str) -> Cluster:
    pools = list(cluster.pools)
    managed = cluster.managed
    for group, doc in overrides.items():
        if group == MANAGED:
            managed = _managed(doc, f"{where} managed")
            continue
        matches = [i for i, p in enumerate(pools) if p.name == group and p.role != "MASTER"]
        if not matches:
            raise InputError(where, group, "no core or task group of that name: "
                                           + ", ".join(p.name for p in pools if p.role != "MASTER"))
        pool = pools[matches[0]]
        if pool.fleet:
            raise InputError(where, group, "custom automatic scaling is for instance groups only (EMR refuses it "
                                           "on fleets)")
        policy = parse_policy(doc, f"{where} {group}")  # checked now, so the error names the file
        pools[matches[0]] = replace(pool, autoscaling_policy=doc, autoscaling_min=policy.min_capacity,
                                    autoscaling_max=policy.max_capacity)
    if managed is not None and any(p.autoscaling_policy for p in pools):
        raise InputError(where, ..., "managed scaling and custom automatic scaling policies on the same cluster: "
                                     "EMR uses one or the other")
    return replace(cluster, pools=tuple(pools), managed=managed)


def _managed(doc: Any, where: str) -> ManagedLimits:
    """A ManagedScalingPolicy as `aws emr put-managed-scaling-policy` takes it ({"ComputeLimits": {...}})."""
    limits = doc.get("ComputeLimits") if isinstance(doc, dict) else None
    if not isinstance(limits, dict):
        raise problem(f"{where}.ComputeLimits", "is required (the ManagedScalingPolicy shape)")
    units = limits.get("UnitType")
    if units not in ("Instances", "VCPU", "InstanceFleetUnits"):
        raise InputError(f"{where}.ComputeLimits.UnitType", units, "must be Instances, VCPU or InstanceFleetUnits")
    values = {}
    for key in ("MinimumCapacityUnits", "MaximumCapacityUnits", "MaximumOnDemandCapacityUnits",
                "MaximumCoreCapacityUnits"):
        value = limits.get(key)
        if value is None and key.startswith("Maximum") and key != "MaximumCapacityUnits":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < (1 if key != "MinimumCapacityUnits" else 0):
            raise InputError(f"{where}.ComputeLimits.{key}", value, "must be a whole number >= 1")
        values[key] = value
    if values["MinimumCapacityUnits"] > values["MaximumCapacityUnits"]:
        raise InputError(f"{where}.ComputeLimits.MinimumCapacityUnits", values["MinimumCapacityUnits"],
                         "must not exceed MaximumCapacityUnits")
    return ManagedLimits(units, values["MinimumCapacityUnits"], values["MaximumCapacityUnits"],
                         values.get("MaximumCoreCapacityUnits"), values.get("MaximumOnDemandCapacityUnits"))


def _json(path: Path, where: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(where, str(path), f"cannot be read: {e.strerror or e}") from e
    except ValueError as e:
        raise InputError(where, str(path), f"is not JSON: {e}") from e


def _notes(label: str, shape: ClusterShape) -> list[str]:
    notes = []
    if shape.scaling == "fixed size":
        notes.append(f"{label}: cluster {shape.name} has no scaling policy: simulated at its fixed size")
    return notes + [w for w in shape.warnings if "YARN memory" in w]
