"""Run results and their three renderings: a human table, one JSON object, JUnit XML.

A run that ended early (bad input, AWS error, dead cluster) still has a report: `error` says why, and
every step says how far it got.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emr_cost import cost_report

from ..diagnosis.probable_cause import ProbableCause
from .run_cost import CostSection
from ..state import FailureInfo
from ..diagnosis.triage import Hint


@dataclass
class StepResult:
    name: str
    step_id: str | None
    outcome: str
    state: str | None
    attempts: int = 0
    step_ids: list[str] = field(default_factory=list)
    created: datetime | None = None
    started: datetime | None = None
    ended: datetime | None = None
    failure: FailureInfo | None = None
    log_location: str | None = None
    probable_cause: ProbableCause | None = None
    note: str | None = None
    hint: Hint | None = None
    command: list[str] | None = None  # the spark-submit argv the step ran (emr-scaling replays it)

    @property
    def duration(self) -> float | None:
        if self.started and self.ended:
            return (self.ended - self.started).total_seconds()
        return None


@dataclass
class RunReport:
    run_id: str | None
    cluster_id: str | None
    outcome: str
    steps: list[StepResult]
    message: str | None = None
    exit_code: int | None = None
    error: dict[str, str] | None = None  # {"type": ..., "message": ...} when the run ended early
    cost: CostSection | None = None  # the run window's cost and each step's share (run_cost.py)


ERROR_OUTCOME = "ERROR"
# XML 1.0 allows tab, newline, carriage return and the ranges below; ANSI colour codes are dropped whole.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """Text any XML parser accepts: no ANSI escapes, no characters XML 1.0 forbids (shown as U+FFFD)."""
    return _NOT_XML.sub("\ufffd", _ANSI.sub("", str(value)))


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def _fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


def cost_dict(section: CostSection | None) -> dict[str, Any] | None:
    """`cost`: total, split, per-step shares, idle, minimum charges, window, price source and date; or why not."""
    if section is None:
        return None
    if section.cost is None:
        return {"unavailable": section.unavailable}
    return cost_report.to_dict(section.cost)


def _step_costs(report: RunReport) -> dict[str, str]:
    """Each step's share as the table shows it (rounded so that they add up)."""
    if report.cost is None or report.cost.cost is None:
        return {}
    _, shares, _, _ = cost_report.shares(report.cost.cost, cost_report.TABLE_PLACES)
    return {name: cost_report.usd(v) for name, v in shares.items()}


def cost_lines(report: RunReport) -> list[str]:
    if report.cost is None:
        return []
    if report.cost.cost is None:
        return [f"cost unavailable: {report.cost.unavailable}"]
    return cost_report.summary_lines(report.cost.cost)


def to_dict(report: RunReport) -> dict[str, Any]:
    """The `--json` object; keys are stable for scripts."""
    return {
        "run_id": report.run_id,
        "cluster_id": report.cluster_id,
        "outcome": report.outcome,
        "exit_code": report.exit_code,
        "message": report.message,
        "error": report.error,
        "steps": [
            {
                "name": s.name,
                "step_id": s.step_id,
                "step_ids": s.step_ids,
                "attempts": s.attempts,
                "outcome": s.outcome,
                "state": s.state,
                "created": _iso(s.created),
                "started": _iso(s.started),
                "ended": _iso(s.ended),
                "duration_seconds": s.duration,
                "command": s.command,
                "failure_details": None if s.failure is None else {
                    "reason": s.failure.reason, "message": s.failure.message, "log_file": s.failure.log_file},
                "log_location": s.log_location,
                "probable_cause": None if s.probable_cause is None else {
                    "kind": s.probable_cause.kind,
                    "summary": s.probable_cause.summary,
                    "lines": list(s.probable_cause.lines),
                    "application_id": s.probable_cause.application_id,
                },
                "note": s.note,
                "hint": None if s.hint is None else {
                    "kind": s.hint.kind, "title": s.hint.title, "advice": s.hint.advice,
                    "evidence": s.hint.evidence},
            }
            for s in report.steps
        ],
        "cost": cost_dict(report.cost),
    }


