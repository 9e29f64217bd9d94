"""`--follow` by CloudWatch Logs Live Tail: lines pushed about once a second instead of polled every 5 s.

A session (StartLiveTail) streams the events ingested after it started, for the followed steps' stream-name
prefixes. A thread reads it into a queue; `fetch` drains the queue on the runner's thread, so the follower
stays as it is: no sleeping here, and `fetch` never blocks.

What a session cannot show is read back with FilterLogEvents (a `CloudWatchSource`):
- the lines written before it started: each session start is followed by a read-back, which also covers
  the gap when a session ends (its 3-hour limit, SessionStreamingException, a dropped connection) and
  another starts, and when the followed steps change (a new session, with their prefixes);
- the lines a sampled update left out ("sampled down to 500 log events", StartLiveTail API reference);
- a finished step's last lines (the final read).
If Live Tail cannot be used at all, `fetch` raises LogsUnavailable and the follower polls instead. If it stops
working mid-run (no session can be started, or sessions keep ending at once), this source polls through its
read-back itself, so the lines already printed are not printed again.
No line is printed twice: each source (the read-back, and each session) counts the events it has delivered per
(stream, timestamp, message), and a line is printed only when one of them has delivered it more often than it
was printed. Two identical lines in the same millisecond are both printed, once each.
"""
from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from emr_contract.live_tail import MAX_EVENTS_PER_UPDATE

from ..aws.cloudwatch_logs import (MAX_LIVE_TAIL_PREFIXES, CloudWatchLogs, CwEvent, LiveTail, LiveTailEnded,
                              LiveTailUpdate, LogsUnavailable)
from .lines import FollowTarget, LogLine, followed_streams, split_message
from .polling import CloudWatchSource

Key = tuple[str, int, str]
READ_INTERVAL = 0.1
"""Seconds between drains of the session's queue: a pushed line waits at most this long to be printed."""
QUICK_END_SECONDS = 5.0
QUICK_ENDS_TO_GIVE_UP = 3


