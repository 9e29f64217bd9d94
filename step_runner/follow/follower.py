"""`--follow`: print each running step's log lines while it runs, prefixed by the step name.

No threads and no sleeping here: the runner calls `LogFollower.poll(targets)` between its own sleeps
(with its injected clock) and `LogFollower.finish(targets)` when it sees steps end, before it reports
their final state, so a step's last lines come before its COMPLETED/FAILED line.

Sources, tried in order (the first that works is kept; `--follow-mode` picks which are tried):
0. live.LiveTailSource: CloudWatch Logs Live Tail sessions, read back with the CloudWatchSource below.
1. CloudWatchSource: FilterLogEvents polling over the streams of log_naming (eventId de-duplication,
   up to 100 streams per call, startTime a little before the newest event seen, nextToken pages).
2. s3_tail.S3TailSource: incremental reads of `<LogUri>/<cluster>/steps/<step>/stdout|stderr(.gz)`,
   which EMR uploads every few minutes.
A missing log group or AccessDenied moves on to the next source; throttling backs the follower off
with the same policy as the EMR poller; no error of a log source ever stops the run.
"""
from __future__ import annotations

import random
import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Protocol

from ..cloudwatch_logs import MAX_STREAM_NAMES, CloudWatchLogs, CwEvent, LogsUnavailable, StreamGone
from ..errors import ThrottledError, TransientAwsError
from emr_contract.log_naming import (AGENT_FLUSH_SECONDS, WATCHER_MIN_APPLY_SECONDS, WATCHER_SCAN_SECONDS,
                                     container_stream_prefix, driver_container_id, driver_stream, step_stream,
                                     step_stream_prefix)
from ..log_source import StepLogSource
from ..poll_policy import PollPolicy

_APP_ID = re.compile(r"\bapplication_\d+_\d+\b")
DRIVER_PREFIX = "driver-"


@dataclass(frozen=True)
class FollowTarget:
    """A step to follow. In cluster deploy mode the driver's container log is followed too, once its
    YARN application id shows up in the step's stderr."""

    step_id: str
    name: str
    cluster_mode: bool = False
    application_id: str | None = None


@dataclass(frozen=True)
class LogLine:
    """One line of a step's output. `stream` is stdout, stderr, driver-stdout or driver-stderr;
    `timestamp` is epoch milliseconds when the source knows it (CloudWatch), else None (S3)."""

    step: str
    step_id: str
    stream: str
    line: str
    timestamp: int | None = None
    source: str = "cloudwatch"

    def event(self) -> dict[str, Any]:
        """The `--json` event object."""
        ts = None
        if self.timestamp is not None:
            ts = datetime.fromtimestamp(self.timestamp / 1000, tz=timezone.utc).isoformat(timespec="milliseconds")
        return {"event": "log", "step": self.step, "step_id": self.step_id, "stream": self.stream,
                "line": self.line, "timestamp": ts, "source": self.source}

    def text(self) -> str:
        return f"[{self.step}] {self.line}"


class LineSource(Protocol):
    """Where followed lines come from. `fetch` returns the new lines of the targets, oldest first;
    with `final=True` it also returns a trailing partial line. Raises LogsUnavailable when it can
    never work, TransientAwsError (ThrottledError) when it may work later."""

    name: str
    interval: float

    def fetch(self, targets: Sequence[FollowTarget], *, final: bool = False) -> list[LogLine]: ...

    def forget(self, step_id: str) -> None: ...


# --- CloudWatch Logs -------------------------------------------------------------------------------

@dataclass
class _CwStep:
    target: FollowTarget
    wanted: dict[str, set[str]] = field(default_factory=dict)  # discovery prefix -> stream names wanted
    found: set[str] = field(default_factory=set)
    discovered_at: dict[str, float] = field(default_factory=dict)  # prefix -> last DescribeLogStreams


