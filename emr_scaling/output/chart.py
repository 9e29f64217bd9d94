"""The chart people read first: YARN capacity against demand over the day, the nodes each group ran, and the
policy's actions marked where they happened. PNG, SVG, or an HTML page holding the SVG with the summary and
events beside it. matplotlib, headless (the Agg backend): no display is needed.
"""
from __future__ import annotations

import bisect
import html
import io
from collections.abc import Sequence
from pathlib import Path

from ..errors import InputError
from ..simulate import Result
from ..summary import Summary
from .text import clock, event_rows, summary_rows

FORMATS = (".png", ".svg", ".html")
_MARK = {"scale_out": ("^", "#1a7f37"), "scale_in": ("v", "#cf222e"), "blocked": ("x", "#9a6700"),
         "decommission_timeout": ("X", "#cf222e"), "terminated": ("s", "#000000"), "app_failed": ("D", "#8250df"),
         "app_restarted": ("D", "#bf3989")}


def write_chart(path: Path, runs: Sequence[tuple[str, Result, Summary]]) -> None:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputError("--chart", str(path), f"must end in {', '.join(FORMATS)}")
    figure = _figure(runs)
    try:
        if suffix == ".html":
            buffer = io.StringIO()
            figure.savefig(buffer, format="svg", bbox_inches="tight")
            path.write_text(_page(buffer.getvalue(), runs), encoding="utf-8")
        else:
            figure.savefig(path, format=suffix[1:], dpi=110, bbox_inches="tight")
    except OSError as e:
        raise InputError("--chart", str(path), f"cannot be written: {e.strerror or e}") from e
    finally:
        import matplotlib.pyplot as plt
        plt.close(figure)


def _figure(runs: Sequence[tuple[str, Result, Summary]]):  # type: ignore[no-untyped-def]
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = len(runs)
    figure, axes = plt.subplots(rows * 2, 1, figsize=(12, 4.2 * rows), sharex=True,
                                gridspec_kw={"height_ratios": [3, 1.6] * rows})
    for i, (label, result, summary) in enumerate(runs):
        _memory_panel(axes[2 * i], label, result, summary)
        _nodes_panel(axes[2 * i + 1], result)
    last = axes[-1]
    end = max(r.end_seconds for _, r, _ in runs)
    step = next(m for m in (15, 30, 60, 120, 360, 720, 1440) if end / (m * 60) <= 12) * 60
    ticks = [k * step for k in range(int(end // step) + 1)]
    last.set_xticks([t / 3600 for t in ticks])
    last.set_xticklabels([clock(t) for t in ticks], fontsize=8)
    last.set_xlabel("time from the workload's start")
    figure.tight_layout()
    return figure


def _memory_panel(ax, label: str, result: Result, summary: Summary) -> None:  # type: ignore[no-untyped-def]
    t = [row["time_seconds"] / 3600 for row in result.timeline]
    capacity = [row["yarn"]["capacity_mb"] / 1024 for row in result.timeline]
    allocated = [row["yarn"]["allocated_mb"] / 1024 for row in result.timeline]
    demand = [row["yarn"]["demand_mb"] / 1024 for row in result.timeline]
    ax.fill_between(t, 0, allocated, step="post", color="#54aeff", alpha=0.55, label="allocated")
    ax.fill_between(t, allocated, demand, step="post", color="#ff8182", alpha=0.55, label="pending (waiting)")
    ax.step(t, capacity, where="post", color="#0550ae", linewidth=1.6, label="YARN capacity")
    top = max([*capacity, *demand, 1.0])
    shown = set()
    for event in result.events:
        style = _MARK.get(event.action)
        if style is None:
            continue
        # on the capacity line, at the row the event falls in (a cluster that ran has events between rows)
        y = capacity[max(0, bisect.bisect_right(t, event.time_seconds / 3600) - 1)] if t else top
        name = event.action.replace("_", " ")
        ax.plot([event.time_seconds / 3600], [y], marker=style[0], color=style[1], markersize=7, linestyle="none",
                label=name if name not in shown else None)
        shown.add(name)
    cost = f"${summary.cost_usd:,.2f}" if summary.cost_usd is not None else "cost n/a"
    ax.set_title(f"{label}: {result.shape.scaling}  |  {cost}, {summary.node_hours:,.0f} node-hours, "
                 f"{summary.pending_memory_mb_minutes / 1024 / 60:,.0f} GB-hours waited", fontsize=10, loc="left")
    ax.set_ylabel("YARN memory (GB)")
    ax.set_ylim(0, top * 1.08)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1), fontsize=7)  # beside the plot: it hides nothing


def _nodes_panel(ax, result: Result) -> None:  # type: ignore[no-untyped-def]
    from matplotlib.ticker import MaxNLocator

    t = [row["time_seconds"] / 3600 for row in result.timeline]
    names = list(result.timeline[0]["groups"]) if result.timeline else []
    base = [0.0] * len(t)
    colors = ("#8c959f", "#54aeff", "#4ac26b", "#d4a72c", "#bf8700", "#fa4549")
    for i, name in enumerate(names):
        running = [row["groups"][name]["running"] + row["groups"][name]["decommissioning"] for row in result.timeline]
        top = [b + r for b, r in zip(base, running)]
        ax.fill_between(t, base, top, step="post", color=colors[i % len(colors)], alpha=0.7, label=f"{name} running")
        base = top
    requested = [sum(g["running"] + g["provisioning"] for g in row["groups"].values()) for row in result.timeline]
    ax.step(t, requested, where="post", color="#24292f", linestyle="--", linewidth=1, label="requested")
    ax.set_ylabel("nodes")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1), fontsize=7)


def _page(svg: str, runs: Sequence[tuple[str, Result, Summary]]) -> str:
    title = html.escape("emr-scaling: " + " vs ".join(label for label, _, _ in runs))
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
             "td,th{border:1px solid #d0d7de;padding:3px 8px;font-size:13px;text-align:left}"
             "th{background:#f6f8fa}</style></head><body>",
             f"<h1>{title}</h1>", svg]
    for label, result, summary in runs:
        parts.append(f"<h2>{html.escape(label)}</h2>")
        parts.append(_table(("", ""), summary_rows(result, summary)))
        parts.append(_table(("time", "group", "action", "nodes", "rule", "why"), event_rows(result, verbose=False)))
    parts.append("</body></html>")
    return "\n".join(parts)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"
