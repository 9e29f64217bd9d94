"""The cluster while it runs: nodes that are requested, join, decommission and end, grouped in instance groups
or fleets whose requested and running sizes the timeline shows.

Scale-in follows the Management Guide's "Cluster scale-down"
(https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-scaledown-behavior.html, SCD):
- which nodes go: "Amazon EMR removes the least active nodes first" (API ScaleDownBehavior) and "selects
  instances that are not running tasks related to any step or application ... first" (SCD): nodes still being
  provisioned, then those with the fewest containers, then the newest;
- YARN: "a node marked for decommissioning is only transitioned to the DECOMMISSIONED state if there are no
  pending or incomplete containers or applications. The decommissioning finishes immediately if there are no
  running containers on the node at the beginning of decommissioning", and at the timeout "the node is forced
  to be decommissioned" (SCD);
- HDFS: "graceful shrink ensures that the target capacity of HDFS is large enough to fit all existing blocks. If
  the target capacity is not large enough, only a partial amount of core instances are decommissioned", and
  "Graceful shrink does not allow you to shrink core nodes below the HDFS replication factor" (SCD);
- TERMINATE_AT_INSTANCE_HOUR (5.1.0-5.9.1): "terminates nodes at the instance-hour boundary" (API ScaleDownBehavior).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .shape import ClusterShape, NodeKind, PoolShape

PROVISIONING, RUNNING, DECOMMISSIONING, ENDED = "PROVISIONING", "RUNNING", "DECOMMISSIONING", "ENDED"
# Why a scale-in removed fewer nodes than asked: a node kept (shuffle data, an ApplicationMaster), or HDFS.
KEPT, REPLICATION, HDFS = "kept", "replication", "hdfs"


@dataclass(frozen=True)
class Refusal:
    code: str  # KEPT, REPLICATION or HDFS
    reason: str


class Node:
    __slots__ = ("id", "pool", "kind", "market", "requested_at", "ready_at", "state", "decommission_at",
                 "deadline", "hdfs_until", "ended_at", "used_mb", "used_vcores", "executors", "ams", "apps_seen")

    def __init__(self, node_id: str, pool: "PoolState", kind: NodeKind, market: str, requested_at: float,
                 ready_at: float) -> None:
        self.id, self.pool, self.kind, self.market = node_id, pool, kind, market
        self.requested_at, self.ready_at = requested_at, ready_at
        self.state = PROVISIONING if ready_at > requested_at else RUNNING
        self.decommission_at: float | None = None
        self.deadline = math.inf
        self.hdfs_until = 0.0
        self.ended_at: float | None = None
        self.used_mb = 0
        self.used_vcores = 0
        self.executors: dict[int, int] = {}  # application index -> executors here
        self.ams: set[int] = set()  # applications whose ApplicationMaster runs here
        self.apps_seen: dict[int, float] = {}  # application index -> last time it had a container here

    @property
    def schedulable(self) -> bool:
        return self.state == RUNNING

    @property
    def containers(self) -> int:
        return sum(self.executors.values()) + len(self.ams)

    def free_mb(self) -> int:
        return self.kind.memory_mb - self.used_mb


@dataclass
class Activity:
    """One resize of a pool: started by a rule, managed scaling or by hand."""

    cause: str
    rule: str | None
    started: float
    from_units: int
    to_units: int


@dataclass
class PoolState:
    shape: PoolShape
    nodes: list[Node] = field(default_factory=list)
    ended: list[Node] = field(default_factory=list)
    activity: Activity | None = None
    cooldown_until: float = 0.0
    cooldown_seconds: float = 0.0
    alarms: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.shape.name

    @property
    def status(self) -> str:
        return "RESIZING" if self.activity is not None else "RUNNING"

    def units(self, unit_type: str = "Instances", market: str | None = None, *, requested: bool = True) -> int:
        """Requested units (running and provisioning) or running ones, decommissioning nodes excluded."""
        states = (RUNNING, PROVISIONING) if requested else (RUNNING,)
        return sum(n.kind.units(unit_type) if unit_type != "Instances" else 1 for n in self.nodes
                   if n.state in states and (market is None or n.market == market))

    def count(self, state: str) -> int:
        return sum(1 for n in self.nodes if n.state == state)


class ClusterState:
    """Every pool and node; resizes are asked for here and complete as time passes (``advance``)."""

    def __init__(self, shape: ClusterShape, provisioning_seconds: float, termination_seconds: float,
                 hdfs_mb_per_second: float) -> None:
        self.shape = shape
        self.provisioning_seconds = provisioning_seconds
        self.termination_seconds = termination_seconds
        self.hdfs_mb_per_second = hdfs_mb_per_second
        self.pools = [PoolState(p) for p in shape.pools]
        self.hdfs_used_gb = 0.0  # logical: replication multiplies it on disk
        self._next_id = 0
        self.decommissioned = 0
        for pool in self.pools:
            for market, units in (("ON_DEMAND", pool.shape.on_demand), ("SPOT", pool.shape.spot)):
                for kind in _launch(pool.shape, units):
                    self._add(pool, kind, market, 0.0, 0.0)

    # ---- views ---------------------------------------------------------------------------------------

    def live_nodes(self) -> Iterable[Node]:
        for pool in self.pools:
            yield from pool.nodes

    def core_hdfs_capacity_gb(self, exclude: Iterable[Node] = ()) -> float:
        """HDFS disk of the running core nodes (a decommissioning DataNode is handing its blocks on)."""
        skip = set(id(n) for n in exclude)
        return sum(n.kind.hdfs_gb for p in self.pools if p.shape.role == "CORE" for n in p.nodes
                   if n.state == RUNNING and id(n) not in skip)

    def hdfs_raw_gb(self) -> float:
        return self.hdfs_used_gb * self.shape.replication

    # ---- resizing ------------------------------------------------------------------------------------

    def grow(self, pool: PoolState, market: str, units: int, now: float, kind: NodeKind | None = None) -> int:
        """Request nodes adding ``units`` (whole instances: a fleet may pass its target); returns units added."""
        added = 0
        for k in _launch(pool.shape, units, kind):
            self._add(pool, k, market, now, now + self.provisioning_seconds)
            added += k.weight
        return added

    def shrink(self, pool: PoolState, count: int, now: float, decommission_timeout: float,
               allowed: Callable[[Node], bool] = lambda n: True,
               market: str | None = None) -> tuple[list[Node], Refusal | None]:
        """Decommission up to ``count`` nodes of ``pool``, least active first. Returns the nodes chosen and, when
        fewer than asked, why: HDFS replication or capacity, or the nodes ``allowed`` kept."""
        chosen: list[Node] = []
        refusal = None
        candidates = (n for n in pool.nodes if n.state in (PROVISIONING, RUNNING) and market in (None, n.market))
        for node in sorted(candidates, key=_least_active):
            if len(chosen) == count:
                break
            if not allowed(node):
                refusal = refusal or Refusal(KEPT, "the remaining nodes hold shuffle data or ApplicationMasters")
                continue
            if pool.shape.role == "CORE" and node.state == RUNNING:
                refusal = self._hdfs_refuses(chosen + [node]) or refusal
                if refusal is not None and refusal.code != KEPT:
                    break
            chosen.append(node)
        for node in chosen:
            self._decommission(node, now, decommission_timeout)
        return chosen, refusal if len(chosen) < count else None

    def _hdfs_refuses(self, leaving: list[Node]) -> Refusal | None:
        cores = [n for p in self.pools if p.shape.role == "CORE" for n in p.nodes if n.state == RUNNING]
        remaining = len(cores) - sum(1 for n in leaving if n.state == RUNNING)
        if remaining < self.shape.replication:
            return Refusal(REPLICATION, f"core nodes may not go below dfs.replication ({self.shape.replication})")
        capacity = self.core_hdfs_capacity_gb(exclude=leaving)
        if capacity < self.hdfs_raw_gb():
            return Refusal(HDFS, f"the remaining core nodes hold {capacity:.0f} GB of HDFS, less than the "
                                 f"{self.hdfs_raw_gb():.0f} GB stored (with replication {self.shape.replication})")
        return None

    def _decommission(self, node: Node, now: float, timeout: float) -> None:
        if node.state == PROVISIONING:
            self._end(node, now)  # a launch still under way is cancelled
            return
        node.state = DECOMMISSIONING
        node.decommission_at = now
        node.deadline = now + timeout
        if node.pool.shape.role == "CORE":
            cores = max(1, sum(1 for p in self.pools if p.shape.role == "CORE" for n in p.nodes
                               if n.state in (RUNNING, DECOMMISSIONING)))
            share_mb = self.hdfs_raw_gb() / cores * 1024
            node.hdfs_until = now + share_mb / self.hdfs_mb_per_second
        if node.containers == 0:
            node.apps_seen.clear()  # SCD: "finishes immediately if there are no running containers"

    def advance(self, now: float, running_apps: set[int]) -> list[Node]:
        """Nodes that finished provisioning or decommissioning by ``now``; returns those that ended."""
        ended = []
        for pool in self.pools:
            for node in list(pool.nodes):
                if node.state == PROVISIONING and node.ready_at <= now:
                    node.state = RUNNING
                elif node.state == DECOMMISSIONING:
                    busy = node.containers > 0 or any(a in running_apps for a in node.apps_seen)
                    if (not busy and node.hdfs_until <= now) or node.deadline <= now:
                        self.decommissioned += 1
                        self._end(node, self._termination_time(node, now))
                        ended.append(node)
        return ended

    def settle(self, now: float) -> list[tuple[PoolState, Activity]]:
        """Resizes that completed by ``now`` (no node joining or leaving): each pool's cooldown starts here."""
        done = []
        for pool in self.pools:
            act = pool.activity
            if act is None or any(n.state in (PROVISIONING, DECOMMISSIONING) for n in pool.nodes):
                continue
            pool.activity = None
            pool.cooldown_until = now + pool.cooldown_seconds
            done.append((pool, act))
        return done

    def _termination_time(self, node: Node, now: float) -> float:
        end = now + self.termination_seconds
        if self.shape.instance_hour_scale_down:
            hours = math.ceil((end - node.requested_at) / 3600)
            end = node.requested_at + max(1, hours) * 3600
        return end

    def _end(self, node: Node, at: float) -> None:
        node.state = ENDED
        node.ended_at = at
        node.pool.nodes.remove(node)
        node.pool.ended.append(node)

    def _add(self, pool: PoolState, kind: NodeKind, market: str, now: float, ready: float) -> None:
        self._next_id += 1
        pool.nodes.append(Node(f"{pool.shape.role.lower()}-{self._next_id}", pool, kind, market, now, ready))


def _launch(pool: PoolShape, units: int, kind: NodeKind | None = None) -> list[NodeKind]:
    """The instances that give ``units``: groups one per unit; a fleet its first instance type (guess: the model
    does not know which type EC2's allocation strategy picks), whole instances rounded up."""
    if units <= 0:
        return []
    kind = kind or pool.kinds[0]
    return [kind] * (units if not pool.fleet else math.ceil(units / kind.weight))


def _least_active(node: Node) -> tuple[int, int, int, float]:
    return (0 if node.state == PROVISIONING else 1, node.containers, len(node.apps_seen), -node.requested_at)
