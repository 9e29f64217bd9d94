"""The simulation: a workload replayed through a cluster and its scaling policy (engine.py), one tick at a time,
on a clock passed in as seconds from the workload's start. Pure: no AWS call, no wall clock, no prices
(summary.py prices the result through emr_cost).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .cluster.shape import ClusterShape
from .cluster.state import Node
from .cluster.yarn import FAILED, FINISHED
from .engine import Event, Engine
from .params import ModelParams
from .workload.model import Workload

DRAIN_SECONDS = 3600  # simulated after the last application ends, when the workload gives no duration
MAX_SECONDS = 14 * 86400


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
    ready: float | None = None  # when it ran YARN work (observed clusters; the engine's nodes say it themselves)


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
    """The offline driver: every application of the workload is known in advance."""

    def __init__(self, shape: ClusterShape, workload: Workload, params: ModelParams) -> None:
        self.workload, self.params = workload, params
        self.engine = Engine(shape, params, workload.hdfs_initial_gb)
        for app in workload.applications:
            self.engine.add(app)

    def run(self) -> Result:
        timeline: list[dict[str, Any]] = []
        horizon = self.workload.horizon_seconds
        last_submit = max((a.submit_seconds for a in self.workload.applications), default=0.0)
        t, prev, last_activity, terminated = 0.0, 0.0, 0.0, None
        while True:
            self.engine.step(prev, t)
            timeline.append(self.engine.row(t))
            if self.engine.yarn.active or self.engine.yarn.remaining:
                last_activity = t
            terminated = self.engine.idle_termination(t)
            if terminated is not None:
                break
            if horizon is not None and t >= horizon:
                break
            if horizon is None and t >= last_submit and not self.engine.yarn.active and not self.engine.yarn.remaining \
                    and t - last_activity >= DRAIN_SECONDS:
                break
            if t >= MAX_SECONDS:
                self.engine.warnings.append(f"stopped after {MAX_SECONDS // 86400} simulated days")
                break
            prev, t = t, t + self.engine.tick
        return self._result(t, timeline, terminated)

    def _result(self, end: float, timeline: list[dict[str, Any]], terminated: float | None) -> Result:
        engine = self.engine
        nodes = [_span(n, end) for p in engine.state.pools for n in (*p.ended, *p.nodes)]
        kind, count, market = engine.shape.primary
        nodes += [NodeSpan(f"primary-{i + 1}", "primary", "MASTER", kind.instance_type, market, kind.volumes, 0.0,
                           None) for i in range(count)]
        apps = []
        for app in engine.yarn.apps:
            state = app.state if app.state in (FINISHED, FAILED) else "UNFINISHED" if app.state != "WAITING" \
                else "NOT_SUBMITTED"
            apps.append(AppRun(app.spec.name, app.spec.submit_seconds, app.started_at, app.finished_at, state,
                               app.failure, app.ideal_seconds(), app.restarts))
        return Result(engine.shape, self.workload, self.params, end, timeline, engine.events, apps, nodes,
                      engine.warnings + engine.guesses(), engine.pending_mb_minutes, terminated)


def _span(node: Node, end: float) -> NodeSpan:
    ended = node.ended_at if node.ended_at is not None and node.ended_at <= end else None
    return NodeSpan(node.id, node.pool.name, node.pool.shape.role, node.kind.instance_type, node.market,
                    node.kind.volumes, node.requested_at, ended)