def render_table(report: RunReport) -> str:
    """Plain-text table plus a failure section per failed step."""
    costs = _step_costs(report)
    headers = ("STEP", "STEP ID", "OUTCOME", "TRIES", "STARTED", "DURATION") + (("COST",) if costs else ())
    rows = [
        (s.name, s.step_id or "-", s.outcome, str(s.attempts),
         s.started.strftime("%Y-%m-%d %H:%M:%S") if s.started else "-", _fmt_duration(s.duration))
        + ((costs.get(s.name, "-"),) if costs else ())
        for s in report.steps
    ]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [f"run {report.run_id or '-'} on {report.cluster_id or '-'}: {report.outcome}"]
    if report.error:
        out.append(f"{report.error['type']}: {report.error['message']}")
    if report.message:
        out.append(report.message)
    out += ["", line(headers), line(tuple("-" * w for w in widths))] + [line(r) for r in rows]
    if report.cost is not None:
        out += [""] + cost_lines(report)
    for s in report.steps:
        if s.outcome == "COMPLETED":
            continue
        details = []
        if s.note:
            details.append(f"  note: {s.note}")
        if s.failure:
            for label, value in (("reason", s.failure.reason), ("message", s.failure.message),
                                 ("log file", s.failure.log_file)):
                if value:
                    details.append(f"  {label}: {value}")
        if s.log_location and s.step_id:
            details.append(f"  logs: {s.log_location}")
        if s.hint:
            details.append(f"  hint: {s.hint.text}")
        if s.probable_cause:
            details.append(f"  probable cause ({s.probable_cause.kind}): {s.probable_cause.summary}")
            details += [f"    | {ln}" for ln in s.probable_cause.lines]
        if details:
            out += ["", f"{s.name} ({s.outcome}):"] + details
    return "\n".join(out)


def _junit_cost(suite: ET.Element, report: RunReport) -> None:
    """Suite properties: cost_total_usd, the split, idle, window and price source; or cost_unavailable."""
    section = cost_dict(report.cost)
    if section is None:
        return
    props = ET.SubElement(suite, "properties")
    flat: dict[str, Any] = {"cost_unavailable": section["unavailable"]} if "unavailable" in section else {
        "cost_total_usd": section["total_usd"], "cost_idle_usd": section["idle_usd"],
        "cost_minimum_charge_usd": section["minimum_charge_usd"],
        **{f"cost_{m}_{k}_usd": v for m, kinds in section["split"].items() for k, v in kinds.items() if k != "total"},
        "cost_window_start": section["window"]["start"], "cost_window_end": section["window"]["end"],
        "cost_prices": section["prices"]}
    for name, value in flat.items():
        ET.SubElement(props, "property", {"name": name, "value": xml_text(value)})


def to_junit(report: RunReport) -> str:
    """One <testcase> per step; failed steps carry FailureDetails and the probable cause. A run that ended
    early adds an <error> testcase saying why. Every text goes through xml_text."""
    failures = sum(1 for s in report.steps if s.outcome in ("FAILED", "INTERRUPTED", "TIMED_OUT"))
    skipped = sum(1 for s in report.steps if s.outcome in ("SKIPPED", "NOT_SUBMITTED", "CANCELLED", "STILL_ACTIVE"))
    total_time = sum(s.duration or 0.0 for s in report.steps)
    errors = 1 if report.error else 0
    suite = ET.Element("testsuite", {
        "name": xml_text(f"emr-steps run {report.run_id or '-'}"), "tests": str(len(report.steps) + errors),
        "failures": str(failures), "errors": str(errors), "skipped": str(skipped), "time": f"{total_time:.1f}",
    })
    classname = xml_text(report.cluster_id or "emr-steps")
    _junit_cost(suite, report)
    costs = _step_costs(report)
    if report.error:
        case = ET.SubElement(suite, "testcase", {"classname": classname, "name": "emr-steps run", "time": "0.0"})
        ET.SubElement(case, "error", {"message": xml_text(report.error["message"]),
                                      "type": xml_text(report.error["type"])}).text = xml_text(report.message or "")
    for s in report.steps:
        case = ET.SubElement(suite, "testcase", {
            "classname": classname, "name": xml_text(s.name), "time": f"{s.duration or 0.0:.1f}"})
        if s.name in costs:
            props = ET.SubElement(case, "properties")
            ET.SubElement(props, "property", {"name": "cost_usd", "value": costs[s.name].lstrip("$")})
        if s.outcome in ("FAILED", "INTERRUPTED", "TIMED_OUT"):
            summary = (s.probable_cause.summary if s.probable_cause else None) or (
                s.failure.message if s.failure else None) or s.outcome
            if s.hint and s.hint.kind != "python_exception":  # that title only repeats the traceback's summary
                summary = f"{summary} (hint: {s.hint.title})"
            body = []
            if s.failure:
                body += [f"Reason: {s.failure.reason}", f"Message: {s.failure.message}", f"LogFile: {s.failure.log_file}"]
            if s.log_location:
                body.append(f"Logs: {s.log_location}")
            if s.hint:
                body.append(f"Hint: {s.hint.text}")
            if s.probable_cause:
                body += ["", s.probable_cause.text()]
            fail = ET.SubElement(case, "failure", {"message": xml_text(summary), "type": s.outcome})
            fail.text = xml_text("\n".join(body))
        elif s.outcome != "COMPLETED":
            ET.SubElement(case, "skipped", {"message": xml_text(s.note or s.outcome)})
        if s.step_id:
            ET.SubElement(case, "system-out").text = xml_text(f"step {s.step_id} attempts={s.attempts} state={s.state}")
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
