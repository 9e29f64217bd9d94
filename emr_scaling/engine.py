"""The cluster as the model runs it, one tick at a time on a clock passed in as seconds: applications come and go,
nodes join and leave, EMR's metrics are published and the policies act.

Two drivers use it: simulate.py replays a workload (every application known in advance, each ending by its
duration or its work), and the emulator (local_emr/cluster/scaling.py) feeds it the steps it runs as they start
and end.

Each tick, in order: work done since the last tick (and applications that finish), new submissions, nodes that
finish joining or leaving, executors released and containers placed, the metrics EMR would publish at this
minute, then the policies, which may request or decommission nodes.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from emr_cost.stack_model import ManagedLimits

from . import facts
from .cluster.metrics import published, sample
from .cluster.shape import ClusterShape, PoolShape
from .cluster.state import DECOMMISSIONING, PROVISIONING, RUNNING, Activity, ClusterState, PoolState
from .cluster.yarn import ACTIVE, FAILED, App, Yarn, container_mb
from .params import ModelParams
from .policies.alarms import EVALUATION_EVERY_SECONDS, Series
from .policies.custom import CustomPolicy, CustomScaler
from .policies.managed import ManagedScaler
from .workload.model import Application
from .workload.spark import demand


@dataclass(frozen=True)
class Event:
    time_seconds: float
    group: str
    # scale_out, scale_in, resize_done; blocked (a constraint), cooldown and resizing (a rule's routine waits),
    # kept (managed scaling spared a node with shuffle data or an ApplicationMaster);
    # alarm (a state change); decommission_wait, decommission_timeout; app_failed, app_restarted, hdfs_full,
    # terminated
    action: str
    from_: int | None
    to: int | None
    rule: str | None
    reason: str


class Engine:
    """Owns the cluster state, YARN, the published metrics and the policies; drivers add applications and call
    ``step`` once a tick."""

    def __init__(self, shape: ClusterShape, params: ModelParams, hdfs_initial_gb: float = 0.0) -> None:
        self.shape, self.params = shape, params
        self.tick = params.tick_seconds
        self.warnings = list(shape.warnings)
        self.assumed: set[str] = set()
        self.state = ClusterState(shape, params.provisioning_seconds, params.termination_seconds,
                                  params.hdfs_decommission_mb_per_second)
        self.state.hdfs_used_gb = hdfs_initial_gb
        self.yarn = Yarn([], shape.am_on_core_only, shape.dominant_resources, self.tick)
        self.max_allocation = max(k.max_allocation_mb for p in shape.pools for k in p.kinds)
        self.events: list[Event] = []
        self.hdfs_full = False
        self.idle_since: float | None = 0.0
        self.pending_mb_minutes = 0.0
        self.custom: CustomScaler | None = None
        self.managed: ManagedScaler | None = None
        self._policies(shape.managed)

    def _policies(self, managed: ManagedLimits | None) -> None:
        """(Re)build the scalers and the metrics they read, keeping the nodes and the series published so far."""
        shape = self.shape = replace(self.shape, managed=managed,
                                     pools=tuple(p.shape for p in self.state.pools))
        self.managed_unit = managed.unit_type if managed else None
        self.metric_names = published(any(p.fleet for p in shape.pools), self.managed_unit)
        self.interval = facts.METRIC_PERIOD_MANAGED_SECONDS if managed else facts.METRIC_PERIOD_SECONDS
        old = getattr(self, "series", {})
        self.series = {name: old.get(name) or Series() for name in self.metric_names}
        self.row_metrics = tuple(sorted(self.metric_names))
        self.custom = CustomScaler(self.state, self.series, shape.decommission_timeout_seconds) \
            if any(p.policy for p in shape.pools) else None
        self.managed = ManagedScaler(managed, self.state, self.yarn, self.params.managed_headroom,
                                     self.params.managed_scale_in_after_seconds, shape.decommission_timeout_seconds,
                                     shape.shuffle_aware, self.params.managed_max_step_units,
                                     shape.dominant_resources) if managed else None

    def set_policies(self, custom: dict[str, CustomPolicy | None], managed: ManagedLimits | None) -> None:
        """Put or remove policies on a running cluster (PutAutoScalingPolicy, PutManagedScalingPolicy and their
        Remove forms): ``custom`` maps a group's name to its new policy, or None to remove it."""
        for pool in self.state.pools:
            if pool.name in custom:
                pool.shape = replace(pool.shape, policy=custom[pool.name])
                pool.alarms.clear()
        self._policies(managed)

    def add_pool(self, shape: PoolShape) -> None:
        """A group or fleet added to a running cluster (AddInstanceGroups, AddInstanceFleet): it starts empty, and
        its size is reached by a resize."""
        self.state.pools.append(PoolState(replace(shape, on_demand=0, spot=0)))
        self.max_allocation = max(self.max_allocation, *(k.max_allocation_mb for k in shape.kinds))
        self._policies(self.shape.managed)

    def resize(self, group: str, market: str, units: int, now: float, cause: str = "resize by request") -> None:
        """A resize asked for by hand (ModifyInstanceGroups, ModifyInstanceFleet): ``units`` of ``market`` in the
        pool named ``group``, reached as any resize is (nodes join after provisioning, leave by decommission)."""
        pool = next(p for p in self.state.pools if p.name == group)
        unit = self.managed_unit or "Instances"
        before = pool.units(unit)
        current = pool.units(unit, market)
        if units > current:
            self.state.grow(pool, market, units - current, now)
        elif units < current:
            step = pool.shape.kinds[0].units(unit)
            chosen, refusal = self.state.shrink(pool, -(-(current - units) // step), now,
                                                self.shape.decommission_timeout_seconds, market=market)
            if refusal is not None:
                self.emit(now, pool.name, "blocked", before, pool.units(unit), None, refusal.reason)
        after = pool.units(unit)
        if after != before:
            if pool.activity is None:
                pool.activity = Activity(cause, None, now, before, after)
            else:
                pool.activity.to_units = after
            self.emit(now, pool.name, "scale_out" if after > before else "scale_in", before, after, None, cause)

    def add(self, spec: Application) -> App:
        """An application submitted at ``spec.submit_seconds`` (in order); one with neither a duration nor work runs
        until ``finish`` (the emulator's steps)."""
        shape = self.shape
        d = demand(spec.spark_conf, spec.deploy_mode, shape.spark_defaults, shape.release,
                   self.params.executor_memory, self.params.executor_cores, spec.tasks)
        if d.assumed and not self.assumed.issuperset(d.assumed):
            self.assumed.update(d.assumed)
        app = App(len(self.yarn.apps), spec, d, container_mb(d.executor_mb, shape.min_allocation_mb),
                  container_mb(d.am_mb, shape.min_allocation_mb))
        self.yarn.add(app)
        return app

    def finish(self, app: App, now: float) -> None:
        """An application that ended outside the model (its step's process exited)."""
        if app.state == ACTIVE or app in self.yarn.active:
            self.yarn.finish(app, now)
        elif app.state == "WAITING":
            app.state, app.finished_at = "FINISHED", now

    def emit(self, t: float, group: str, action: str, from_: int | None, to: int | None, rule: str | None,
             reason: str) -> None:
        self.events.append(Event(t, group, action, from_, to, rule, reason))

    def guesses(self) -> list[str]:
        if not self.assumed:
            return []
        return ["guess: EMR sizes executors by instance type and publishes no table; where neither the workload nor "
                f"the cluster says, the model took {', '.join(sorted(self.assumed))} "
                "(--model executor_memory=..., executor_cores=...)"]

    def step(self, prev: float, t: float) -> None:
        """The tick at ``t`` (the previous was at ``prev``)."""
        yarn, state = self.yarn, self.state
        if t > prev:
            _, written = yarn.progress(prev, t)
            self._write_hdfs(written, t)
        for app in yarn.submit(t, self.max_allocation):
            if app.state == FAILED:
                self.emit(t, "yarn", "app_failed", None, None, None, f"{app.spec.name}: {app.failure}")
        for node in list(state.live_nodes()):
            if node.state == DECOMMISSIONING and node.deadline <= t and node.containers:
                self.emit(t, node.pool.name, "decommission_timeout", None, None, None,
                          f"{node.id} forced out after {self.shape.decommission_timeout_seconds / 60:g} min with "
                          f"{node.containers} container(s) still running: YARN reruns them elsewhere")
                for app in yarn.fail_containers_on(node, t):
                    self.emit(t, "yarn", "app_restarted", None, None, None,
                              f"{app.spec.name}: its ApplicationMaster ran on {node.id}: the attempt is lost")
        state.advance(t, {a.index for a in yarn.active if a.state == ACTIVE})
        yarn.release_idle(t)
        yarn.schedule(state.live_nodes(), t)
        self._resizes_done(t)
        if t > 0 and t % self.interval == 0:  # the first data point closes the first period
            for name, value in sample(state, yarn, self.managed_unit).items():
                if name in self.series:
                    self.series[name].add(t, float(value))
        if self.custom is not None and t % EVALUATION_EVERY_SECONDS < self.tick:
            self.custom.evaluate(t, self.emit)
        if self.managed is not None and t % self.params.managed_evaluation_seconds < self.tick:
            self.managed.evaluate(t, self.emit)
        self._decommissions_waiting(t)
        self.pending_mb_minutes += yarn.pending()[1] * self.tick / 60

    def _decommissions_waiting(self, t: float) -> None:
        """Say what each node that began decommissioning this tick waits on (containers, applications, HDFS)."""
        for node in self.state.live_nodes():
            if node.state != DECOMMISSIONING or node.decommission_at != t:
                continue
            running = sorted(self.yarn.apps[i].spec.name for i in node.apps_seen
                             if self.yarn.apps[i].state == ACTIVE)
            waits = []
            if node.containers:
                waits.append(f"{node.containers} container(s)")
            if running:
                waits.append("application(s) " + ", ".join(running[:3]) + (" ..." if len(running) > 3 else ""))
            if node.hdfs_until > t:
                waits.append(f"{(node.hdfs_until - t) / 60:.0f} min of HDFS re-replication")
            if waits:
                self.emit(t, node.pool.name, "decommission_wait", None, None, None,
                          f"{node.id} waits for {' and '.join(waits)} (at most "
                          f"{self.shape.decommission_timeout_seconds / 60:g} min)")

    def _write_hdfs(self, written: float, t: float) -> None:
        self.state.hdfs_used_gb = max(0.0, self.state.hdfs_used_gb + written)
        capacity = self.state.core_hdfs_capacity_gb()
        full = capacity > 0 and self.state.hdfs_raw_gb() > capacity
        if full and not self.hdfs_full:
            self.emit(t, "hdfs", "hdfs_full", None, None, None,
                      f"{self.state.hdfs_raw_gb():.0f} GB stored (with replication {self.shape.replication}) on "
                      f"{capacity:.0f} GB of core-node disk: writes would fail on a real cluster")
        self.hdfs_full = full

    def _resizes_done(self, t: float) -> None:
        for pool, act in self.state.settle(t):
            units = pool.units(self.managed_unit or "Instances")
            self.emit(t, pool.name, "resize_done", act.from_units, units, act.rule,
                      f"{act.cause} resize took {(t - act.started) / 60:.0f} min")

    def idle_termination(self, t: float) -> float | None:
        busy = bool(self.yarn.active)
        if busy:
            self.idle_since = None
            return None
        if self.idle_since is None:
            self.idle_since = t
        timeout = self.shape.idle_timeout_seconds
        if not self.params.idle_termination or not timeout or t - self.idle_since < timeout:
            return None
        if not self.yarn.remaining:
            return None  # the day's work is done: the end of the simulation, not of the cluster
        self.emit(t, "cluster", "terminated", None, None, None,
                  f"idle for {timeout / 60:.0f} min (auto-termination IdleTimeout): {self.yarn.remaining} later "
                  "application(s) would find no cluster")
        return t

    def row(self, t: float) -> dict[str, Any]:
        unit = self.managed_unit or "Instances"
        groups = {}
        for pool in self.state.pools:
            nodes = pool.nodes
            groups[pool.name] = {
                "requested": pool.units(unit), "running": sum(1 for n in nodes if n.state == RUNNING),
                "provisioning": sum(1 for n in nodes if n.state == PROVISIONING),
                "decommissioning": sum(1 for n in nodes if n.state == DECOMMISSIONING), "status": pool.status,
                "on_demand": sum(1 for n in nodes if n.market == "ON_DEMAND" and n.state != DECOMMISSIONING),
                "spot": sum(1 for n in nodes if n.market == "SPOT" and n.state != DECOMMISSIONING)}
        capacity = allocated = 0
        for node in self.state.live_nodes():
            if node.state == RUNNING:
                capacity += node.kind.memory_mb
                allocated += node.used_mb
            elif node.state == DECOMMISSIONING:
                allocated += node.used_mb
                capacity += node.used_mb
        pending, pending_mb, _ = self.yarn.pending()
        running, waiting = self.yarn.counts()
        metrics = {}
        for name in self.row_metrics:
            series = self.series.get(name)
            if series is not None and series.times and series.times[-1] == t:
                metrics[name] = round(series.values[-1], 3)
        alarms = {f"{p.name}/{rule}": s for p in self.state.pools for rule, s in p.alarms.items()}
        return {"time_seconds": t, "groups": groups,
                "yarn": {"capacity_mb": capacity, "allocated_mb": allocated, "pending_mb": pending_mb,
                         "demand_mb": allocated + pending_mb, "containers_pending": pending,
                         "apps_running": running, "apps_pending": waiting},
                "hdfs": {"used_gb": round(self.state.hdfs_raw_gb(), 3),
                         "capacity_gb": round(self.state.core_hdfs_capacity_gb(), 3)},
                "metrics": metrics, "alarms": alarms}

