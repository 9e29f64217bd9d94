"""Pure failure triage: name the common reason a Spark step failed and say what usually fixes it.

`triage(text)` reads any mix of step stderr, driver container logs, FailureDetails and the cluster's
StateChangeReason and returns one short Hint, or None. It sits on top of the probable cause
(logs.py): the probable cause quotes the error, the hint classifies it.

Rules are data (kind, patterns, title, advice), tried in order of how much they explain: a
bootstrap failure or a lost Spot node explains the Java and Python errors that follow it; an
out-of-memory kill explains the "Job aborted" traceback it causes; an S3 403 or a missing module
is more useful than "a Python exception happened".
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .logs import probable_cause

MAX_EVIDENCE = 300


@dataclass(frozen=True)
class Hint:
    """One classified failure: a stable `kind`, a short `title`, what to try, and the line that shows it."""

    kind: str
    title: str
    advice: str
    evidence: str

    @property
    def text(self) -> str:
        return f"{self.title}: {self.advice}"


@dataclass(frozen=True)
class _Rule:
    kind: str
    patterns: tuple[re.Pattern[str], ...]
    title: Callable[[str, str], str]
    advice: str
    line_filter: re.Pattern[str] | None = None


def _rx(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


_S3_CONTEXT = re.compile(
    r"s3[an]?://|amazon ?s3|services\.s3|service: s3\b|\bs3exception|\bS3\b|"
    r"(?:Get|Put|Head|Delete|Copy)Object|ListObjects|ListBucket|CreateMultipartUpload", re.IGNORECASE)
_DRIVER_CONTEXT = re.compile(
    r'thread "main"|thread "driver|User class threw exception|ApplicationMaster|dag-scheduler|'
    r"spark-listener-group|SparkContext|Driver", re.IGNORECASE)
_EXECUTOR_CONTEXT = re.compile(
    r"Executor task launch worker|ExecutorLostFailure|Container killed|memoryOverhead|Lost executor|"
    r"exit code (?:137|143)|Exit status: (?:137|143)", re.IGNORECASE)


def _oom_title(text: str, line: str) -> str:
    if re.search(r"Container killed by YARN|memoryOverhead|Executor task launch worker", line, re.IGNORECASE):
        return "Executor out of memory"
    if _DRIVER_CONTEXT.search(line) and not _EXECUTOR_CONTEXT.search(line):
        return "Driver out of memory"
    if _EXECUTOR_CONTEXT.search(text):
        return "Executor out of memory"
    if _DRIVER_CONTEXT.search(text):
        return "Driver out of memory"
    return "Out of memory"


def _missing_title(_text: str, line: str) -> str:
    m = re.search(r"No module named '?([\w.]+)'?", line)
    if m:
        return f"Python module {m.group(1)} not found"
    m = re.search(r"(?:ClassNotFoundException|NoClassDefFoundError|Failed to load class)[: ]+\s*([\w.$/]+)", line)
    if m:
        return f"Class {m.group(1).rstrip('.').replace('/', '.')} not found"
    return "Missing class or module"


def _python_title(text: str, _line: str) -> str:
    cause = probable_cause(text)
    if cause is not None and cause.kind == "python":
        return f"Python exception: {cause.summary.split(':', 1)[0]}"
    return "Python exception"


RULES: tuple[_Rule, ...] = (
    _Rule(
        "bootstrap_failure",
        _rx(r"\bBOOTSTRAP_FAILURE\b", r"bootstrap action\b.*\b(?:failed|non-zero return code)"),
        lambda t, l: "Bootstrap action failed",
        "a bootstrap action exited non-zero, so the cluster never ran the step; read "
        "<LogUri>/<cluster>/node/<instance>/bootstrap-actions/<n>/stderr.gz and fix the script",
    ),
    _Rule(
        "spot_loss",
        _rx(r"spot instance interruption", r"spot interruption", r"\bSPOT_INSTANCE", r"\bdecommissioned\b",
            r"(?:executor lost|lost executor).*(?:worker lost|decommission)", r"released on a \*?lost\*? node"),
        lambda t, l: "Spot capacity lost",
        "a node (usually a Spot instance) went away while the step ran; retry the step "
        "(`retries:`), run core nodes On-Demand, or use instance fleets with several instance types",
        line_filter=re.compile(r"spot|lost|fail|kill|exit|abort|ERROR|WARN", re.IGNORECASE),
    ),
    _Rule(
        "oom",
        _rx(r"java\.lang\.OutOfMemoryError", r"Container killed by YARN for exceeding (?:physical |virtual )?memory",
            r"(?:exit code is|exit code|exit status:?|exited with code|ret ')\s*'?(?:137|143)\b",
            r"^MemoryError\b"),
        _oom_title,
        "raise spark.executor.memory / spark.executor.memoryOverhead (driver: spark.driver.memory), "
        "use more, smaller partitions (spark.sql.shuffle.partitions), or avoid collect() on large data",
    ),
    _Rule(
        "s3_access_denied",
        _rx(r"AccessDenied", r"Access Denied", r"Status Code: 403", r"403 Forbidden"),
        lambda t, l: "S3 access denied",
        "the cluster's EC2 instance profile (EMR_EC2 role) may not read/write that bucket or prefix, or "
        "the bucket policy / KMS key refuses it; grant s3:GetObject/PutObject/ListBucket (and kms:Decrypt)",
        line_filter=_S3_CONTEXT,
    ),
    _Rule(
        "missing_dependency",
        _rx(r"ClassNotFoundException", r"NoClassDefFoundError", r"Failed to load class", r"ModuleNotFoundError",
            r"No module named"),
        _missing_title,
        "ship it with the step (--py-files / --archives for Python, --jars / --packages for Java), "
        "install it in a bootstrap action, or check the --class name",
    ),
    _Rule(
        "python_exception",
        _rx(r"Traceback \(most recent call last\):"),
        _python_title,
        "the job's Python code raised; the traceback in the probable cause shows where",
    ),
)


def triage(text: str) -> Hint | None:
    """The first rule (in RULES order) with a matching line; None when no rule matches."""
    if not text:
        return None
    lines = text.splitlines()
    for rule in RULES:
        found = _last_match(rule, lines)
        if found is not None:
            line, start = found
            if rule.kind == "python_exception":
                cause = probable_cause(text)
                if cause is not None and cause.kind == "python":
                    line, start = cause.summary, 0
            return Hint(rule.kind, rule.title(text, line), rule.advice, _window(line, start))
    return None


def triage_step(stderr: str | None, *, failure_reason: str | None = None, failure_message: str | None = None,
                note: str | None = None) -> Hint | None:
    """Triage everything known about one failed step: FailureDetails and the run's note first, then stderr."""
    parts = [p for p in (failure_reason, failure_message, note, stderr) if p]
    return triage("\n".join(parts)) if parts else None


def _last_match(rule: _Rule, lines: list[str]) -> tuple[str, int] | None:
    """(line, match offset) of the last matching line: usually the one that ended the job, as in logs.py."""
    for line in reversed(lines):
        if rule.line_filter is not None and not rule.line_filter.search(line):
            continue
        for pattern in rule.patterns:
            m = pattern.search(line)
            if m:
                return line, m.start()
    return None


def _window(line: str, start: int) -> str:
    """The line, or for a long one (Spark's one-line stage failures) the part around the match."""
    line = line.strip() if start == 0 else line
    if len(line) <= MAX_EVIDENCE:
        return line.strip()
    begin = max(0, min(start - 60, len(line) - MAX_EVIDENCE))
    part = line[begin:begin + MAX_EVIDENCE].strip()
    return ("..." if begin else "") + part + ("..." if begin + MAX_EVIDENCE < len(line) else "")


__all__ = ["Hint", "RULES", "triage", "triage_step"]
