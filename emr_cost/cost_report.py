"""A RunCost for people and scripts: the JSON object and the table lines emr-steps and emr-cost cluster print.

Shown amounts are rounded so that the parts still add up to the shown total (largest remainder), to the
cent in tables (4 decimals, since a test run costs fractions of a cent) and to 6 decimals in JSON.
"""
from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from .usage import KINDS, MARKETS, RunCost

TABLE_PLACES = 4
JSON_PLACES = 6


def apportion(total: Decimal, parts: Sequence[Decimal], places: int) -> tuple[Decimal, list[Decimal]]:
    """``total`` rounded, and ``parts`` (which add up to it) rounded so that they still add up to it."""
    q = Decimal(1).scaleb(-places)
    shown = total.quantize(q)
    floors = [p.quantize(q, rounding=ROUND_FLOOR) for p in parts]
    short = int(((shown - sum(floors, Decimal(0))) / q).to_integral_value())
    order = sorted(range(len(parts)), key=lambda i: parts[i] - floors[i], reverse=True)
    for i in order[:max(0, short)]:
        floors[i] += q
    return shown, floors


def usd(amount: Decimal, places: int = TABLE_PLACES) -> str:
    return f"${amount:,.{places}f}"


def shares(cost: RunCost, places: int) -> tuple[Decimal, dict[str, Decimal], Decimal, Decimal]:
    """(total, step shares, idle, minimum charge), rounded so that they add up."""
    names = list(cost.steps)
    total, parts = apportion(cost.total, [*cost.steps.values(), cost.idle, cost.minimum_charge], places)
    return total, dict(zip(names, parts)), parts[-2], parts[-1]


def to_dict(cost: RunCost) -> dict[str, Any]:
    """The `cost` object of `--json`."""
    total, steps, idle, minimum = shares(cost, JSON_PLACES)
    amounts = [cost.split.amounts[m][k] for m in MARKETS for k in KINDS]
    _, split = apportion(cost.total, amounts, JSON_PLACES)
    by = {m: dict(zip(KINDS, split[i * len(KINDS):(i + 1) * len(KINDS)])) for i, m in enumerate(MARKETS)}
    return {
        "total_usd": float(total),
        "window": {"start": cost.window.start.isoformat(), "end": cost.window.end.isoformat(),
                   "seconds": float(cost.window.seconds)},
        "region": cost.region,
        "split": {m.lower(): {**{k: float(v) for k, v in by[m].items()}, "total": float(sum(by[m].values()))}
                  for m in MARKETS},
        "steps": {name: float(v) for name, v in steps.items()},
        "idle_usd": float(idle),
        "minimum_charge_usd": float(minimum),
        "instances": cost.instances,
        "prices": cost.prices,
        "sources": list(cost.sources),
    }


def summary_lines(cost: RunCost) -> list[str]:
    """The totals: run window, total, the split, idle and minimum charges, the price source."""
    total, _, idle, minimum = shares(cost, TABLE_PLACES)
    seconds = int(cost.window.seconds)
    parts = [f"{m.lower().replace('_', '-')} " + " + ".join(
        f"{k.upper()} {usd(cost.split.amounts[m][k])}" for k in KINDS) for m in MARKETS if cost.split.market(m)]
    return [
        f"cost: {usd(total)} over {seconds // 60}m{seconds % 60:02d}s ({cost.window.start:%Y-%m-%d %H:%M:%S} .. "
        f"{cost.window.end:%H:%M:%S}, {cost.instances} instances, {cost.region})",
        "  " + ("; ".join(parts) if parts else "nothing billed"),
        f"  idle (no step running) {usd(idle)}; one-minute minimums {usd(minimum)}",
        f"  prices: {cost.prices}",
    ]
