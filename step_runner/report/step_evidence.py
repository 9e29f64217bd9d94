"""One path from a failed step to its evidence and its diagnosis, for the run's report and for `emr-steps explain`.

The evidence is DescribeStep's FailureDetails, the step's stderr and stdout, and, when those only say the
application failed (cluster deploy mode), the driver container's stdout and stderr. The logs are read from
places in order (S3, then CloudWatch Logs or the lines `--follow` printed): the first place that has any of the
step's logs gives them, and the first that has the driver's gives those. A read that fails is evidence missing,
said in a note; it never hides the step's result or stops the explanation.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from emr_contract.log_naming import driver_stream, step_stream

from ..aws.cloudwatch_logs import CloudWatchLogs, LogsUnavailable, StreamGone
from ..diagnosis import Diagnosis, Evidence, diagnose
from ..state import FailureInfo
from .log_source import StepLogSource

S3_LAG_NOTE = "stderr not in S3 yet (EMR uploads step logs about 5 minutes after the end)"
STREAMS = ("stderr", "stdout")


@dataclass(frozen=True)
class LogPlace:
    """Where a step's logs can be read, and the word the explanation's sources use for it."""

    label: str
    source: StepLogSource


@dataclass(frozen=True)
class Explained:
    evidence: Evidence
    diagnosis: Diagnosis
    notes: tuple[str, ...] = field(default=())

    @property
    def read_any_log(self) -> bool:
        e = self.evidence
        return any(text is not None for text in (e.stderr, e.stdout, e.driver_stderr, e.driver_stdout))


class EvidenceReader:
    """The places a run or `explain` reads logs from, in order."""

    def __init__(self, places: Sequence[LogPlace]) -> None:
        self.places = tuple(places)

    def location(self, cluster_id: str, step_id: str) -> str | None:
        """Where the step's logs live (the first place that knows, S3 in practice)."""
        return next((found for place in self.places
                     if (found := place.source.location(cluster_id, step_id)) is not None), None)

    def explain(self, cluster_id: str, step_id: str | None, failure: FailureInfo | None = None,
                note: str | None = None) -> Explained:
        """What EMR says of the step (DescribeStep's FailureDetails, and the run's own ``note`` on it) and its logs."""
        notes: list[str] = []
        evidence = Evidence(failure_reason=failure.reason if failure else None,
                            failure_message=failure.message if failure else None,
                            failure_log_file=failure.log_file if failure else None, note=note,
                            sources=("FailureDetails",) if failure else ())
        if step_id is not None:
            evidence = self._with_step_logs(evidence, cluster_id, step_id, notes)
        diagnosis = diagnose(evidence)
        if diagnosis.needs_driver_log and diagnosis.application_id is not None:
            with_driver = self._with_driver_logs(evidence, cluster_id, diagnosis.application_id, notes)
            if with_driver is not evidence:
                evidence, diagnosis = with_driver, diagnose(with_driver)
        return Explained(evidence, diagnosis, tuple(notes))

    def _with_step_logs(self, evidence: Evidence, cluster_id: str, step_id: str, notes: list[str]) -> Evidence:
        for place in self.places:
            texts = {stream: _read(lambda s=stream: _step_stream(place.source, cluster_id, step_id, s),
                                   f"the step's {stream} ({place.label})", notes) for stream in STREAMS}
            if any(text is not None for text in texts.values()):
                return replace(evidence, stderr=texts["stderr"], stdout=texts["stdout"],
                               sources=evidence.sources + _labels(place.label, texts))
        if not notes:
            notes.append(S3_LAG_NOTE)
        return evidence

    def _with_driver_logs(self, evidence: Evidence, cluster_id: str, application_id: str,
                          notes: list[str]) -> Evidence:
        for place in self.places:
            reader = getattr(place.source, "read_driver", None)
            if reader is None:
                continue
            found = _read(lambda: reader(cluster_id, application_id), f"the driver's log ({place.label})", notes)
            stdout, stderr = found or (None, None)
            if stdout is not None or stderr is not None:
                texts = {"stderr": stderr, "stdout": stdout}
                return replace(evidence, driver_stdout=stdout, driver_stderr=stderr,
                               sources=evidence.sources + _labels(f"{place.label} driver", texts))
        return evidence


def _step_stream(source: StepLogSource, cluster_id: str, step_id: str, stream: str) -> str | None:
    reader = getattr(source, f"read_{stream}", None)
    return reader(cluster_id, step_id) if reader is not None else None


def _read(read: Callable[[], Any], what: str, notes: list[str]) -> Any:
    try:
        return read()
    except Exception as exc:  # a log that cannot be read is evidence missing, never a failed report
        notes.append(f"could not read {what}: {exc}")
        return None


def _labels(label: str, texts: dict[str, str | None]) -> tuple[str, ...]:
    return tuple(f"{label} {stream}" for stream in STREAMS if texts[stream] is not None)


class CloudWatchStepLogs:
    """A step's and its driver's streams in a CloudWatch Logs group (the names log_naming gives them). The Logs
    client is made on the first read, so a place that is never needed costs nothing."""

    def __init__(self, make_logs: Callable[[], CloudWatchLogs], group: str, max_pages: int = 50) -> None:
        self._make_logs = make_logs
        self._logs: CloudWatchLogs | None = None
        self._unavailable: LogsUnavailable | None = None  # the group cannot be read: said once, not asked again
        self.group = group
        self.max_pages = max_pages

    def location(self, cluster_id: str, step_id: str) -> str | None:
        return None

    def read_stderr(self, cluster_id: str, step_id: str) -> str | None:
        return self._stream(step_stream(cluster_id, step_id, "stderr"))

    def read_stdout(self, cluster_id: str, step_id: str) -> str | None:
        return self._stream(step_stream(cluster_id, step_id, "stdout"))

    def read_driver(self, cluster_id: str, application_id: str) -> tuple[str | None, str | None]:
        return (self._stream(driver_stream(cluster_id, application_id, "stdout")),
                self._stream(driver_stream(cluster_id, application_id, "stderr")))

    def _stream(self, stream: str) -> str | None:
        if self._unavailable is not None:
            raise self._unavailable
        if self._logs is None:
            self._logs = self._make_logs()
        lines: list[str] = []
        token = None
        try:
            for _ in range(self.max_pages):
                events, token = self._logs.filter_events(self.group, [stream], None, token)
                lines += [e.message.rstrip("\n") for e in events]
                if not token:
                    break
        except StreamGone:
            return None
        except LogsUnavailable as exc:
            self._unavailable = exc
            raise
        return "\n".join(lines) if lines else None


__all__ = ["CloudWatchStepLogs", "EvidenceReader", "Explained", "LogPlace", "S3_LAG_NOTE"]
