"""YARN in the model: applications ask for an ApplicationMaster and executors, the scheduler places them on
nodes, and work gets done by the executors that run.

Documented behaviour it follows (facts.py has the pages):
- a container's memory is the executor's or driver's plus Spark's overhead, rounded up to a multiple of
  yarn.scheduler.minimum-allocation-mb, and must fit yarn.scheduler.maximum-allocation-mb, or Spark refuses
  to start the application;
- the CapacityScheduler counts memory only (DefaultResourceCalculator), unless the cluster configures the
  DominantResourceCalculator;
- ApplicationMasters run on core nodes only on 5.x releases (node labels), anywhere from 6.x unless labels
  are configured;
- Spark stops scheduling tasks on a decommissioning node (SPARK, spark.blacklist.decommissioning.enabled: "Spark
  does not schedule new tasks on executors running on that node"), so its executors there idle and dynamic
  allocation removes them after spark.dynamicAllocation.executorIdleTimeout (60 s).

Model choices (no page says): applications are served in submission order, a later one may use room an
earlier one's larger container does not fit (no reservations); a container goes to the node with the most
free memory; a dynamic application asks for as many executors as it can keep busy for one tick.
"""
from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Sequence

from ..workload.model import Application
from ..workload.spark import Demand
from .. import facts
from .state import RUNNING, Node

WAITING, PENDING, ACTIVE, FINISHED, FAILED = "WAITING", "PENDING", "RUNNING", "FINISHED", "FAILED"


class App:
    __slots__ = ("index", "spec", "demand", "executor_mb", "am_mb", "state", "started_at", "finished_at",
                 "remaining_work", "executors", "am_node", "placed", "written_gb", "failure", "restarts")

    def __init__(self, index: int, spec: Application, demand: Demand, executor_mb: int, am_mb: int) -> None:
        self.index, self.spec, self.demand = index, spec, demand
        self.executor_mb, self.am_mb = executor_mb, am_mb
        self.state = WAITING
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.remaining_work = spec.work_executor_seconds
        self.executors = 0
        self.am_node: Node | None = None
        self.placed: dict[int, Node] = {}  # id(node) -> node holding at least one of its executors
        self.written_gb = 0.0
        self.failure: str | None = None
        self.restarts = 0

    def ideal_seconds(self) -> float:
        """Its run time with every executor it asks for from the start: what a delay is measured against."""
        if self.spec.duration_seconds is not None:
            return self.spec.duration_seconds
        return (self.spec.work_executor_seconds or 0) / max(1, self.demand.max_executors)

    def target(self, tick: float) -> int:
        """Executors wanted now."""
        d = self.demand
        if not d.dynamic:
            return d.max_executors
        if self.remaining_work is None:
            return d.max_executors
        busy = math.ceil(self.remaining_work / tick)
        return max(d.min_executors, min(d.max_executors, busy))

    def wanted(self, tick: float) -> int:
        return max(0, self.target(tick) - self.executors) if self.state == ACTIVE else 0


def container_mb(mb: int, minimum: int) -> int:
    """YARN rounds a request up to a multiple of yarn.scheduler.minimum-allocation-mb."""
    step = max(1, minimum)
    return int(math.ceil(mb / step) * step)


