"""A cluster that ran, as EMR tells it: its groups or fleets, its instances' timelines and its
AWS/ElasticMapReduce metrics over a window. Two uses, both pure (emr_scaling/aws.py reads the data):

- ``observed_result``: the same timeline, events and summary as a simulation, for what the cluster did. Group
  sizes come from ListInstances' timelines (provisioning from CreationDateTime to ReadyDateTime, running to
  EndDateTime), YARN from the metrics (MemoryTotalMB, MemoryAllocatedMB; pending memory is ContainerPending
  times the average allocated container, MemoryAllocatedMB / ContainerAllocated: EMR publishes no pending
  memory), resizes from the instances that started or ended together, the cost from the instances as
  emr-cost prices them.
- ``demand_workload``: the demand, to replay under another policy. A model: each metric period becomes an
  application that does the container-seconds the cluster served in it (ContainerAllocated x the period) and
  asks for the containers it held plus those pending, of the period's average size. So the same work replays,
  sooner where it waited and later where capacity is short; utilization is recomputed, never copied.

``clock_factor`` stretches the window's time back to the clock the cluster's scaling ran on (the local
emulator's, docs/emulator.md); 1 for a real cluster.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from emr_cost.stack_model import Stack, cluster_from_api
from emr_cost.timelines import ClusterDescription, instances_from

from .cluster.metrics import published
from .cluster.shape import cluster_shape
from .engine import Event
from .errors import problem
from .params import ModelParams
from .simulate import NodeSpan, Result
from .workload.model import Application, Workload

# What the report and the replay read (the metrics EMR publishes with and without managed scaling).
READ_METRICS = ("MemoryTotalMB", "MemoryAllocatedMB", "MemoryAvailableMB", "YARNMemoryAvailablePercentage",
                "ContainerAllocated", "ContainerPending", "ContainerPendingRatio", "AppsRunning", "AppsPending",
                "AppsCompleted", "IsIdle", "HDFSUtilization", "CapacityRemainingGB", "CoreNodesRunning",
                "TaskNodesRunning")
DEFAULT_CONTAINER_MB = 4096  # guess: a slice's container size when nothing was allocated before it
RESIZE_GAP_SECONDS = 120  # instances started or ended within this of each other are one resize


@dataclass(frozen=True)
class Observed:
    cluster_id: str
    region: str
    start: datetime
    end: datetime
    period_seconds: float  # of the metrics, on the stretched clock
    description: ClusterDescription
    managed: dict[str, Any] | None
    idle_timeout: int | None
    metrics: dict[str, list[tuple[datetime, float]]]  # as read (real time)
    clock_factor: float = 1.0
    notes: tuple[str, ...] = field(default=())

    def seconds(self, at: datetime) -> float:
        """Seconds from the window's start on the stretched clock."""
        return (_aware(at) - _aware(self.start)).total_seconds() * self.clock_factor

    @property
    def span_seconds(self) -> float:
        return self.seconds(self.end)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc)


def check(obs: Observed) -> None:
    """One error naming what is missing when the window holds nothing to show."""
    if not any(obs.metrics.get(name) for name in ("MemoryTotalMB", "ContainerAllocated", "YARNMemoryAvailablePercentage")):
        raise problem(f"{obs.cluster_id} {obs.start:%Y-%m-%dT%H:%M:%SZ}..{obs.end:%Y-%m-%dT%H:%M:%SZ}",
                      "no AWS/ElasticMapReduce metric data in this window (is it the cluster's life, and the period "
                      "the one its metrics have: 300 s, 60 s with managed scaling?)")


def shape_of(obs: Observed):  # type: ignore[no-untyped-def]
    d = obs.description
    model = cluster_from_api(d.cluster, d.groups, d.fleets, obs.managed, obs.idle_timeout)
    unit = model.managed.unit_type if model.managed else None
    return cluster_shape(Stack(obs.cluster_id, obs.region, (model,)), model, published(bool(d.fleets), unit))


# ---- what the cluster did -------------------------------------------------------------------------------

