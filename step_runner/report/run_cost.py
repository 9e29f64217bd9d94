"""What the run cost: the cluster's cost over the run window and each step's share, at report time.

Not part of the run: the machine stays pure and the run's outcome never depends on this. It reads the
instance timelines and every attempt's step timeline through the adapter after the run, and prices them
with emr_cost (docs/cost.md, "After a run"). Whatever fails (a price the book lacks, an AWS error, a
cluster the emulator or a fake does not know) becomes "cost unavailable: <why>" in the report.

The window: from the first submission (the earliest CreationDateTime of the run's steps) to the last end
(the latest EndDateTime), or now while a step is still active.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from emr_cost.usage import RunCost, StepSpan, Window, run_cost

if TYPE_CHECKING:
    from emr_cost.prices import PriceBook

    from ..aws.emr_adapter import EmrAdapter
    from .run_report import StepResult


@dataclass
class CostSection:
    """The report's cost: ``cost`` when priced, else ``unavailable`` says why."""

    cost: RunCost | None = None
    unavailable: str | None = None


def price_run(adapter: "EmrAdapter", cluster_id: str, steps: Sequence["StepResult"],
              book: Callable[[], "PriceBook"], now: datetime) -> CostSection | None:
    """None when no step was submitted (nothing ran, nothing to price)."""
    if not any(s.step_id for s in steps):
        return None
    try:
        # The last attempt's times are in the report already; earlier attempts' (retries) are asked for.
        spans = [StepSpan(s.name, s.started, s.ended) for s in steps if s.step_id]
        created = [s.created for s in steps if s.step_id and s.created is not None]
        ends = [s.ended for s in steps if s.step_id]
        owner = {sid: s.name for s in steps for sid in s.step_ids if sid != s.step_id}
        for a in adapter.list_steps(cluster_id, list(owner)) if owner else []:
            spans.append(StepSpan(owner[a.step_id], a.started, a.ended))
            created += [a.created] if a.created is not None else []
            ends.append(a.ended)
        if not created:
            return CostSection(unavailable="EMR gave no CreationDateTime for the run's steps")
        end = max(e for e in ends if e is not None) if all(e is not None for e in ends) else now
        usage = adapter.cluster_usage(cluster_id)
        priced = run_cost(usage.instances, Window(min(created), max(end, min(created))), book(), usage.region,
                          _ordered(spans, steps), now=now)
        return CostSection(cost=priced)
    except Exception as exc:  # pricing must never change the run's result
        return CostSection(unavailable=_why(exc))


def _ordered(spans: list[StepSpan], steps: Sequence["StepResult"]) -> list[StepSpan]:
    """Spans in the report's step order, so shares list as the steps do."""
    order = {s.name: i for i, s in enumerate(steps)}
    return sorted(spans, key=lambda s: order.get(s.name, len(order)))


def _why(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if type(exc).__name__ in ("PriceNotFound",) else f"{type(exc).__name__}: {text}"
