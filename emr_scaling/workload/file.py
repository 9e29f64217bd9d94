"""Workload files (YAML or JSON), read strictly: an unknown field, a negative duration or a size Spark would
not take stops the read with one error naming the field (docs/scaling.md shows the format).
"""
from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from emr_contract.durations import parse_duration

from ..errors import InputError, problem
from .model import DEFAULT_START, Application, Workload
from .spark import memory_mb

TOP_FIELDS = ("version", "name", "start", "duration", "hdfs_initial_gb", "defaults", "applications")
APP_FIELDS = ("name", "start", "executors", "executor_memory", "executor_cores", "memory_overhead", "driver_memory",
              "deploy_mode", "conf", "duration", "work", "tasks", "hdfs_write_gb", "hdfs_keep", "repeat")
DEFAULT_FIELDS = tuple(f for f in APP_FIELDS if f not in ("name", "start", "repeat"))
REPEAT_FIELDS = ("every", "until", "count")
MAX_APPLICATIONS = 100_000
_CLOCK = re.compile(r"^(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$")


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps 01:30 as text: YAML 1.1 would read it as sexagesimal 90."""


_Loader.yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
for _digit in "0123456789":
    _Loader.yaml_implicit_resolvers.setdefault(_digit, []).insert(
        0, ("tag:yaml.org,2002:str", re.compile(r"^\d+:[0-5]\d(?::[0-5]\d)?$")))


def load_workload(path: Path) -> Workload:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise problem(str(path), f"cannot be read: {getattr(e, 'strerror', None) or e}") from e
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.load(text, Loader=_Loader)  # noqa: S506
    except (ValueError, yaml.YAMLError) as e:
        raise problem(str(path), f"is not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: "
                                 f"{str(e).splitlines()[0]}") from e
    return parse_workload(data, str(path))


def parse_workload(data: Any, source: str = "workload") -> Workload:
    if not isinstance(data, Mapping):
        raise problem("(top level)", "must be a table with an 'applications' list")
    _unknown("", data, TOP_FIELDS)
    if data.get("version", 1) != 1:
        raise InputError("version", data.get("version"), "must be 1")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise InputError("defaults", defaults, "must be a table of application fields")
    _unknown("defaults", defaults, DEFAULT_FIELDS)
    raw_apps = data.get("applications")
    if not isinstance(raw_apps, list) or not raw_apps:
        raise InputError("applications", raw_apps, "must be a non-empty list")
    apps: list[Application] = []
    for i, raw in enumerate(raw_apps):
        where = f"applications[{i}]"
        if not isinstance(raw, Mapping):
            raise InputError(where, raw, "must be a table")
        _unknown(where, raw, APP_FIELDS)
        apps += _applications({**defaults, **raw}, where)
        if len(apps) > MAX_APPLICATIONS:
            raise InputError(where, len(apps), f"a workload holds at most {MAX_APPLICATIONS} applications")
    names = [a.name for a in apps]
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise InputError(f"applications[{i}].name", name, "names must be unique")
    horizon = _duration(data, "duration", "duration") if "duration" in data else None
    initial = _number(data, "hdfs_initial_gb", "hdfs_initial_gb", 0.0)
    return Workload(str(data.get("name") or Path(source).stem), tuple(sorted(apps, key=lambda a: a.submit_seconds)),
                    _start(data.get("start")), horizon, initial, source)


def _applications(m: Mapping[str, Any], where: str) -> list[Application]:
    name = m.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{where}.name", name, "must be a non-empty string")
    if "start" not in m:
        raise problem(f"{where}.start", "is required: a time of day (01:30) or an offset (90m)")
    start = clock_seconds(m["start"], f"{where}.start")
    if ("duration" in m) == ("work" in m):
        raise problem(f"{where}", "needs exactly one of duration (wall time) or work (executor time, e.g. 40h)")
    conf = _conf(m, where)
    deploy = m.get("deploy_mode", "cluster")
    if deploy not in ("cluster", "client"):
        raise InputError(f"{where}.deploy_mode", deploy, "must be cluster or client")
    duration = _duration(m, "duration", f"{where}.duration") if "duration" in m else None
    work = _duration(m, "work", f"{where}.work") if "work" in m else None
    if work is not None and (conf.get("spark.executor.instances") == "0" or
                             conf.get("spark.dynamicAllocation.maxExecutors") == "0"):
        raise InputError(f"{where}.executors", m.get("executors"), "work needs at least one executor to get done")
    tasks = _count(m, "tasks", f"{where}.tasks") if "tasks" in m else None
    hdfs = _number(m, "hdfs_write_gb", f"{where}.hdfs_write_gb", 0.0)
    keep = m.get("hdfs_keep", True)
    if not isinstance(keep, bool):
        raise InputError(f"{where}.hdfs_keep", keep, "must be true or false")
    starts = _repeats(m.get("repeat"), start, f"{where}.repeat")
    suffix = len(starts) > 1
    return [Application(f"{name}#{k + 1}" if suffix else name, t, tuple(sorted(conf.items())), deploy, duration,
                        work, tasks, hdfs, keep) for k, t in enumerate(starts)]


def _conf(m: Mapping[str, Any], where: str) -> dict[str, str]:
    raw = m.get("conf") or {}
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) and isinstance(v, (str, int, float, bool))
                                                for k, v in raw.items()):
        raise InputError(f"{where}.conf", raw, "must be a table of Spark property -> value")
    conf = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in raw.items()}
    for key, prop in (("executor_memory", "spark.executor.memory"), ("memory_overhead", "spark.executor.memoryOverhead"),
                      ("driver_memory", "spark.driver.memory")):
        if key in m:
            if memory_mb(m[key]) is None:
                raise InputError(f"{where}.{key}", m[key], "must be a JVM memory size such as 4g or 4096m")
            conf[prop] = str(m[key])
    if "executor_cores" in m:
        conf["spark.executor.cores"] = str(_count(m, "executor_cores", f"{where}.executor_cores"))
    if "executors" in m:
        conf.update(_executors(m["executors"], f"{where}.executors"))
    return conf


def _executors(value: Any, where: str) -> dict[str, str]:
    """A count (static allocation) or {min, max[, initial]} (dynamic allocation)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise InputError(where, value, "must be at least 0")
        return {"spark.dynamicAllocation.enabled": "false", "spark.executor.instances": str(value)}
    if not isinstance(value, Mapping):
        raise InputError(where, value, "must be a count, or {min, max} for dynamic allocation")
    _unknown(where, value, ("min", "max", "initial"))
    out = {"spark.dynamicAllocation.enabled": "true"}
    for key, prop in (("min", "minExecutors"), ("max", "maxExecutors"), ("initial", "initialExecutors")):
        if key in value:
            n = value[key]
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise InputError(f"{where}.{key}", n, "must be a whole number >= 0")
            out[f"spark.dynamicAllocation.{prop}"] = str(n)
    lo, hi = value.get("min", 0), value.get("max")
    if hi is not None and hi < lo:
        raise InputError(f"{where}.max", hi, f"must be at least min ({lo})")
    return out