class Yarn:
    def __init__(self, apps: Sequence[App], am_on_core_only: bool, dominant: bool, tick: float) -> None:
        self.apps = list(apps)
        self.am_on_core_only, self.dominant, self.tick = am_on_core_only, dominant, tick
        self._next = 0  # the next application not yet submitted (apps are in submission order)
        self.active: list[App] = []
        self.submitted = self.completed = self.failed = 0

    # ---- time passing ---------------------------------------------------------------------------------

    def submit(self, now: float, max_allocation_mb: int) -> list[App]:
        new = []
        while self._next < len(self.apps) and self.apps[self._next].spec.submit_seconds <= now:
            app = self.apps[self._next]
            self._next += 1
            self.submitted += 1
            too_big = max(app.executor_mb, app.am_mb)
            if too_big > max_allocation_mb:
                app.state, app.failure, app.finished_at = FAILED, (
                    f"a {too_big} MB container is above yarn.scheduler.maximum-allocation-mb ({max_allocation_mb}): "
                    "Spark refuses to start it"), now
                self.failed += 1
            else:
                app.state = PENDING
                self.active.append(app)
            new.append(app)
        return new

    def progress(self, start: float, now: float) -> tuple[list[App], float]:
        """Work done over [start, now); returns the applications that finished and the HDFS GB they wrote."""
        done, written = [], 0.0
        dt = now - start
        for app in self.active:
            if app.state != ACTIVE:
                continue
            spec = app.spec
            if spec.duration_seconds is None and spec.work_executor_seconds is None:
                continue  # it ends when its driver says so (Engine.finish)
            if app.remaining_work is not None:
                working = sum(n.executors.get(app.index, 0) for n in app.placed.values() if n.state == RUNNING)
                before = app.remaining_work
                app.remaining_work = max(0.0, before - working * dt)
                fraction = (before - app.remaining_work) / spec.work_executor_seconds if spec.work_executor_seconds else 1
                ended = app.remaining_work <= 0
            else:
                assert app.started_at is not None and spec.duration_seconds is not None
                elapsed_before = max(0.0, start - app.started_at)
                elapsed = min(spec.duration_seconds, now - app.started_at)
                fraction = (elapsed - min(elapsed_before, elapsed)) / spec.duration_seconds
                ended = now - app.started_at >= spec.duration_seconds
            if spec.hdfs_write_gb:
                delta = spec.hdfs_write_gb * fraction
                app.written_gb += delta
                written += delta
            if ended:
                done.append(app)
        for app in done:
            self.finish(app, now)
            if not app.spec.hdfs_keep:
                written -= app.written_gb
        return done, written

    def finish(self, app: App, now: float) -> None:
        app.state, app.finished_at = FINISHED, now
        self.completed += 1
        for node in list(app.placed.values()):
            self._release(app, node, node.executors.get(app.index, 0))
        if app.am_node is not None:
            app.am_node.ams.discard(app.index)
            app.am_node.used_mb -= app.am_mb
            app.am_node.used_vcores -= app.demand.am_cores
            app.am_node = None
        self.active.remove(app)

    def fail_containers_on(self, node: Node, now: float) -> list[App]:
        """A node forced out at its decommission timeout: its containers are lost (SCD: "YARN reschedules affected
        containers on other nodes"); an application that lost its ApplicationMaster starts over (returned)."""
        restarted = []
        for index in list(node.executors):
            app = self.apps[index]
            self._release(app, node, node.executors[index])
        for index in list(node.ams):
            app = self.apps[index]
            node.ams.discard(index)
            node.used_mb -= app.am_mb
            node.used_vcores -= app.demand.am_cores
            app.am_node = None
            app.state = PENDING
            for other in list(app.placed.values()):
                self._release(app, other, other.executors.get(index, 0))
            app.remaining_work = app.spec.work_executor_seconds
            app.started_at = None
            app.restarts += 1
            restarted.append(app)
        return restarted

    # ---- scheduling -----------------------------------------------------------------------------------

    def release_idle(self, now: float) -> None:
        """Executors on decommissioning nodes idle (Spark deny-lists the node) and go after executorIdleTimeout;
        executors above an application's target go at the next tick."""
        for app in self.active:
            for node in list(app.placed.values()):
                idle_since = node.decommission_at
                if idle_since is not None and now - idle_since >= facts.EXECUTOR_IDLE_TIMEOUT_SECONDS:
                    self._release(app, node, node.executors.get(app.index, 0))
            extra = app.executors - app.target(self.tick)
            if extra > 0 and app.state == ACTIVE:
                for node in sorted(app.placed.values(), key=lambda n: n.executors.get(app.index, 0)):
                    take = min(extra, node.executors.get(app.index, 0))
                    self._release(app, node, take)
                    extra -= take
                    if extra == 0:
                        break

    def schedule(self, nodes: Iterable[Node], now: float) -> None:
        usable = [n for n in nodes if n.state == RUNNING]
        if not usable:
            return
        heap = [(-n.free_mb(), i, n) for i, n in enumerate(usable)]
        heapq.heapify(heap)
        for app in self.active:
            if app.state == PENDING:
                node = self._place(heap, app.am_mb, app.demand.am_cores, core_only=self.am_on_core_only)
                if node is None:
                    continue
                app.am_node = node
                node.ams.add(app.index)
                node.apps_seen[app.index] = now
                app.state, app.started_at = ACTIVE, now
            want = app.target(self.tick) - app.executors
            while want > 0:
                node = self._place(heap, app.executor_mb, app.demand.executor_cores)
                if node is None:
                    break
                node.executors[app.index] = node.executors.get(app.index, 0) + 1
                node.apps_seen[app.index] = now
                app.placed[id(node)] = node
                app.executors += 1
                want -= 1
        for node in usable:
            for index in node.executors:
                node.apps_seen[index] = now

    def _place(self, heap: list, mb: int, vcores: int, core_only: bool = False) -> Node | None:
        skipped = []
        found = None
        while heap:
            free, order, node = heapq.heappop(heap)
            if -free < mb:
                skipped.append((free, order, node))
                break  # the node with the most free memory cannot take it: none can
            fits_cpu = not self.dominant or node.kind.vcores - node.used_vcores >= vcores
            if fits_cpu and (not core_only or node.pool.shape.role == "CORE"):
                found = node
                node.used_mb += mb
                node.used_vcores += vcores
                skipped.append((-node.free_mb(), order, node))
                break
            skipped.append((free, order, node))
        for item in skipped:
            heapq.heappush(heap, item)
        return found

    def _release(self, app: App, node: Node, count: int) -> None:
        if count <= 0:
            return
        left = node.executors.get(app.index, 0) - count
        if left > 0:
            node.executors[app.index] = left
        else:
            node.executors.pop(app.index, None)
            app.placed.pop(id(node), None)
        node.used_mb -= count * app.executor_mb
        node.used_vcores -= count * app.demand.executor_cores
        app.executors -= count

    # ---- what the metrics read ------------------------------------------------------------------------

    def pending(self) -> tuple[int, int, int]:
        """(containers, MB, vcores) requested and not allocated."""
        count = mb = vcores = 0
        for app in self.active:
            if app.state == PENDING:
                count += 1
                mb += app.am_mb
                vcores += app.demand.am_cores
            else:
                w = app.wanted(self.tick)
                count += w
                mb += w * app.executor_mb
                vcores += w * app.demand.executor_cores
        return count, mb, vcores

    def counts(self) -> tuple[int, int]:
        """(running applications, pending applications)."""
        running = sum(1 for a in self.active if a.state == ACTIVE)
        return running, len(self.active) - running

    @property
    def remaining(self) -> int:
        return len(self.apps) - self._next

    def add(self, app: App) -> None:
        """One more application; they come in submission order."""
        self.apps.append(app)


def build_apps(specs: Sequence[Application], demands: Sequence[Demand], minimum_mb: int) -> list[App]:
    return [App(i, s, d, container_mb(d.executor_mb, minimum_mb), container_mb(d.am_mb, minimum_mb))
            for i, (s, d) in enumerate(zip(specs, demands))]