def observed_result(obs: Observed) -> Result:
    check(obs)
    shape = shape_of(obs)
    names = _pool_names(obs.description)
    spans = _spans(obs, names)
    by_period = _by_period(obs)
    timeline = [_row(obs, t, spans, by_period) for t in _times(obs)]
    pending_mb_minutes = sum(row["yarn"]["pending_mb"] for row in timeline) * obs.period_seconds / 60
    workload = Workload(f"{obs.cluster_id} as it ran", (), obs.start, obs.span_seconds, source=obs.cluster_id)
    return Result(shape, workload, ModelParams(), obs.span_seconds, timeline, _events(spans), [], spans,
                  list(obs.notes), pending_mb_minutes)


def _pool_names(d: ClusterDescription) -> dict[str, tuple[str, str]]:
    """Group or fleet id -> (name as cluster_from_api names the pool, role)."""
    out = {}
    for g in d.groups:
        out[g.get("Id", "")] = (str(g.get("Name") or g.get("Id") or ""), str(g.get("InstanceGroupType", "")))
    for f in d.fleets:
        out[f.get("Id", "")] = (str(f.get("Name") or f.get("Id") or ""), str(f.get("InstanceFleetType", "")))
    return out


def _spans(obs: Observed, names: dict[str, tuple[str, str]]) -> list[NodeSpan]:
    d = obs.description
    priced = instances_from(d.cluster, d.listed, d.groups, d.fleets)
    spans = []
    for raw, inst in zip(d.listed, priced):
        pool = raw.get("InstanceGroupId") or raw.get("InstanceFleetId") or ""
        name, role = names.get(pool, (pool, ""))
        if inst.start is None:
            continue
        timeline = (raw.get("Status") or {}).get("Timeline") or {}
        ready = timeline.get("ReadyDateTime")
        spans.append(NodeSpan(inst.instance_id, "primary" if role == "MASTER" else name, role, inst.instance_type,
                              inst.market, inst.volumes, obs.seconds(inst.start),
                              None if inst.end is None else obs.seconds(inst.end),
                              obs.seconds(ready) if isinstance(ready, datetime) else obs.seconds(inst.start)))
    return spans