def _repeats(raw: Any, start: float, where: str) -> list[float]:
    if raw is None:
        return [start]
    if not isinstance(raw, Mapping):
        raise InputError(where, raw, "must be a table: {every: 15m, until: 18:00} or {every: 1h, count: 6}")
    _unknown(where, raw, REPEAT_FIELDS)
    if "every" not in raw:
        raise problem(f"{where}.every", "is required")
    every = _duration(raw, "every", f"{where}.every")
    if ("until" in raw) == ("count" in raw):
        raise problem(where, "needs exactly one of until (a time) or count")
    if "count" in raw:
        count = _count(raw, "count", f"{where}.count")
    else:
        until = clock_seconds(raw["until"], f"{where}.until")
        if until < start:
            raise InputError(f"{where}.until", raw["until"], "must not be before the application's start")
        count = int((until - start) // every) + 1
    if count > MAX_APPLICATIONS:
        raise InputError(where, count, f"makes more than {MAX_APPLICATIONS} applications")
    return [start + k * every for k in range(count)]


def clock_seconds(value: Any, where: str) -> float:
    """Seconds from the workload's start: a time of day "HH:MM[:SS]" (past 24:00 for later days) or a duration."""
    if isinstance(value, str) and (m := _CLOCK.match(value.strip())):
        return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3) or 0)
    seconds = parse_duration(value, allow_zero=True)
    if seconds is None:
        raise InputError(where, value, "must be a time of day (01:30) or an offset from the start (90m, 5400)")
    return seconds


def _start(value: Any) -> datetime:
    if value is None:
        return DEFAULT_START
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InputError("start", value, "must be an ISO date and time, e.g. 2026-11-02T00:00:00Z") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _duration(m: Mapping[str, Any], key: str, where: str) -> float:
    seconds = parse_duration(m[key])
    if seconds is None:
        raise InputError(where, m[key], "must be a positive duration such as 45m, 2h or 1h30m")
    return seconds


def _number(m: Mapping[str, Any], key: str, where: str, default: float) -> float:
    value = m.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InputError(where, value, "must be a number >= 0")
    return float(value)


def _count(m: Mapping[str, Any], key: str, where: str) -> int:
    value = m[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(where, value, "must be a whole number >= 1")
    return value


def _unknown(where: str, table: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(allowed)}"
            raise InputError(f"{where}.{key}" if where else str(key), ..., f"unknown field; {hint}")

