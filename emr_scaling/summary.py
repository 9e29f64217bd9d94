"""A simulation's summary: what the day cost (through emr_cost's billing rules, docs/cost.md), the node-hours,
the demand that waited, and how the policy behaved.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from emr_cost.prices import PriceBook, PriceNotFound
from emr_cost.usage import Instance, Window, run_cost

from .simulate import Result

SCALING_ACTIONS = ("scale_out", "scale_in")


@dataclass(frozen=True)
class Summary:
    cost_usd: Decimal | None
    cost_unavailable: str | None
    cost_split: dict[str, Decimal]
    prices: str
    node_hours: float
    node_hours_by_group: dict[str, float]
    pending_memory_mb_minutes: float
    peak_nodes: int
    scaling_activities: int
    apps: dict[str, int]
    app_delay_minutes: tuple[float, float, float]  # p50, p95, max
    app_restarts: int
    forced_decommissions: int
    hours: float
    terminated_at: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "cost_usd": None if self.cost_usd is None else float(round(self.cost_usd, 2)),
            "cost_unavailable": self.cost_unavailable,
            "cost_split_usd": {k: float(round(v, 2)) for k, v in self.cost_split.items()},
            "prices": self.prices,
            "node_hours": round(self.node_hours, 2),
            "node_hours_by_group": {k: round(v, 2) for k, v in self.node_hours_by_group.items()},
            "pending_memory_mb_minutes": round(self.pending_memory_mb_minutes),
            "peak_nodes": self.peak_nodes,
            "scaling_activities": self.scaling_activities,
            "applications": self.apps,
            "app_delay_minutes_p50": round(self.app_delay_minutes[0], 1),
            "app_delay_minutes_p95": round(self.app_delay_minutes[1], 1),
            "app_delay_minutes_max": round(self.app_delay_minutes[2], 1),
            "app_restarts": self.app_restarts,
            "forced_decommissions": self.forced_decommissions,
            "simulated_hours": round(self.hours, 2),
            "terminated_at_seconds": self.terminated_at,
        }


def summarize(result: Result, book: PriceBook | None) -> Summary:
    end = result.end_seconds
    hours: dict[str, float] = {}
    for span in result.nodes:
        stop = end if span.end is None else span.end
        hours[span.group] = hours.get(span.group, 0.0) + max(0.0, stop - span.start) / 3600
    peak = max((sum(g["running"] + g["decommissioning"] for g in row["groups"].values()) for row in result.timeline),
               default=0) + result.shape.primary[1]
    counts: dict[str, int] = {}
    for app in result.apps:
        counts[app.state.lower()] = counts.get(app.state.lower(), 0) + 1
    delays = sorted(d / 60 for d in (a.delay_seconds for a in result.apps) if d is not None)
    cost, unavailable, split, prices = _cost(result, book)
    return Summary(cost, unavailable, split, prices, sum(hours.values()), hours, result.pending_mb_minutes, peak,
                   sum(1 for e in result.events if e.action in SCALING_ACTIONS), counts,
                   (_percentile(delays, 0.5), _percentile(delays, 0.95), max(delays, default=0.0)),
                   sum(a.restarts for a in result.apps),
                   sum(1 for e in result.events if e.action == "decommission_timeout"), end / 3600,
                   result.terminated_at)


def _percentile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else 0.0


def _cost(result: Result, book: PriceBook | None) -> tuple[Decimal | None, str | None, dict[str, Decimal], str]:
    if book is None:
        return None, "not priced (--no-cost)", {}, ""
    start = result.workload.start
    at = lambda seconds: start + timedelta(seconds=seconds)  # noqa: E731
    instances = [Instance(s.node_id, s.instance_type, s.market, at(s.start),
                          at(s.end if s.end is not None else result.end_seconds), tuple(v for v in s.volumes if v))
                 for s in result.nodes]
    try:
        cost = run_cost(instances, Window(start, at(result.end_seconds)), book, result.shape.region)
    except PriceNotFound as e:
        return None, f"no price for {e}", {}, book.describe()
    split = {"ec2_on_demand": cost.split.amounts["ON_DEMAND"]["ec2"], "ec2_spot": cost.split.amounts["SPOT"]["ec2"],
             "emr": cost.split.kind("emr"), "ebs": cost.split.kind("ebs")}
    return cost.total, None, split, book.describe()