def _times(obs: Observed) -> list[float]:
    step = obs.period_seconds
    return [i * step for i in range(int(obs.span_seconds // step) + 1)]


def _by_period(obs: Observed) -> dict[str, dict[int, float]]:
    """Each metric's data points by the period they close: k for (k-1)*period < t <= k*period."""
    out: dict[str, dict[int, float]] = {}
    for name, points in obs.metrics.items():
        table = out.setdefault(name, {})
        for at, value in points:
            table[max(0, math.ceil(obs.seconds(at) / obs.period_seconds - 1e-9))] = value
    return out


def _row(obs: Observed, t: float, spans: list[NodeSpan], by_period: dict[str, dict[int, float]]) -> dict[str, Any]:
    k = round(t / obs.period_seconds)
    metrics = {name: table[k] for name, table in by_period.items() if k in table}
    groups: dict[str, dict[str, Any]] = {}
    for s in spans:
        if s.role == "MASTER":
            continue
        g = groups.setdefault(s.group, {"requested": 0, "running": 0, "provisioning": 0, "decommissioning": 0,
                                        "status": "RUNNING", "on_demand": 0, "spot": 0})
        alive = s.start <= t and (s.end is None or t < s.end)
        if not alive:
            continue
        ready = s.ready if s.ready is not None else s.start
        g["requested"] += 1
        g["running" if ready <= t else "provisioning"] += 1
        g["on_demand" if s.market == "ON_DEMAND" else "spot"] += 1
        if g["provisioning"]:
            g["status"] = "RESIZING"
    allocated = metrics.get("MemoryAllocatedMB", 0.0)
    containers = metrics.get("ContainerAllocated", 0.0)
    size = allocated / containers if containers else DEFAULT_CONTAINER_MB
    pending_mb = metrics.get("ContainerPending", 0.0) * size
    capacity = metrics.get("MemoryTotalMB", 0.0)
    hdfs = metrics.get("HDFSUtilization")
    remaining = metrics.get("CapacityRemainingGB")
    used = capacity_gb = 0.0
    if hdfs is not None and remaining is not None and hdfs < 100:
        capacity_gb = remaining / (1 - hdfs / 100)
        used = capacity_gb - remaining
    return {"time_seconds": t, "groups": groups,
            "yarn": {"capacity_mb": capacity, "allocated_mb": allocated, "pending_mb": pending_mb,
                     "demand_mb": allocated + pending_mb, "containers_pending": metrics.get("ContainerPending", 0.0),
                     "apps_running": metrics.get("AppsRunning", 0.0), "apps_pending": metrics.get("AppsPending", 0.0)},
            "hdfs": {"used_gb": round(used, 3), "capacity_gb": round(capacity_gb, 3)},
            "metrics": {k: round(v, 3) for k, v in metrics.items()}, "alarms": {}}


def _events(spans: list[NodeSpan]) -> list[Event]:
    """Resizes: a group's instances that started (or ended) within RESIZE_GAP_SECONDS of each other."""
    events: list[Event] = []
    by_group: dict[str, list[NodeSpan]] = {}
    for s in spans:
        if s.role != "MASTER":
            by_group.setdefault(s.group, []).append(s)
    for group, members in by_group.items():
        changes = sorted([(s.start, +1, s) for s in members if s.start > 0] +
                         [(s.end, -1, s) for s in members if s.end is not None], key=lambda c: c[:2])
        size = sum(1 for s in members if s.start <= 0)
        batch: list[tuple[float, int, NodeSpan]] = []
        for change in changes + [(math.inf, 0, None)]:  # type: ignore[list-item]
            if batch and (change[0] - batch[-1][0] > RESIZE_GAP_SECONDS or change[1] != batch[0][1]):
                before, size = size, size + sum(c[1] for c in batch)
                action = "scale_out" if batch[0][1] > 0 else "scale_in"
                events.append(Event(batch[0][0], group, action, before, size, None,
                                    f"{len(batch)} instance(s) {'created' if action == 'scale_out' else 'ended'}"))
                if action == "scale_out":
                    ready = max(c[2].ready if c[2].ready is not None else c[0] for c in batch)
                    events.append(Event(ready, group, "resize_done", before, size, None,
                                        f"resize took {(ready - batch[0][0]) / 60:.0f} min (to the last ReadyDateTime)"))
                batch = []
            if change[2] is not None:
                batch.append(change)
    return sorted(events, key=lambda e: e.time_seconds)


# ---- the demand, to replay --------------------------------------------------------------------------

def demand_workload(obs: Observed) -> Workload:
    check(obs)
    period = obs.period_seconds
    allocated = {round(obs.seconds(at)): v for at, v in obs.metrics.get("ContainerAllocated", [])}
    pending = {round(obs.seconds(at)): v for at, v in obs.metrics.get("ContainerPending", [])}
    memory = {round(obs.seconds(at)): v for at, v in obs.metrics.get("MemoryAllocatedMB", [])}
    apps = []
    size = float(DEFAULT_CONTAINER_MB)
    for t in sorted(set(allocated) | set(pending)):
        held, waiting = allocated.get(t, 0.0), pending.get(t, 0.0)
        if held:
            size = memory.get(t, size * held) / held
        wanted = math.ceil(held + waiting)
        if held <= 0 or wanted <= 0:
            continue
        mib = max(768, int(size))
        conf = (("spark.dynamicAllocation.enabled", "true"), ("spark.dynamicAllocation.maxExecutors", str(wanted)),
                ("spark.dynamicAllocation.minExecutors", "0"), ("spark.executor.cores", "1"),
                ("spark.executor.memory", f"{mib - 384}m"), ("spark.executor.memoryOverhead", "384m"))
        apps.append(Application(f"demand@{int(max(0, t - period))}s", max(0.0, t - period), conf, "client",
                                work_executor_seconds=held * period, tasks=wanted))
    if not apps:
        raise problem(obs.cluster_id, "its metrics show no YARN containers in this window: no demand to replay")
    return Workload(f"{obs.cluster_id} demand", tuple(apps), obs.start, obs.span_seconds, source=obs.cluster_id,
                    notes=(f"replayed demand of {obs.cluster_id}: one application per {period / 60:g}-minute "
                           "period, doing the container-seconds the cluster served and asking for the containers "
                           "it held plus those pending (a model: docs/scaling.md)",))


def window(start: datetime, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    end = end or now
    if _aware(end) <= _aware(start):
        raise problem("--end", "must be after --start")
    return start, end

