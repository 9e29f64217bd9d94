"""The table a person reads in a terminal, and the JSON a script reads: the same summary, events and timeline."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..simulate import Event, Result
from ..summary import Summary

QUIET_ACTIONS = ("alarm",)  # shown with --verbose


def clock(seconds: float) -> str:
    """HH:MM from the workload's start; "d2 03:00" past the first day."""
    minutes = int(round(seconds / 60))
    day, rest = divmod(minutes, 1440)
    text = f"{rest // 60:02d}:{rest % 60:02d}"
    return f"d{day + 1} {text}" if day else text


def summary_rows(result: Result, s: Summary) -> list[tuple[str, str]]:
    if s.cost_usd is not None:
        split = ", ".join(f"{k.replace('_', ' ')} {v:,.2f}" for k, v in s.cost_split.items())
        cost = f"${s.cost_usd:,.2f} ({split})"
    else:
        cost = f"unavailable: {s.cost_unavailable}"
    groups = ", ".join(f"{g} {h:,.1f}" for g, h in s.node_hours_by_group.items())
    apps = ", ".join(f"{n} {state.replace('_', ' ')}" for state, n in sorted(s.apps.items()))
    rows = [
        ("cost", cost),
        ("node-hours", f"{s.node_hours:,.1f} ({groups})"),
        ("peak nodes", str(s.peak_nodes)),
        ("scaling activities", str(s.scaling_activities)),
        ("demand that waited", f"{s.pending_memory_mb_minutes / 1024 / 60:,.1f} GB-hours of pending YARN memory "
                               f"({s.pending_memory_mb_minutes:,.0f} MB-minutes)"),
    ]
    if s.apps:  # a simulation knows its applications; a cluster that ran shows only their metrics
        rows += [
            ("applications", apps),
            ("delay", f"later than with every executor at once: half within {s.app_delay_minutes[0]:,.1f} min, "
                      f"95% within {s.app_delay_minutes[1]:,.1f} min, the longest {s.app_delay_minutes[2]:,.1f} min"),
            ("lost work", f"{s.forced_decommissions} node(s) forced out at the decommission timeout, "
                          f"{s.app_restarts} application attempt(s) lost with their ApplicationMaster"),
        ]
    rows.append(("simulated" if s.apps else "observed", f"{clock(0)} to {clock(result.end_seconds)} ({s.hours:,.1f} h)"))
    if s.terminated_at is not None:
        rows.append(("cluster ended", f"at {clock(s.terminated_at)}: idle longer than its IdleTimeout"))
    return rows


def event_rows(result: Result, verbose: bool) -> list[tuple[str, ...]]:
    rows = []
    for e in result.events:
        if e.action in QUIET_ACTIONS and not verbose:
            continue
        nodes = f"{e.from_}->{e.to}" if e.from_ is not None and e.to is not None else ""
        rows.append((clock(e.time_seconds), e.group, e.action, nodes, e.rule or "", e.reason))
    return rows


def timeline_rows(result: Result, every_seconds: float) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    groups = list(result.timeline[0]["groups"]) if result.timeline else []
    headers = ("TIME", *(g.upper() for g in groups), "YARN GB used/cap", "PENDING GB", "APPS run/wait", "HDFS %")
    rows = []
    next_at = 0.0
    for row in result.timeline:
        t = row["time_seconds"]
        if t < next_at and row is not result.timeline[-1]:
            continue
        next_at = t + every_seconds
        y, h = row["yarn"], row["hdfs"]
        cells = [clock(t)]
        for g in groups:
            info = row["groups"][g]
            cell = str(info["running"])
            if info["provisioning"]:
                cell += f"+{info['provisioning']}"
            if info["decommissioning"]:
                cell += f"-{info['decommissioning']}"
            cells.append(cell)
        util = f"{100 * h['used_gb'] / h['capacity_gb']:.0f}" if h["capacity_gb"] else "-"
        cells += [f"{y['allocated_mb'] / 1024:,.0f}/{y['capacity_mb'] / 1024:,.0f}", f"{y['pending_mb'] / 1024:,.0f}",
                  f"{y['apps_running']}/{y['apps_pending']}", util]
        rows.append(tuple(cells))
    return headers, rows


