"""EMR managed scaling, as a model: AWS does not publish its algorithm.

Documented behaviour (facts.py MS, SOD, MSM; API ComputeLimits,
https://docs.aws.amazon.com/emr/latest/APIReference/API_ComputeLimits.html):
- limits count core and task nodes only, in Instances or VCPU (groups) or InstanceFleetUnits (fleets); the
  cluster never goes below MinimumCapacityUnits or above MaximumCapacityUnits; core stays within
  MaximumCoreCapacityUnits and On-Demand within MaximumOnDemandCapacityUnits (both default to the maximum);
- capacity is allocated core first, then task, On-Demand first up to its limit, then Spot; scale-down removes
  task nodes before core nodes and Spot before On-Demand (MS scenario 2: with MaximumCoreCapacityUnits equal to
  the minimum, "Keep core nodes steady ... and only scale task nodes"); under load it cancels removals (a
  decommissioning node returns to service), without load it cancels additions still being provisioned;
- from 5.34.0 / 6.4.0 it keeps nodes holding shuffle data of a running application (for up to 30 minutes) and
  nodes running an ApplicationMaster.
The model's own part, each a parameter (params.py): demand is the YARN memory allocated plus pending (and the
vcores, when the cluster's scheduler counts them: the DominantResourceCalculator); the target is the capacity that
holds it (plus ``managed_headroom``), allocated in the documented order; nodes are added at
once and removed only after ``managed_scale_in_after_seconds`` of surplus. It is evaluated every tick (AWS:
every 5 to 10 seconds).
"""
from __future__ import annotations

from collections.abc import Callable

from emr_cost.stack_model import ManagedLimits

from .. import facts
from ..cluster.state import (DECOMMISSIONING, KEPT, PROVISIONING, RUNNING, Activity, ClusterState, Node,
                             PoolState)
from ..cluster.yarn import ACTIVE, Yarn

Emit = Callable[..., None]
Slot = tuple[int, str]  # (pool index, market)