class CloudWatchSource:
    """FilterLogEvents polling; calls per cycle: ceil(streams / 100) FilterLogEvents (plus nextToken
    pages, at most `max_pages` per batch) and at most `max_discovery_calls` DescribeLogStreams for
    steps whose streams do not exist yet.

    A stream is named in FilterLogEvents only once DescribeLogStreams has shown it exists (a step's
    stdout may never be created); prefixes with a stream still missing are asked about again each
    cycle, least recently asked first, within the budget. Streams never read before are read from their start; the others
    from `startTime` = (newest event seen in their batch) - `overlap_ms`, which re-reads a short
    window to catch late-ingested events, de-duplicated by eventId.
    """

    name = "CloudWatch Logs"

    def __init__(self, logs: CloudWatchLogs, group: str, cluster_id: str, *, clock: Callable[[], float],
                 interval: float = 5.0, overlap_ms: int = 20_000, max_pages: int = 10,
                 max_discovery_calls: int = 4) -> None:
        self.logs = logs
        self.group = group
        self.cluster_id = cluster_id
        self.clock = clock
        self.interval = interval
        self.overlap_ms = overlap_ms
        self.max_pages = max_pages
        self.max_discovery_calls = max_discovery_calls
        self._steps: dict[str, _CwStep] = {}
        self._since: dict[str, int | None] = {}  # stream -> newest timestamp its batch returned
        self._owner: dict[str, tuple[str, str]] = {}  # stream -> (step id, label)
        self._seen: dict[str, int] = {}  # eventId -> timestamp

    # the follower asks which streams it reads (tests and docs)
    def streams_of(self, step_id: str) -> list[str]:
        step = self._steps.get(step_id)
        return sorted(step.found) if step else []

    settle_seconds = AGENT_FLUSH_SECONDS + 0.5
    """A finished step's last lines reach CloudWatch Logs up to the agent's flush after it ends."""

    def fetch(self, targets: Sequence[FollowTarget], *, final: bool = False) -> list[LogLine]:
        lines = []
        for e, step_id, label in self.fetch_events(targets, final=final):
            name = self._steps[step_id].target.name
            for text in split_message(e.message):
                lines.append(LogLine(name, step_id, label, text, e.timestamp, "cloudwatch"))
        return lines

    def fetch_events(self, targets: Sequence[FollowTarget], *, final: bool = False) -> list[tuple[CwEvent, str, str]]:
        """The new events of the targets' streams, oldest first, each with its (step id, label)."""
        steps = [self._register(t) for t in targets]
        self._discover(steps, final)
        streams = sorted({s for step in steps for s in step.found})
        fresh = [s for s in streams if self._since.get(s) is None]
        known = sorted((s for s in streams if self._since.get(s) is not None), key=lambda s: (self._since[s], s))
        events: list[CwEvent] = []
        for batch in [*_chunks(fresh, MAX_STREAM_NAMES), *_chunks(known, MAX_STREAM_NAMES)]:
            events += self._read_batch(batch)
        self._prune()
        events.sort(key=lambda e: (e.timestamp, e.ingestion_time))
        return [(e, *self._owner[e.stream]) for e in events]

    def forget(self, step_id: str) -> None:
        step = self._steps.pop(step_id, None)
        if step is None:
            return
        for names in step.wanted.values():
            for s in names:
                self._since.pop(s, None)
                self._owner.pop(s, None)

    def _register(self, target: FollowTarget) -> _CwStep:
        step = self._steps.get(target.step_id)
        if step is None:
            step = self._steps[target.step_id] = _CwStep(target)
            names = {step_stream(self.cluster_id, target.step_id, s) for s in ("stdout", "stderr")}
            step.wanted[step_stream_prefix(self.cluster_id, target.step_id)] = names
            for s in ("stdout", "stderr"):
                self._owner[step_stream(self.cluster_id, target.step_id, s)] = (target.step_id, s)
        if target.application_id and step.target.application_id != target.application_id:
            app = target.application_id
            step.target = target
            prefix = container_stream_prefix(self.cluster_id, app, driver_container_id(app))
            step.wanted[prefix] = {driver_stream(self.cluster_id, app, s) for s in ("stdout", "stderr")}
            for s in ("stdout", "stderr"):
                self._owner[driver_stream(self.cluster_id, app, s)] = (target.step_id, DRIVER_PREFIX + s)
        return step

    def _discover(self, steps: list[_CwStep], final: bool) -> None:
        now = self.clock()
        todo = []
        for step in steps:
            for prefix, names in step.wanted.items():
                if names <= step.found:
                    continue
                last = step.discovered_at.get(prefix, float("-inf"))
                todo.append((last, prefix, step))
        todo.sort(key=lambda item: item[0])
        if not final:
            todo = todo[:self.max_discovery_calls]
        for _, prefix, step in todo:
            step.discovered_at[prefix] = now
            existing = set(self.logs.existing_streams(self.group, prefix))
            step.found |= existing & step.wanted[prefix]

    def _read_batch(self, batch: list[str]) -> list[CwEvent]:
        since = [self._since.get(s) for s in batch]
        start = None if any(v is None for v in since) else max(0, min(v for v in since if v is not None)
                                                              - self.overlap_ms)
        got: list[CwEvent] = []
        token = None
        try:
            for _ in range(self.max_pages):
                page, token = self.logs.filter_events(self.group, batch, start, token)
                got += page
                if not token:
                    break
        except StreamGone:
            # a stream vanished (retention, deletion): find the step's streams again next cycle
            for s in batch:
                step_id, _ = self._owner.get(s, (None, None))
                if step_id in self._steps:
                    self._steps[step_id].found.discard(s)
            return []
        newest = max((e.timestamp for e in got if e.stream in self._owner), default=None)
        if newest is not None:
            for s in batch:
                old = self._since.get(s)
                self._since[s] = newest if old is None else max(old, newest)
        fresh = []
        for e in got:
            if e.event_id in self._seen or e.stream not in self._owner:
                continue
            self._seen[e.event_id] = e.timestamp
            fresh.append(e)
        return fresh

    def _prune(self) -> None:
        """Forget event ids older than any startTime we will still send: they cannot come back."""
        known = [v for v in self._since.values() if v is not None]
        if not known:
            return
        floor = min(known) - self.overlap_ms
        self._seen = {k: ts for k, ts in self._seen.items() if ts >= floor}


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def split_message(message: str) -> list[str]:
    """An event may hold a multi-line record (the agent's multi_line_start_pattern); print each line."""
    return message.rstrip("\r\n").split("\n") if message.strip("\r\n") else [""]


