"""Everything known about one failed step, explained: the hint and the probable cause from all of it.

The evidence is spread out: EMR's FailureDetails, the step's stderr (spark-submit and Spark's log4j) and
its stdout (Spark's PythonRunner merges the Python driver's stderr into its stdout, so a PySpark
traceback in client mode lands there), and in cluster deploy mode the driver container's stdout and
stderr. ``diagnose`` reads them together; ``needs_driver_log`` says when the step's own logs only say
"the application failed" and the driver's log should be read too.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .log_events import application_id
from .log_sample import sample_text
from .probable_cause import ProbableCause, cause_of
from .triage import Hint, classify, find_events, hint_for

UNKNOWN_REASONS = ("unknown error", "unknown error.")


@dataclass(frozen=True)
class Evidence:
    stderr: str | None = None
    stdout: str | None = None
    driver_stderr: str | None = None
    driver_stdout: str | None = None
    failure_reason: str | None = None
    failure_message: str | None = None
    failure_log_file: str | None = None
    note: str | None = None
    sources: tuple[str, ...] = field(default=())

    def text(self) -> str:
        """All of it, in the order the analysis reads it: EMR's words, then the step's logs, then the driver's."""
        parts = []
        reason = self.failure_reason if self.failure_reason and \
            self.failure_reason.strip().lower() not in UNKNOWN_REASONS else None
        for part in (reason, self.failure_message, self.note, self.stderr, self.stdout, self.driver_stderr,
                     self.driver_stdout):
            if part:
                parts.append(part)
        return "\n".join(parts)


@dataclass(frozen=True)
class Diagnosis:
    hint: Hint | None
    cause: ProbableCause | None
    application_id: str | None
    sources: tuple[str, ...] = ()

    @property
    def needs_driver_log(self) -> bool:
        """The step's logs only say the application failed (cluster mode): the driver's log has the cause."""
        return self.application_id is not None and (self.hint is None or self.hint.kind == "see_driver_log")

    def to_dict(self) -> dict:
        return {
            "kind": self.hint.kind if self.hint else None,
            "title": self.hint.title if self.hint else None,
            "advice": self.hint.advice if self.hint else None,
            "evidence": self.hint.evidence if self.hint else None,
            "cause": None if self.cause is None else {
                "source": self.cause.kind, "summary": self.cause.summary, "lines": list(self.cause.lines)},
            "application_id": self.application_id,
            "sources": list(self.sources),
        }


def diagnose(evidence: Evidence) -> Diagnosis:
    return _analyse(evidence, sample_text(evidence.text()))


def diagnose_sampled(evidence: Evidence) -> Diagnosis:
    """``diagnose`` of evidence whose logs are already a sample (log_sample.LogSample): not sampled again."""
    return _analyse(evidence, evidence.text())


def _analyse(evidence: Evidence, text: str) -> Diagnosis:
    found = find_events(text)
    match = classify(found, text)
    app_id = application_id(text)
    hint = hint_for(match, text) if match else None
    return Diagnosis(hint, cause_of(found, match, app_id), app_id, evidence.sources)


def explain_text(text: str, source: str = "log") -> Diagnosis:
    """A log from anywhere (a file, stdin): the same analysis, no AWS call."""
    return diagnose(Evidence(stderr=text, sources=(source,)))


__all__ = ["Diagnosis", "Evidence", "diagnose", "diagnose_sampled", "explain_text"]