class ManagedScaler:
    def __init__(self, limits: ManagedLimits, state: ClusterState, yarn: Yarn, headroom: float,
                 scale_in_after: float, decommission_timeout: float, shuffle_aware: bool, max_step: int = 0,
                 count_vcores: bool = False) -> None:
        self.limits, self.state, self.yarn, self.max_step = limits, state, yarn, max_step
        self.count_vcores = count_vcores
        self.headroom, self.scale_in_after = headroom, scale_in_after
        self.decommission_timeout, self.shuffle_aware = decommission_timeout, shuffle_aware
        self.unit = limits.unit_type
        self.max_core = limits.maximum_core if limits.maximum_core is not None else limits.maximum
        self.max_on_demand = limits.maximum_on_demand if limits.maximum_on_demand is not None else limits.maximum
        self.slots = [(i, market) for role, market in facts.SCALE_UP_ORDER for i, p in enumerate(state.pools)
                      if p.shape.role == role and (p.shape.fleet or p.shape.market == market)]
        self.surplus_since: float | None = None
        self.blocked: dict[str, str] = {}  # what was last said blocked, per pool ("cluster" for the limits)
        self.now = 0.0

    def evaluate(self, now: float, emit: Emit) -> None:
        self.now = now
        busy = [n for n in self.state.live_nodes() if n.state in (RUNNING, DECOMMISSIONING)]
        _, pending_mb, pending_vcores = self.yarn.pending()
        demand = (sum(n.used_mb for n in busy) + pending_mb) * (1 + self.headroom)
        vcores = (sum(n.used_vcores for n in busy) + pending_vcores) * (1 + self.headroom) if self.count_vcores else 0
        targets, met = self._targets(demand, vcores)
        current = {slot: self._units(slot) for slot in self.slots}
        ups = {s: targets[s] - current[s] for s in self.slots if targets[s] > current[s]}
        downs = {s: current[s] - targets[s] for s in self.slots if targets[s] < current[s]}
        capacity = sum(n.kind.memory_mb for n in self.state.live_nodes() if n.state in (RUNNING, PROVISIONING))
        if ups:
            why = f"YARN demand {demand / 1024:.0f} GB > capacity {capacity / 1024:.0f} GB" if demand > capacity \
                else f"the minimum of {self.limits.minimum} {self.unit}"
            self._scale_out(ups, now, why, emit)
        if not met:
            self._block(now, emit, "cluster", f"YARN demand {demand / 1024:.0f} GB is more than "
                                              f"MaximumCapacityUnits ({self.limits.maximum} {self.unit}) can hold")
        else:
            self.blocked.pop("cluster", None)
        if not downs:
            self.surplus_since = None
            for index, _ in self.slots:
                self.blocked.pop(self.state.pools[index].name, None)
            return
        over = sum(current.values()) > self.limits.maximum
        if self.surplus_since is None:
            self.surplus_since = now
        if over or now - self.surplus_since >= self.scale_in_after:
            why = f"YARN demand {demand / 1024:.0f} GB < capacity {capacity / 1024:.0f} GB for " \
                  f"{(now - self.surplus_since) / 60:.0f} min" if not over else \
                f"above MaximumCapacityUnits ({self.limits.maximum})"
            self._scale_in(downs, now, why, emit)

    # ---- the target: units per (pool, market), filled in the documented order --------------------------

    def _targets(self, demand: float, demand_vcores: float = 0) -> tuple[dict[Slot, int], bool]:
        targets = {slot: 0 for slot in self.slots}
        memory, vcores, total, core, on_demand = 0.0, 0, 0, 0, 0
        for slot in self.slots:
            pool = self.state.pools[slot[0]]
            kind = pool.shape.kinds[0]
            step = kind.units(self.unit)
            is_core, is_od = pool.shape.role == "CORE", slot[1] == "ON_DEMAND"
            while memory < demand or vcores < demand_vcores or total < self.limits.minimum:
                if total + step > self.limits.maximum or (is_core and core + step > self.max_core) or \
                        (is_od and on_demand + step > self.max_on_demand):
                    break
                targets[slot] += step
                memory += kind.memory_mb
                vcores += kind.vcores
                total += step
                core += step if is_core else 0
                on_demand += step if is_od else 0
        return targets, memory >= demand and vcores >= demand_vcores

    def _units(self, slot: Slot) -> int:
        return self.state.pools[slot[0]].units(self.unit, slot[1])

    # ---- acting ---------------------------------------------------------------------------------------

    def _scale_out(self, ups: dict[Slot, int], now: float, why: str, emit: Emit) -> None:
        self.surplus_since = None
        budget = self.max_step or sum(ups.values())
        for (index, market), units in ups.items():
            units = min(units, budget)
            budget -= units
            if units <= 0:
                break
            pool = self.state.pools[index]
            before = pool.units(self.unit)
            units -= self._recommission(pool, market, units, now, emit)
            if units > 0:
                self.state.grow(pool, market, units if pool.shape.fleet else
                                -(-units // pool.shape.kinds[0].units(self.unit)), now)
            self._started(pool, before, now, "scale_out", why, emit)

    def _recommission(self, pool: PoolState, market: str, units: int, now: float, emit: Emit) -> int:
        """Under load, removals are cancelled: decommissioning nodes return to service."""
        back = 0
        for node in [n for n in pool.nodes if n.state == DECOMMISSIONING and n.market == market]:
            if back >= units:
                break
            node.state, node.decommission_at, node.deadline, node.hdfs_until = RUNNING, None, float("inf"), 0.0
            back += node.kind.units(self.unit)
        return back

    def _scale_in(self, downs: dict[Slot, int], now: float, why: str, emit: Emit) -> None:
        for role, market in facts.SCALE_DOWN_ORDER:
            for slot, units in downs.items():
                pool = self.state.pools[slot[0]]
                if slot[1] != market or pool.shape.role != role:
                    continue
                count = units // pool.shape.kinds[0].units(self.unit)
                if count <= 0:
                    continue
                before = pool.units(self.unit)
                chosen, refusal = self.state.shrink(pool, count, now, self.decommission_timeout, self._may_remove,
                                                    market)
                if chosen:
                    self._started(pool, before, now, "scale_in", why, emit)
                if refusal:
                    self._block(now, emit, pool.name, refusal.reason, "kept" if refusal.code == KEPT else "blocked")
        self.surplus_since = None

    def _may_remove(self, node: Node) -> bool:
        """MS: shuffle-data and ApplicationMaster awareness (5.34.0+, 6.4.0+)."""
        if not self.shuffle_aware or node.state == PROVISIONING:
            return True
        if node.ams:
            return False
        return not any(self.yarn.apps[i].state == ACTIVE and self.now - seen <= facts.SHUFFLE_PROTECTION_SECONDS
                       for i, seen in node.apps_seen.items())

    def _started(self, pool: PoolState, before: int, now: float, action: str, why: str, emit: Emit) -> None:
        after = pool.units(self.unit)
        if after == before:
            return
        if pool.activity is None:
            pool.activity = Activity("managed scaling", None, now, before, after)
        else:
            pool.activity.to_units = after
        emit(now, pool.name, action, before, after, None, f"managed scaling: {why}")

    def _block(self, now: float, emit: Emit, where: str, reason: str, action: str = "blocked") -> None:
        """Say it once until it changes: the same refusal every tick is one event. ``kept``: a node spared."""
        key = reason.split(" ")[0]
        if self.blocked.get(where) != key:
            emit(now, where, action, None, None, None, reason)
            self.blocked[where] = key