# --- the follower ----------------------------------------------------------------------------------

class LogFollower:
    """Follows steps for one run over a chain of sources; emits LogLines through `on_line`."""

    def __init__(self, sources: Sequence[LineSource], on_line: Callable[[LogLine], None], *,
                 clock: Callable[[], float], rand: Callable[[], float] = random.random,
                 policy: PollPolicy = PollPolicy(), on_notice: Callable[[str], None] = lambda message: None,
                 keep_stderr_lines: int = 5000) -> None:
        self.sources = list(sources)
        self.on_line = on_line
        self.clock = clock
        self.rand = rand
        self.policy = policy
        self.on_notice = on_notice
        self.keep_stderr_lines = keep_stderr_lines
        self._index = 0
        self._next_at = float("-inf")
        self._throttles = 0
        self._apps: dict[str, str] = {}
        self._stderr: dict[str, deque[str]] = {}
        self._stdout: dict[str, deque[str]] = {}
        self._done: set[str] = set()
        self._last_line_at: dict[str, float] = {}
        self.lines_emitted = 0

    @property
    def source(self) -> LineSource | None:
        return self.sources[self._index] if self._index < len(self.sources) else None

    @property
    def interval(self) -> float:
        """Seconds between reads of the current source (the runner sleeps in slices this long)."""
        source = self.source
        return source.interval if source is not None else float("inf")

    @property
    def settle_seconds(self) -> float:
        """How long after a step ends its last lines may still arrive (the runner waits that long, reading, before
        it reports the end); 0 for S3, whose logs are complete when they are there."""
        return float(getattr(self.source, "settle_seconds", 0.0))

    def settle_deadline(self, targets: Sequence[FollowTarget], ended_at: float) -> float:
        """Until when to keep reading steps that ended at ``ended_at``: a flush after their last line; for a step
        no line of which has arrived yet, also the node watcher's scan and its minimum interval between agent
        restarts (log_naming), since its files may not be shipped at all yet."""
        settle = self.settle_seconds
        if settle <= 0:
            return ended_at
        last = [self._last_line_at.get(t.step_id) for t in targets]
        if all(at is not None for at in last):
            return max(ended_at, *(at for at in last if at is not None)) + settle
        return ended_at + settle + WATCHER_SCAN_SECONDS + WATCHER_MIN_APPLY_SECONDS

    def close(self) -> None:
        """End what the sources hold open (a Live Tail session)."""
        for source in self.sources:
            closer = getattr(source, "close", None)
            if callable(closer):
                closer()

    def next_read_in(self) -> float:
        """Seconds until the next read falls due (0 when it is due now); the runner wakes up for it."""
        if self.source is None:
            return float("inf")
        return max(0.0, self._next_at - self.clock())

    def poll(self, targets: Sequence[FollowTarget]) -> None:
        """New lines of running steps, if the source's interval (or a throttle backoff) has passed."""
        targets = [t for t in targets if t.step_id not in self._done]
        if targets and self.source is not None and self.clock() >= self._next_at:
            self._cycle(targets, final=False)

    def finish(self, targets: Sequence[FollowTarget]) -> None:
        """Last read for steps that ended (including ones never seen RUNNING), then stop following them."""
        targets = [t for t in targets if t.step_id not in self._done]
        if not targets:
            return
        if self.source is not None:
            self._cycle(targets, final=True)
        for t in targets:
            self._done.add(t.step_id)
            for source in self.sources:
                source.forget(t.step_id)

    def captured_stderr(self, step_id: str) -> str | None:
        """The step's stderr (and driver stderr) lines printed so far, for the probable cause."""
        lines = self._stderr.get(step_id)
        return "\n".join(lines) if lines else None

    def captured_stdout(self, step_id: str) -> str | None:
        """The step's stdout (and driver stdout) lines printed so far: a PySpark traceback lands there."""
        lines = self._stdout.get(step_id)
        return "\n".join(lines) if lines else None

    def _cycle(self, targets: Sequence[FollowTarget], final: bool) -> None:
        targets = [self._with_app(t) for t in targets]
        while (source := self.source) is not None:
            try:
                lines = source.fetch(targets, final=final)
            except TransientAwsError as exc:
                if isinstance(exc, ThrottledError):
                    self._throttles += 1
                    delay = self.policy.throttle_delay(self._throttles, self.rand)
                else:
                    delay = source.interval
                self._next_at = self.clock() + delay
                self.on_notice(f"log following: {exc}; next read in {delay:.0f}s")
                return
            except Exception as exc:  # LogsUnavailable or anything else: a log source never breaks the run
                self._index += 1
                nxt = self.source
                reason = str(exc) if isinstance(exc, LogsUnavailable) else f"{type(exc).__name__}: {exc}"
                self.on_notice(f"log following: {source.name} unavailable ({reason}); "
                               + (f"following {nxt.name} instead" if nxt else "no more log sources"))
                self._next_at = float("-inf")
                continue
            self._throttles = 0
            self._next_at = self.clock() + source.interval
            for line in lines:
                self._emit(line, targets)
            return

    def _with_app(self, target: FollowTarget) -> FollowTarget:
        app = self._apps.get(target.step_id)
        return replace(target, application_id=app) if app and not target.application_id else target

    def _emit(self, line: LogLine, targets: Sequence[FollowTarget]) -> None:
        if line.stream in ("stdout", DRIVER_PREFIX + "stdout"):
            self._stdout.setdefault(line.step_id, deque(maxlen=self.keep_stderr_lines)).append(line.line)
        if line.stream in ("stderr", DRIVER_PREFIX + "stderr"):
            kept = self._stderr.setdefault(line.step_id, deque(maxlen=self.keep_stderr_lines))
            kept.append(line.line)
            if line.stream == "stderr" and line.step_id not in self._apps:
                m = _APP_ID.search(line.line)
                if m and any(t.step_id == line.step_id and t.cluster_mode for t in targets):
                    self._apps[line.step_id] = m.group(0)
        self.lines_emitted += 1
        self._last_line_at[line.step_id] = self.clock()
        self.on_line(line)


