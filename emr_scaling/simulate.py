"""The simulation: a workload replayed through a cluster and its scaling policy, one tick at a time, on a clock
passed in as seconds from the workload's start. Pure: no AWS call, no wall clock, no prices (summary.py prices
the result through emr_cost).

Each tick, in order: work done since the last tick (and applications that finish), new submissions, nodes that
finish joining or leaving, executors released and containers placed, the metrics EMR would publish at this
minute, then the policies, which may request or decommission nodes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import facts
from .cluster.metrics import published, sample
from .cluster.shape import ClusterShape
from .cluster.state import DECOMMISSIONING, PROVISIONING, RUNNING, ClusterState, Node
from .cluster.yarn import ACTIVE, FAILED, FINISHED, Yarn, build_apps
from .params import ModelParams
from .policies.alarms import EVALUATION_EVERY_SECONDS, Series
from .policies.custom import CustomScaler
from .policies.managed import ManagedScaler
from .workload.model import Workload
from .workload.spark import demand

DRAIN_SECONDS = 3600  # simulated after the last application ends, when the workload gives no duration
MAX_SECONDS = 14 * 86400


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


@dataclass
class NodeSpan:
    """One instance's life, for billing: requested (billed from creation) to ended (None: still there)."""

    node_id: str
    group: str
    role: str
    instance_type: str
    market: str
    volumes: tuple[Any, ...]
    start: float
    end: float | None


@dataclass
class AppRun:
    name: str
    submitted: float
    started: float | None
    finished: float | None
    state: str
    failure: str | None = None
    ideal_seconds: float = 0.0  # with all its executors from the start
    restarts: int = 0

    @property
    def delay_seconds(self) -> float | None:
        """How much later it finished than with every executor it asked for at once."""
        if self.finished is None or self.state != "FINISHED":
            return None
        return max(0.0, self.finished - self.submitted - self.ideal_seconds)


@dataclass
class Result:
    shape: ClusterShape
    workload: Workload
    params: ModelParams
    end_seconds: float
    timeline: list[dict[str, Any]]
    events: list[Event]
    apps: list[AppRun]
    nodes: list[NodeSpan]
    warnings: list[str] = field(default_factory=list)
    pending_mb_minutes: float = 0.0
    terminated_at: float | None = None


def simulate(shape: ClusterShape, workload: Workload, params: ModelParams) -> Result:
    return _Run(shape, workload, params).run()


class _Run:
    def __init__(self, shape: ClusterShape, workload: Workload, params: ModelParams) -> None:
        self.shape, self.workload, self.params = shape, workload, params
        self.tick = params.tick_seconds
        self.warnings = list(shape.warnings)
        demands = []
        assumed: set[str] = set()
        for app in workload.applications:
            d = demand(app.spark_conf, app.deploy_mode, shape.spark_defaults, shape.release, params.executor_memory,
                       params.executor_cores, app.tasks)
            assumed.update(d.assumed)
            demands.append(d)
        if assumed:
            self.warnings.append("guess: EMR sizes executors by instance type and publishes no table; where neither "
                                 f"the workload nor the cluster says, the model took {', '.join(sorted(assumed))} "
                                 "(--model executor_memory=..., executor_cores=...)")
        self.state = ClusterState(shape, params.provisioning_seconds, params.termination_seconds,
                                  params.hdfs_decommission_mb_per_second)
        self.state.hdfs_used_gb = workload.hdfs_initial_gb
        self.yarn = Yarn(build_apps(workload.applications, demands, shape.min_allocation_mb), shape.am_on_core_only,
                         shape.dominant_resources, self.tick)
        self.max_allocation = max(k.max_allocation_mb for p in shape.pools for k in p.kinds)
        managed_unit = shape.managed.unit_type if shape.managed else None
        self.metric_names = published(any(p.fleet for p in shape.pools), managed_unit)
        self.managed_unit = managed_unit
        self.interval = facts.METRIC_PERIOD_MANAGED_SECONDS if shape.managed else facts.METRIC_PERIOD_SECONDS
        self.series = {name: Series() for name in self.metric_names}
        self.row_metrics = tuple(sorted(self.metric_names))
        self.events: list[Event] = []
        self.custom = CustomScaler(self.state, self.series, shape.decommission_timeout_seconds) \
            if any(p.policy for p in shape.pools) else None
        self.managed = ManagedScaler(shape.managed, self.state, self.yarn, params.managed_headroom,
                                     params.managed_scale_in_after_seconds, shape.decommission_timeout_seconds,
                                     shape.shuffle_aware, params.managed_max_step_units, shape.dominant_resources) \
            if shape.managed else None
        self.hdfs_full = False
        self.idle_since: float | None = 0.0
        self.pending_mb_minutes = 0.0

    def emit(self, t: float, group: str, action: str, from_: int | None, to: int | None, rule: str | None,
             reason: str) -> None:
        self.events.append(Event(t, group, action, from_, to, rule, reason))

    def run(self) -> Result:
        timeline: list[dict[str, Any]] = []
        horizon = self.workload.horizon_seconds
        last_submit = max((a.submit_seconds for a in self.workload.applications), default=0.0)
        t, prev, last_activity, terminated = 0.0, 0.0, 0.0, None
        while True:
            self._step(prev, t)
            timeline.append(self._row(t))
            if self.yarn.active or self.yarn.remaining:
                last_activity = t
            terminated = self._idle_termination(t)
            if terminated is not None:
                break
            if horizon is not None and t >= horizon:
                break
            if horizon is None and t >= last_submit and not self.yarn.active and not self.yarn.remaining \
                    and t - last_activity >= DRAIN_SECONDS:
                break
            if t >= MAX_SECONDS:
                self.warnings.append(f"stopped after {MAX_SECONDS // 86400} simulated days")
                break
            prev, t = t, t + self.tick
        return self._result(t, timeline, terminated)

    def _step(self, prev: float, t: float) -> None:
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

    def _idle_termination(self, t: float) -> float | None:
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

    def _row(self, t: float) -> dict[str, Any]:
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

    def _result(self, end: float, timeline: list[dict[str, Any]], terminated: float | None) -> Result:
        nodes = [_span(self.shape, n, end) for p in self.state.pools for n in (*p.ended, *p.nodes)]
        kind, count, market = self.shape.primary
        nodes += [NodeSpan(f"primary-{i + 1}", "primary", "MASTER", kind.instance_type, market, kind.volumes, 0.0,
                           None) for i in range(count)]
        apps = []
        for app in self.yarn.apps:
            state = app.state if app.state in (FINISHED, FAILED) else "UNFINISHED" if app.state != "WAITING" \
                else "NOT_SUBMITTED"
            apps.append(AppRun(app.spec.name, app.spec.submit_seconds, app.started_at, app.finished_at, state,
                               app.failure, app.ideal_seconds(), app.restarts))
        return Result(self.shape, self.workload, self.params, end, timeline, self.events, apps, nodes,
                      self.warnings, self.pending_mb_minutes, terminated)


def _span(shape: ClusterShape, node: Node, end: float) -> NodeSpan:
    ended = node.ended_at if node.ended_at is not None and node.ended_at <= end else None
    return NodeSpan(node.id, node.pool.name, node.pool.shape.role, node.kind.instance_type, node.market,
                    node.kind.volumes, node.requested_at, ended)

