"""The model's parameters: every figure AWS does not publish, with its default and why, changeable with
``--model NAME=VALUE``. Facts AWS does publish are in facts.py and are not parameters.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from emr_contract.durations import parse_duration

from .errors import InputError


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "seconds", "int" (>= 1), "count" (>= 0), "float", "bool", "memory"
    doc: str


@dataclass(frozen=True)
class ModelParams:
    # BP (Managed Scaling best practices): "After 5-6 mins ... the nodes finish provisioning and are considered
    # RUNNING"; the describe-cluster examples of the EMR guides show 5 to 7 minutes from creation to ready.
    provisioning_seconds: float = 360
    # guess: a decommissioned node's EC2 instance keeps billing until it terminates; no page gives the time.
    termination_seconds: float = 60
    # guess: the rate at which a core node's HDFS blocks are copied away before it leaves (no page gives one).
    hdfs_decommission_mb_per_second: float = 100.0
    # Model (managed scaling): scale in only after capacity has exceeded demand this long (AWS publishes none);
    # shorter than a node's provisioning time, it cancels launches a moment's lull made look unneeded.
    managed_scale_in_after_seconds: float = 300
    # Model (managed scaling): capacity kept free above demand, as a fraction (0: exactly the demand).
    managed_headroom: float = 0.0
    # SOD: managed scaling evaluates "Every 5 to 10 seconds"; the model cannot look more often than its tick.
    managed_evaluation_seconds: float = 60
    # Model (managed scaling): the most units one evaluation adds (0: the whole shortfall at once).
    managed_max_step_units: int = 0
    # guess: EMR sizes executors by instance type and publishes no table (SPARK); used where nothing says.
    executor_memory: str = "4g"
    executor_cores: int = 2
    # The simulation's step and its timeline's resolution.
    tick_seconds: float = 60
    # Whether auto-termination ends the cluster when it stays idle for the stack's IdleTimeout.
    idle_termination: bool = True


PARAMS = (
    Param("provisioning_seconds", "seconds", "time from a resize request to a new node running YARN work "
          "(AWS's EMR best-practices example: 5-6 minutes)"),
    Param("termination_seconds", "seconds", "billing after a node's decommission ends (guess)"),
    Param("hdfs_decommission_mb_per_second", "float", "how fast a leaving core node's HDFS blocks are re-replicated "
          "(guess)"),
    Param("managed_scale_in_after_seconds", "seconds", "managed scaling scales in after this much sustained "
          "surplus (model)"),
    Param("managed_headroom", "float", "managed scaling keeps this fraction of capacity free above demand (model)"),
    Param("managed_evaluation_seconds", "seconds", "how often managed scaling decides (AWS: every 5-10 s; at least "
          "one tick)"),
    Param("managed_max_step_units", "count", "the most units one managed-scaling decision adds (0: the whole "
          "shortfall, the model's default)"),
    Param("executor_memory", "memory", "executor memory where neither the workload nor the cluster sets it"),
    Param("executor_cores", "int", "executor cores where neither the workload nor the cluster sets it"),
    Param("tick_seconds", "seconds", "simulation step and timeline resolution"),
    Param("idle_termination", "bool", "auto-termination ends an idle cluster (the stack's idle timeout)"),
)
_BY_NAME = {p.name: p for p in PARAMS}
assert set(_BY_NAME) == {f.name for f in fields(ModelParams)}


def with_overrides(base: ModelParams, items: list[str]) -> ModelParams:
    """``NAME=VALUE`` items over ``base``; InputError names the item that is wrong."""
    changes: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        param = _BY_NAME.get(name.strip())
        if not sep or param is None:
            raise InputError(f"--model {item}", ..., f"expected NAME=VALUE with NAME one of {', '.join(_BY_NAME)}")
        changes[param.name] = _value(param, raw.strip(), f"--model {param.name}")
    return replace(base, **changes)


def _value(param: Param, raw: str, where: str) -> Any:
    if param.kind == "seconds":
        seconds = parse_duration(raw, allow_zero=param.name != "tick_seconds")
        if seconds is None:
            raise InputError(where, raw, "must be a duration such as 90, 90s, 6m or 1h")
        return seconds
    if param.kind == "count":
        if not raw.isdigit():
            raise InputError(where, raw, "must be a whole number >= 0")
        return int(raw)
    if param.kind == "bool":
        if raw.lower() not in ("true", "false"):
            raise InputError(where, raw, "must be true or false")
        return raw.lower() == "true"
    if param.kind == "memory":
        from .workload.spark import memory_mb
        if memory_mb(raw) is None:
            raise InputError(where, raw, "must be a JVM memory size such as 4g or 4096m")
        return raw
    try:
        value = int(raw) if param.kind == "int" else float(raw)
    except ValueError:
        raise InputError(where, raw, f"must be {'a whole number' if param.kind == 'int' else 'a number'}") from None
    if value < 0 or (param.kind == "int" and value == 0):
        raise InputError(where, raw, "must be positive")
    return value