def render_table(label: str, result: Result, s: Summary, every_seconds: float, verbose: bool) -> str:
    w = result.workload
    # A cluster that ran has no applications to list: its demand is what its metrics measured (observed.py).
    what = f"{len(w.applications)} application(s)" if w.applications or not w.source else \
        f"demand as {w.source}'s CloudWatch metrics measured it"
    out = [f"{label}: cluster {result.shape.name}, {result.shape.scaling}",
           f"workload {w.name}: {what} from {w.start:%Y-%m-%d %H:%M %Z}" + (f"; prices: {s.prices}" if s.prices else ""),
           ""]
    out += ["SUMMARY"] + [f"  {k:<20}{v}" for k, v in summary_rows(result, s)]
    headers, rows = timeline_rows(result, every_seconds)
    out += ["", f"TIMELINE (every {every_seconds / 60:g} min: running+joining-leaving nodes per group; --json has "
                f"every {result.params.tick_seconds / 60:g} min)"]
    out += _grid(headers, rows)
    events = event_rows(result, verbose)
    out += ["", f"EVENTS ({len(events)}{'' if verbose else '; alarm state changes with --verbose'})"]
    out += _grid(("TIME", "GROUP", "ACTION", "NODES", "RULE", "WHY"), events) if events else ["  none"]
    if result.warnings:
        out += ["", "NOTES"] + [f"  - {w}" for w in result.warnings]
    return "\n".join(out) + "\n"


def render_compare(runs: Sequence[tuple[str, Result, Summary]]) -> str:
    headers = ("", *(label for label, _, _ in runs))
    keys = list(dict.fromkeys(k for _, r, s in runs for k, _ in summary_rows(r, s)))
    table = []
    short = {"cost": lambda s: f"${s.cost_usd:,.2f}" if s.cost_usd is not None else "n/a",
             "node-hours": lambda s: f"{s.node_hours:,.1f}", "peak nodes": lambda s: str(s.peak_nodes),
             "scaling activities": lambda s: str(s.scaling_activities),
             "demand that waited": lambda s: f"{s.pending_memory_mb_minutes / 1024 / 60:,.1f} GB-hours",
             "applications": lambda s: ", ".join(f"{n} {k}" for k, n in sorted(s.apps.items())) or "-",
             "delay": lambda s: f"p50 {s.app_delay_minutes[0]:,.1f}, p95 {s.app_delay_minutes[1]:,.1f}, max "
                                f"{s.app_delay_minutes[2]:,.1f} min" if s.apps else "-",
             "lost work": lambda s: f"{s.forced_decommissions} forced out, {s.app_restarts} restarts"
             if s.apps else "-"}
    for key in keys:
        if key in short:
            table.append((key, *(short[key](s) for _, _, s in runs)))
    table.append(("scaling", *(r.shape.scaling for _, r, _ in runs)))
    out = [f"workload {runs[0][1].workload.name}: {len(runs[0][1].workload.applications)} application(s), "
           f"{len(runs)} clusters compared", ""]
    out += _grid(headers, table)
    notes = sorted({w for _, r, _ in runs for w in r.warnings})
    if notes:
        out += ["", "NOTES"] + [f"  - {n}" for n in notes]
    return "\n".join(out) + "\n"


def to_json(result: Result, s: Summary) -> dict[str, Any]:
    return {
        "stack": result.shape.stack, "cluster": result.shape.name, "scaling": result.shape.scaling,
        "workload": {"name": result.workload.name, "applications": len(result.workload.applications),
                     "start": result.workload.start.isoformat(), "source": result.workload.source},
        "model": {k: getattr(result.params, k) for k in result.params.__dataclass_fields__},
        "summary": s.to_dict(),
        "events": [_event(e) for e in result.events],
        "applications": [{"name": a.name, "submitted_seconds": a.submitted, "started_seconds": a.started,
                          "finished_seconds": a.finished, "state": a.state, "failure": a.failure}
                         for a in result.apps],
        "timeline": result.timeline,
        "notes": list(result.warnings),
    }


def _event(e: Event) -> dict[str, Any]:
    return {"time_seconds": e.time_seconds, "group": e.group, "action": e.action, "from": e.from_, "to": e.to,
            "rule": e.rule, "reason": e.reason}


def _grid(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]
    line = lambda cells: "  " + "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]
