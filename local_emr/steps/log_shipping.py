"""Step output to CloudWatch Logs while the step runs, shipped as the constructs' watcher and agent ship it.

A ``line_sinks`` callback: each stdout/stderr line of a step is stamped (epoch ms) when the
process prints it and written to moto's CloudWatch Logs backend in this process when the agent would send
it (``AgentShipping``). Names come from ``emr_contract.log_naming``, so the step runner finds them:

- group: the cluster tag ``emr-log-group`` (``LOG_GROUP_TAG``) if set, else ``/aws/emr/<cluster-id>``;
  created when missing
- streams: ``<cluster-id>/steps/<step-id>/stdout`` and ``.../stderr``

The timing is the node's (log_naming's shipping timing): a new step's files are shipped from the watcher's next
scan (and no sooner than its minimum interval after its previous apply on that node), each stream's batch is
sent one flush interval after its first line, and lines still buffered when the step ends follow it, as on EMR.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.logs.models import logs_backends

from emr_contract.log_naming import (AGENT_FLUSH_SECONDS, LOG_GROUP_TAG, WATCHER_MIN_APPLY_SECONDS,
                                     WATCHER_SCAN_SECONDS, log_group_from_cluster_id, log_group_for, step_stream)

MAX_BATCH_EVENTS = 10_000
"""PutLogEvents accepts at most this many events per call."""
MAX_EVENT_CHARS = 256 * 1024 - 26
"""An event's message may be up to 256 KiB including 26 bytes of overhead."""


def tag_dict(tags: Any) -> dict[str, str]:
    """Cluster tags as a dict, from moto's ``[{"Key": .., "Value": ..}]`` or a dict."""
    if isinstance(tags, dict):
        return dict(tags)
    return {t["Key"]: t.get("Value", "") for t in tags or [] if isinstance(t, dict) and "Key" in t}


def log_group_for_cluster(cluster_id: str, tags: Any) -> tuple[str, str | None]:
    """(group, problem): the ``emr-log-group`` tag if it names a valid group, else ``/aws/emr/<cluster-id>``."""
    tagged = tag_dict(tags).get(LOG_GROUP_TAG)
    try:
        return log_group_for(cluster_id, tagged), None
    except ValueError as exc:
        return log_group_from_cluster_id(cluster_id), f"tag {LOG_GROUP_TAG}: {exc}"


@dataclass(frozen=True)
class ShippingTiming:
    """The node's timing (log_naming); the emulator's tests shorten it."""

    flush_seconds: float = AGENT_FLUSH_SECONDS
    scan_seconds: float = WATCHER_SCAN_SECONDS
    min_apply_seconds: float = WATCHER_MIN_APPLY_SECONDS


@dataclass
class _Stream:
    """One stream as the agent holds it: lines not yet sent, when the watcher's config first covers it, the
    batch's flush timer and the last send. Timestamps never go back."""

    events: list[dict[str, Any]] = field(default_factory=list)
    last_ms: int = 0
    shipped_from: float = 0.0
    timer_at: float | None = None
    last_sent: float = float("-inf")


