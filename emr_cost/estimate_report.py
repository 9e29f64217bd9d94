"""How an estimate is shown: a plain table, Markdown (for a pull-request comment) or JSON. Every form says
the price source and date, the hours a day behind the monthly figure, and what is left out."""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from .estimate import Cost, StackEstimate, cents, monthly

LEFT_OUT = "data transfer, S3, CloudWatch, savings plans and reserved instances, taxes, free tier"
HEADERS = ("scenario", "instances", "EC2 on-demand", "EC2 spot", "EMR fee", "EBS", "$/hour", "$/month")


def _money(low: Decimal, high: Decimal) -> str:
    a, b = cents(low), cents(high)
    return f"{a}" if a == b else f"{a}-{b}"


def _rows(est: StackEstimate, hours_per_day: Decimal) -> list[tuple[str, list[list[str]], list[str]]]:
    out = []
    for c in est.clusters:
        rows = []
        for s in c.scenarios:
            inst = sum(p.instances_low for p in s.pools), sum(p.instances_high for p in s.pools)
            rows.append([s.name, str(inst[0]) if inst[0] == inst[1] else f"{inst[0]}-{inst[1]}",
                         *(_money(getattr(s.low, f), getattr(s.high, f)) for f in ("ec2_on_demand", "ec2_spot", "emr", "ebs")),
                         _money(s.low.total, s.high.total),
                         _money(monthly(s.low.total, hours_per_day), monthly(s.high.total, hours_per_day))])
        notes = [f"scaling: {c.scaling}"]
        fleets = [(s.name, p.pool, p.low_type, p.high_type) for s in c.scenarios for p in s.pools
                  if p.low_type != p.high_type]
        if fleets:
            notes.append("a-b: priced with each fleet's cheapest (a) and dearest (b) instance type per unit of "
                         "capacity; the instance counts follow those types")
        notes += [f"fleet {pool} ({scenario}): a uses {lo}, b uses {hi}" for scenario, pool, lo, hi in fleets]
        if c.idle_timeout_seconds:
            notes.append(f"idle timeout {c.idle_timeout_seconds // 60} min (auto_termination_policy): the cluster ends "
                         f"when idle, so it may run fewer hours than the monthly figure assumes")
        notes += [f"NOT PRICED: {m}" for m in c.missing]
        out.append((c.name, rows, notes))
    return out


def render_table(estimates: list[StackEstimate], source: str, hours_per_day: Decimal) -> str:
    lines = [f"prices: {source}", f"monthly = $/hour x {hours_per_day.normalize():f} h/day x 730/24 days; left out: {LEFT_OUT}", ""]
    for est in estimates:
        for name, rows, notes in _rows(est, hours_per_day):
            lines.append(f"{est.stack} ({est.region}) cluster {name}")
            table = [list(HEADERS), *rows]
            widths = [max(len(r[i]) for r in table) for i in range(len(HEADERS))]
            for r in table:
                lines.append("  " + "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths))))
            lines += [f"  {n}" for n in notes] + [""]
    return "\n".join(lines).rstrip() + "\n"


def render_markdown(estimates: list[StackEstimate], source: str, hours_per_day: Decimal) -> str:
    lines = ["## EMR cost estimate", "", f"Prices: {source}. Monthly: {hours_per_day.normalize():f} h/day. Left out: {LEFT_OUT}.", ""]
    for est in estimates:
        for name, rows, notes in _rows(est, hours_per_day):
            lines += [f"### {est.stack} ({est.region}), cluster `{name}`", "",
                      "| " + " | ".join(HEADERS) + " |", "| " + " | ".join("---" for _ in HEADERS) + " |"]
            lines += ["| " + " | ".join(r) + " |" for r in rows]
            lines += [""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(lines).rstrip() + "\n"


def _cost(c: Cost) -> dict[str, str]:
    return {"ec2_on_demand": str(cents(c.ec2_on_demand)), "ec2_spot": str(cents(c.ec2_spot)), "emr": str(cents(c.emr)),
            "ebs": str(cents(c.ebs)), "total": str(cents(c.total))}


def to_dict(estimates: list[StackEstimate], source: str, hours_per_day: Decimal) -> dict[str, Any]:
    return {
        "prices": source, "hours_per_day": float(hours_per_day), "left_out": LEFT_OUT, "currency": "USD",
        "stacks": [{
            "stack": e.stack, "region": e.region, "file": e.source,
            "clusters": [{
                "name": c.name, "scaling": c.scaling, "idle_timeout_seconds": c.idle_timeout_seconds,
                "not_priced": list(c.missing),
                "scenarios": [{
                    "name": s.name, "hourly_low": _cost(s.low), "hourly_high": _cost(s.high),
                    "monthly_low": str(cents(monthly(s.low.total, hours_per_day))),
                    "monthly_high": str(cents(monthly(s.high.total, hours_per_day))),
                    "pools": [{"pool": p.pool, "on_demand_units": p.on_demand_units, "spot_units": p.spot_units,
                               "low_type": p.low_type, "high_type": p.high_type,
                               "instances_low": p.instances_low, "instances_high": p.instances_high} for p in s.pools],
                } for s in c.scenarios],
            } for c in e.clusters],
        } for e in estimates],
    }


def render_json(estimates: list[StackEstimate], source: str, hours_per_day: Decimal) -> str:
    return json.dumps(to_dict(estimates, source, hours_per_day), indent=1) + "\n"
