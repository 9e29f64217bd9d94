"""FilterLogEvents polling over the streams of log_naming: the CloudWatch Logs source of `--follow-mode poll`, and
the read-back of Live Tail."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from emr_contract.log_naming import AGENT_FLUSH_SECONDS

from ..aws.cloudwatch_logs import MAX_STREAM_NAMES, CloudWatchLogs, CwEvent, StreamGone
from ..aws.emr_adapter import chunks
from .lines import FollowTarget, LogLine, followed_streams, split_message


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
        for batch in [*chunks(fresh, MAX_STREAM_NAMES), *chunks(known, MAX_STREAM_NAMES)]:
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
        """The step's streams, registered when it is new and again when its application becomes known."""
        step = self._steps.get(target.step_id)
        if step is not None and target.application_id in (None, step.target.application_id):
            return step
        if step is None:
            step = self._steps[target.step_id] = _CwStep(target)
        step.target = target
        for prefix, streams in followed_streams(self.cluster_id, target).items():
            step.wanted[prefix] = set(streams)
            self._owner.update({stream: (target.step_id, label) for stream, label in streams.items()})
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


__all__ = ["CloudWatchSource"]
