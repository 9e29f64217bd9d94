"""What following produces and how sources plug in: the steps followed, the lines printed, the source protocol."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from emr_contract.log_naming import (container_stream_prefix, driver_container_id, driver_stream, step_stream,
                                     step_stream_prefix)

DRIVER_PREFIX = "driver-"
STREAMS = ("stdout", "stderr")


@dataclass(frozen=True)
class FollowTarget:
    """A step to follow. In cluster deploy mode the driver's container log is followed too, once its
    YARN application id shows up in the step's stderr."""

    step_id: str
    name: str
    cluster_mode: bool = False
    application_id: str | None = None


def followed_streams(cluster_id: str, target: FollowTarget) -> dict[str, dict[str, str]]:
    """The streams followed for a step, under the prefix that finds them ({prefix: {stream: label}}): the step's
    stdout and stderr, and its driver's once its application is known."""
    found = {step_stream_prefix(cluster_id, target.step_id):
             {step_stream(cluster_id, target.step_id, s): s for s in STREAMS}}
    app = target.application_id
    if app:
        found[container_stream_prefix(cluster_id, app, driver_container_id(app))] = {
            driver_stream(cluster_id, app, s): DRIVER_PREFIX + s for s in STREAMS}
    return found


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


def split_message(message: str) -> list[str]:
    """An event may hold a multi-line record (the agent's multi_line_start_pattern); print each line."""
    return message.rstrip("\r\n").split("\n") if message.strip("\r\n") else [""]


__all__ = ["DRIVER_PREFIX", "FollowTarget", "LineSource", "LogLine", "followed_streams", "split_message"]
