"""An emr-steps run as a workload: its ``--json`` report gives each step's start, end and spark-submit command.

A step becomes an application submitted when the step started RUNNING, sized by its command (workload/spark.py
reads it as spark-submit does). Its length: with a known executor count (static allocation, or a dynamic
maximum) the work it did is that count times its run time, so more capacity finishes it sooner; otherwise
its run time is replayed as is. Both are stated in the workload's notes.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import InputError, problem
from .model import Application, Workload
from .spark import parse_submit


def load_run(path: Path) -> Workload:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise problem(str(path), f"cannot be read: {getattr(e, 'strerror', None) or e}") from e
    except ValueError as e:
        raise problem(str(path), f"is not JSON: {e}") from e
    return workload_from_report(report, str(path))


def workload_from_report(report: Any, source: str) -> Workload:
    if not isinstance(report, Mapping) or not isinstance(report.get("steps"), list):
        raise problem(f"{source}: steps", "missing: expected the JSON report of `emr-steps ... --json`")
    steps = []
    notes = []
    for i, step in enumerate(report["steps"]):
        where = f"{source}: steps[{i}]"
        if not isinstance(step, Mapping):
            raise InputError(where, step, "must be an object")
        name = str(step.get("name") or f"step-{i + 1}")
        if "command" not in step:
            raise problem(f"{where}.command", "missing: the report predates emr-steps' command field; run the "
                                              "steps again with --json")
        started, ended = _time(step, "started", where), _time(step, "ended", where)
        if started is None or ended is None:
            notes.append(f"{name}: left out (it did not run to an end in this report)")
            continue
        submit = parse_submit(step.get("command") or [])
        if submit is None:
            notes.append(f"{name}: left out (not a spark-submit step)")
            continue
        steps.append((name, started, ended, submit))
    if not steps:
        raise problem(f"{source}: steps", "none ran to an end with a spark-submit command: nothing to replay")
    origin = min(s[1] for s in steps)
    apps = []
    for name, started, ended, submit in steps:
        seconds = max(1.0, (ended - started).total_seconds())
        executors = _executors(submit.conf)
        if executors:
            apps.append(Application(name, (started - origin).total_seconds(), tuple(sorted(submit.conf.items())),
                                    submit.deploy_mode, work_executor_seconds=executors * seconds))
        else:
            apps.append(Application(name, (started - origin).total_seconds(), tuple(sorted(submit.conf.items())),
                                    submit.deploy_mode, duration_seconds=seconds))
            notes.append(f"{name}: no executor count in its command: its {seconds / 60:.1f} min are replayed as is")
    run = report.get("run_id") or Path(source).stem
    return Workload(f"run {run}", tuple(sorted(apps, key=lambda a: a.submit_seconds)), origin,
                    source=source, notes=tuple(notes))


def _executors(conf: Mapping[str, str]) -> int | None:
    dynamic = conf.get("spark.dynamicAllocation.enabled", "").lower()
    key = "spark.dynamicAllocation.maxExecutors" if dynamic == "true" else "spark.executor.instances"
    try:
        value = int(conf[key])
    except (KeyError, ValueError):
        return None
    return value if value > 0 else None


def _time(step: Mapping[str, Any], key: str, where: str) -> datetime | None:
    value = step.get(key)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{where}.{key}", value, "must be an ISO date and time") from None