class LiveTailSource:
    """A LineSource over Live Tail sessions, with FilterLogEvents read-backs (module docstring)."""

    name = "CloudWatch Logs Live Tail"

    def __init__(self, logs: CloudWatchLogs, group: str, cluster_id: str, *, clock: Callable[[], float],
                 readback: CloudWatchSource | None = None,
                 start_thread: Callable[[Callable[[], None]], Any] | None = None,
                 on_notice: Callable[[str], None] = lambda message: None) -> None:
        self.logs = logs
        self.group = group
        self.cluster_id = cluster_id
        self.readback = readback or CloudWatchSource(logs, group, cluster_id, clock=clock)
        self.start_thread = start_thread or _daemon_thread
        self.on_notice = on_notice
        self.clock = clock
        self.sessions_started = 0
        self.sampled_updates = 0
        self.degraded: str | None = None  # why Live Tail stopped working mid-run: the read-back polls instead
        self._quick_ends = 0
        self._started_at = 0.0
        self._arn: str | None = None
        self._session: LiveTail | None = None
        self._prefixes: tuple[str, ...] = ()
        self._generation = 0
        self._queue: queue.Queue[tuple[int, LiveTailUpdate | LiveTailEnded]] = queue.Queue()
        self._owner: dict[str, tuple[str, str, str]] = {}  # stream -> (step id, step name, label)
        self._followed: dict[str, tuple[str | None, tuple[str, ...]]] = {}  # step id -> (application id, prefixes)
        self._delivered: dict[str, Counter[Key]] = {"live": Counter(), "readback": Counter()}
        self._printed: Counter[Key] = Counter()

    @property
    def interval(self) -> float:
        return self.readback.interval if self.degraded else READ_INTERVAL

    @property
    def settle_seconds(self) -> float:
        return self.readback.settle_seconds

    def fetch(self, targets: Sequence[FollowTarget], *, final: bool = False) -> list[LogLine]:
        for target in targets:
            self._own(target)
        if self.degraded:
            return self._read_back(targets, final=final)
        lines: list[LogLine] = []
        wanted = self._wanted_prefixes(targets)
        try:
            if self._session is None or not set(wanted) <= set(self._prefixes):
                self._start(wanted)  # the first time, LogsUnavailable goes to the follower: it polls instead
            ended = self._drain(targets, lines)
            if ended is not None:
                self._restart(wanted, ended)
        except LogsUnavailable as exc:
            if self.sessions_started == 0:
                raise
            self._degrade(str(exc))
            final = True
        if final:
            lines += self._read_back(targets)
        return lines

    def forget(self, step_id: str) -> None:
        self.readback.forget(step_id)
        self._followed.pop(step_id, None)
        gone = {s for s, (owner, _, _) in self._owner.items() if owner == step_id}
        for stream in gone:
            del self._owner[stream]
        for counts in (*self._delivered.values(), self._printed):
            for key in [k for k in counts if k[0] in gone]:
                del counts[key]
        if not self._owner:
            self._close()

    def close(self) -> None:
        self._close()

    # ---- sessions ------------------------------------------------------------------------------

    def _wanted_prefixes(self, targets: Sequence[FollowTarget]) -> tuple[str, ...]:
        prefixes = [prefix for t in targets for prefix in self._followed[t.step_id][1]]
        if len(prefixes) > MAX_LIVE_TAIL_PREFIXES:  # more steps than a session takes: the whole cluster's streams
            return (self.cluster_id + "/",)
        return tuple(sorted(set(prefixes)))

    def _start(self, prefixes: tuple[str, ...]) -> None:
        self._close()
        if self._arn is None:
            self._arn = self.logs.group_arn(self.group)
        session = self.logs.live_tail([self._arn], list(prefixes))
        self._session, self._prefixes, self._started_at = session, prefixes, self.clock()
        self._delivered["live"] = Counter()  # a session counts only what it delivers itself
        self._generation += 1
        self.sessions_started += 1
        generation = self._generation
        self.start_thread(lambda: self._pump(session, generation))

    def _restart(self, prefixes: tuple[str, ...], ended: LiveTailEnded) -> None:
        """Another session after one ended; sessions that keep ending within seconds mean Live Tail does not
        work here (a service or proxy that closes the stream): poll instead."""
        quick = self.clock() - self._started_at < QUICK_END_SECONDS
        self._quick_ends = self._quick_ends + 1 if quick else 0
        if self._quick_ends >= QUICK_ENDS_TO_GIVE_UP:
            raise LogsUnavailable(f"{self._quick_ends} sessions in a row ended within {QUICK_END_SECONDS:g} s "
                                  f"({ended})")
        self.on_notice(f"log following: Live Tail session ended ({ended}); starting another")
        self._start(prefixes)

    def _degrade(self, reason: str) -> None:
        self._close()
        self.degraded = reason
        self.on_notice(f"log following: Live Tail stopped working ({reason}); "
                       f"polling every {self.readback.interval:g} s instead")

    def _pump(self, session: LiveTail, generation: int) -> None:
        """The session's thread: every update into the queue, then how the session ended."""
        try:
            for update in session.updates():
                self._queue.put((generation, update))
        except LiveTailEnded as ended:
            self._queue.put((generation, ended))
        except Exception as exc:  # a reader bug must not stop following: the session is restarted
            self._queue.put((generation, LiveTailEnded(f"{type(exc).__name__}: {exc}")))

    def _close(self) -> None:
        if self._session is not None:
            self._session.close()
        self._session, self._prefixes = None, ()
        self._generation += 1  # whatever the old thread still queues is ignored

    def _drain(self, targets: Sequence[FollowTarget], lines: list[LogLine]) -> LiveTailEnded | None:
        """The current session's queued items into ``lines``, in order: its start and a sampled update are
        followed by a read-back. Returns how the session ended, if it did."""
        while True:
            try:
                generation, item = self._queue.get_nowait()
            except queue.Empty:
                return None
            if generation != self._generation:
                continue
            if isinstance(item, LiveTailEnded):
                return item
            lines += self._deliver("live", item.events)
            if item.sampled:
                self.sampled_updates += 1
                self.on_notice(f"log following: Live Tail sampled an update (over {MAX_EVENTS_PER_UPDATE} events a "
                               "second); reading the rest back")
            if item.started or item.sampled:
                lines += self._read_back(targets)

    # ---- lines, printed once ---------------------------------------------------------------------

    def _read_back(self, targets: Sequence[FollowTarget], final: bool = True) -> list[LogLine]:
        return self._deliver("readback", [e for e, _, _ in self.readback.fetch_events(targets, final=final)])

    def _own(self, target: FollowTarget) -> None:
        """The target's streams and prefixes (lines.followed_streams), worked out when its application changes."""
        known = self._followed.get(target.step_id)
        if known is not None and known[0] == target.application_id:
            return
        followed = followed_streams(self.cluster_id, target)
        self._followed[target.step_id] = (target.application_id, tuple(followed))
        for streams in followed.values():
            self._owner.update({stream: (target.step_id, target.name, label) for stream, label in streams.items()})

    def _deliver(self, source: str, events: Sequence[CwEvent]) -> list[LogLine]:
        counts = self._delivered[source]
        lines = []
        for e in sorted(events, key=lambda e: (e.timestamp, e.ingestion_time)):
            owner = self._owner.get(e.stream)
            if owner is None:
                continue
            key = (e.stream, e.timestamp, e.message)
            counts[key] += 1
            if counts[key] <= self._printed[key]:
                continue
            self._printed[key] += 1
            step_id, name, label = owner
            lines += [LogLine(name, step_id, label, text, e.timestamp, "cloudwatch-live")
                      for text in split_message(e.message)]
        return lines


def _daemon_thread(run: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=run, name="emr-steps-live-tail", daemon=True)
    thread.start()
    return thread


__all__ = ["LiveTailSource", "READ_INTERVAL"]
