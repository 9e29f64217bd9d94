"""`--follow`: print each running step's log lines while it runs, prefixed by the step name.

No threads and no sleeping here: the runner calls `LogFollower.poll(targets)` between its own sleeps
(with its injected clock) and `LogFollower.finish(targets)` when it sees steps end, before it reports
their final state, so a step's last lines come before its COMPLETED/FAILED line.

Sources, tried in order (the first that works is kept; `--follow-mode` picks which are tried):
0. live.LiveTailSource: CloudWatch Logs Live Tail sessions, read back with polling.CloudWatchSource.
1. polling.CloudWatchSource: FilterLogEvents polling over the streams of log_naming (eventId de-duplication,
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
from collections.abc import Callable, Sequence
from dataclasses import replace

from emr_contract.log_naming import WATCHER_MIN_APPLY_SECONDS, WATCHER_SCAN_SECONDS

from ..aws.cloudwatch_logs import LogsUnavailable
from ..errors import ThrottledError, TransientAwsError
from ..poll_policy import PollPolicy
from .lines import DRIVER_PREFIX, FollowTarget, LineSource, LogLine

_APP_ID = re.compile(r"\bapplication_\d+_\d+\b")


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
        self._last_line_at[line.step_id] = self.clock()
        self.on_line(line)


class FollowedLines:
    """The lines the follower printed, as a place to read a step's logs from: S3 gets step logs minutes after
    the end; the follower has them now."""

    def __init__(self, follower: LogFollower) -> None:
        self.follower = follower

    def location(self, cluster_id: str, step_id: str) -> str | None:
        return None

    def read_stderr(self, cluster_id: str, step_id: str) -> str | None:
        return self.follower.captured_stderr(step_id)

    def read_stdout(self, cluster_id: str, step_id: str) -> str | None:
        return self.follower.captured_stdout(step_id)


__all__ = ["LogFollower", "FollowedLines"]