class AgentShipping:
    """When the agent sends each stream's lines; pure (``now`` is passed in), so tests walk it tick by tick.

    The watcher scans every ``scan_seconds`` and applies a config at most every ``min_apply_seconds`` per node
    (emr_constructs/logs/step_logs_agent.py ``Watcher``): a new stream is read from that apply on. The agent's queue
    (plugins/outputs/cloudwatchlogs/internal/pusher/queue.go in aws/amazon-cloudwatch-agent) starts a batch's
    timer at its first event; when the timer fires it sends if ``flush_seconds`` have passed since its last
    send, else re-arms; a send re-arms it too.
    """

    def __init__(self, timing: ShippingTiming = ShippingTiming()) -> None:
        self.timing = timing
        self._last_apply: dict[str, float] = {}
        self._applied: dict[tuple[str, str], float] = {}  # (node, directory) -> when its files started shipping

    def discovered(self, node: str, directory: str, now: float) -> float:
        """When the files of ``directory`` (a step's, which appears on ``node`` at ``now``) start being shipped:
        the watcher applies one config for everything it found in a scan, so a step's stdout and stderr go
        together."""
        known = self._applied.get((node, directory))
        if known is not None:
            return known
        scan = self.timing.scan_seconds
        at = (now // scan + 1) * scan if scan > 0 else now
        last = self._last_apply.get(node, float("-inf"))
        if at != last:
            at = max(at, last + self.timing.min_apply_seconds)
        self._last_apply[node] = self._applied[(node, directory)] = at
        return at

    def added(self, stream: _Stream, now: float) -> None:
        """A line joined ``stream``: the first of a batch starts its timer (from when the agent reads it)."""
        if len(stream.events) == 1 or stream.timer_at is None:
            stream.timer_at = max(now, stream.shipped_from) + self.timing.flush_seconds

    def due(self, stream: _Stream, now: float) -> bool:
        """Whether ``stream``'s batch is sent at ``now``; a timer that fires too soon after a send re-arms."""
        if not stream.events or stream.timer_at is None or now < stream.timer_at:
            return False
        if now - stream.last_sent >= self.timing.flush_seconds:
            stream.last_sent, stream.timer_at = now, None
            return True
        stream.timer_at = now + self.timing.flush_seconds
        return False


class CloudWatchLogsSink:
    """A ``LineSink`` writing step output to moto's CloudWatch Logs when the agent would; ``write_all()``
    writes everything now (the emulator's shutdown). It has no ``flush``: a step's end does not hurry the agent."""

    def __init__(self, timing: ShippingTiming = ShippingTiming(), clock_ms: Callable[[], int] | None = None,
                 clock: Callable[[], float] = time.monotonic, tick_seconds: float = 0.02) -> None:
        self.agent = AgentShipping(timing)
        self.clock_ms = clock_ms or (lambda: int(time.time() * 1000))
        self.clock = clock
        self.tick_seconds = tick_seconds
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # one writer at a time keeps each stream's order
        self._pending: dict[tuple[str, str, str, str], _Stream] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned: set[str] = set()

    # ---- LineSink -------------------------------------------------------------------------

    def __call__(self, cluster: Any, step: Any, stream: str, line: str) -> None:
        backend = cluster.emr_backend
        group, problem = log_group_for_cluster(cluster.id, getattr(cluster, "tags", None))
        if problem and cluster.id not in self._warned:
            self._warned.add(cluster.id)
            print(f"local_emr: {cluster.id}: {problem}; writing step logs to {group}", file=sys.stderr)
        key = (backend.account_id, backend.region_name, group, step_stream(cluster.id, step.id, stream))
        with self._lock:
            now = self.clock()
            pending = self._pending.get(key)
            if pending is None:
                pending = self._pending[key] = _Stream(shipped_from=self.agent.discovered(cluster.id, step.id, now))
            stamp = max(self.clock_ms(), pending.last_ms)
            pending.last_ms = stamp
            pending.events.append({"timestamp": stamp, "message": line[:MAX_EVENT_CHARS] or " "})
            self.agent.added(pending, now)

    # ---- background writer ------------------------------------------------------------------

    def start(self) -> CloudWatchLogsSink:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="local-emr-cloudwatch-logs", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Write what is pending and stop the writer thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.write_all()

    def _run(self) -> None:
        while not self._stop.wait(self.tick_seconds):
            try:
                self._write(lambda stream: self.agent.due(stream, self.clock()))
            except Exception as exc:  # keep shipping the other streams
                print(f"local_emr: CloudWatch Logs write failed: {exc!r}", file=sys.stderr)

    def write_all(self) -> None:
        """Write every pending event now, whatever the agent's timing."""
        self._write(lambda stream: True)

    def _write(self, due: Callable[[_Stream], bool]) -> None:
        """Write the batches ``due`` picks (creating groups and streams as needed)."""
        with self._write_lock:
            with self._lock:
                batches = [(key, s.events) for key, s in self._pending.items() if s.events and due(s)]
                for key, _ in batches:
                    self._pending[key].events = []
            for (account, region, group, stream), events in batches:
                backend = logs_backends[account][region]
                if group not in backend.groups:
                    backend.create_log_group(group, {})
                if stream not in backend.groups[group].streams:
                    backend.create_log_stream(group, stream)
                for start in range(0, len(events), MAX_BATCH_EVENTS):
                    backend.put_log_events(group, stream, events[start:start + MAX_BATCH_EVENTS])
