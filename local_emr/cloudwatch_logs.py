"""Step output to CloudWatch Logs while the step runs, like the CloudWatch agent on an EMR cluster.

A ``line_sinks`` callback: each stdout/stderr line of a step is stamped (epoch ms) when the
process prints it, buffered a moment and written in batches to moto's CloudWatch Logs backend in
this process. Names come from ``emr_contract.log_naming``, so the step runner finds them:

- group: the cluster tag ``emr-log-group`` (``LOG_GROUP_TAG``) if set, else ``/aws/emr/<cluster-id>``;
  created when missing
- streams: ``<cluster-id>/steps/<step-id>/stdout`` and ``.../stderr``

Lines reach CloudWatch within ``flush_seconds`` while the step runs, and every line is there
before the step leaves RUNNING (the lifecycle calls ``flush()`` when the process exits).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.logs.models import logs_backends

from emr_contract.log_naming import LOG_GROUP_TAG, log_group_from_cluster_id, log_group_for, step_stream

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


@dataclass
class _Stream:
    """Pending events of one stream and the last timestamp written (timestamps never go back)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    last_ms: int = 0


class CloudWatchLogsSink:
    """A ``LineSink`` writing step output to moto's CloudWatch Logs; ``flush()`` writes what is pending."""

    def __init__(self, flush_seconds: float = 0.25, clock_ms: Callable[[], int] | None = None) -> None:
        self.flush_seconds = flush_seconds
        self.clock_ms = clock_ms or (lambda: int(time.time() * 1000))
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()  # one writer at a time keeps each stream's order
        self._pending: dict[tuple[str, str, str, str], _Stream] = {}
        self._wake = threading.Event()
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
            pending = self._pending.setdefault(key, _Stream())
            stamp = max(self.clock_ms(), pending.last_ms)
            pending.last_ms = stamp
            pending.events.append({"timestamp": stamp, "message": line[:MAX_EVENT_CHARS] or " "})

    # ---- background writer ------------------------------------------------------------------

    def start(self) -> CloudWatchLogsSink:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="local-emr-cloudwatch-logs", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Write what is pending and stop the writer thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            try:
                self.flush()
            except Exception as exc:  # keep shipping the other streams
                print(f"local_emr: CloudWatch Logs write failed: {exc!r}", file=sys.stderr)

    def flush(self) -> None:
        """Write every pending event now (creating groups and streams as needed)."""
        with self._write_lock:
            with self._lock:
                batches = [(key, s.events) for key, s in self._pending.items() if s.events]
                for _, s in self._pending.items():
                    s.events = []
            for (account, region, group, stream), events in batches:
                backend = logs_backends[account][region]
                if group not in backend.groups:
                    backend.create_log_group(group, {})
                if stream not in backend.groups[group].streams:
                    backend.create_log_stream(group, stream)
                for start in range(0, len(events), MAX_BATCH_EVENTS):
                    backend.put_log_events(group, stream, events[start:start + MAX_BATCH_EVENTS])