class FollowedLogs:
    """A StepLogSource that prefers the full stderr in S3 and falls back to what the follower printed
    (S3 gets step logs minutes after the end; the follower has them now)."""

    def __init__(self, inner: StepLogSource | None, follower: LogFollower) -> None:
        self.inner = inner
        self.follower = follower

    def location(self, cluster_id: str, step_id: str) -> str | None:
        return self.inner.location(cluster_id, step_id) if self.inner else None

    def read_stderr(self, cluster_id: str, step_id: str) -> str | None:
        text = None
        if self.inner is not None:
            try:
                text = self.inner.read_stderr(cluster_id, step_id)
            except Exception:  # the captured lines are still worth a probable cause
                text = None
        return text if text is not None else self.follower.captured_stderr(step_id)

    def read_stdout(self, cluster_id: str, step_id: str) -> str | None:
        text = None
        reader = getattr(self.inner, "read_stdout", None)
        if reader is not None:
            try:
                text = reader(cluster_id, step_id)
            except Exception:
                text = None
        return text if text is not None else self.follower.captured_stdout(step_id)

    def read_driver(self, cluster_id: str, application_id: str) -> tuple[str | None, str | None]:
        reader = getattr(self.inner, "read_driver", None)
        return reader(cluster_id, application_id) if reader is not None else (None, None)


__all__ = ["FollowTarget", "LogLine", "LineSource", "CloudWatchSource", "LogFollower", "FollowedLogs", "split_message"]
