"""Pure extraction of the "probable cause" of a failed step from its stderr text.

Preference, as in mrjob's logs/errors.py: the last Python traceback (PySpark driver output), else
the root cause of the last Java exception, else the last log4j ERROR line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BLOCK_LINES = 40

_LOG4J = re.compile(r"^\d{2,4}[/-]\d{2}[/-]\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\s+(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\b")
_LOG4J_ERROR = re.compile(r"^\d{2,4}[/-]\d{2}[/-]\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\s+(ERROR|FATAL)\s+(.*)$")
_JAVA_EXC = re.compile(
    r"^(?:Exception in thread \"[^\"]+\" )?(?:Caused by: )?(?:[a-zA-Z_$][\w$]*\.)+[\w$]*(?:Exception|Error|Throwable)\b(?::.*)?$"
)
_APP_ID = re.compile(r"\bapplication_\d+_\d+\b")


@dataclass(frozen=True)
class ProbableCause:
    """The most useful error in a log, with the lines around it."""

    kind: str
    summary: str
    lines: tuple[str, ...]
    application_id: str | None = None

    def text(self) -> str:
        return "\n".join(self.lines)


def probable_cause(text: str) -> ProbableCause | None:
    """Best guess at why a step failed, or None when the log shows no error."""
    lines = text.splitlines()
    app_id = _last_app_id(lines)
    for finder in (_python_traceback, _java_exception, _log4j_error):
        found = finder(lines)
        if found:
            kind, summary, block = found
            return ProbableCause(kind, summary, tuple(block[:MAX_BLOCK_LINES]), app_id)
    return None


def _python_traceback(lines: list[str]) -> tuple[str, str, list[str]] | None:
    starts = [i for i, line in enumerate(lines) if line.rstrip().endswith("Traceback (most recent call last):")]
    if not starts:
        return None
    i = starts[-1]
    block = [lines[i]]
    j = i + 1
    while j < len(lines) and (lines[j].startswith((" ", "\t")) or not lines[j].strip()):
        block.append(lines[j])
        j += 1
    if j >= len(lines):
        return "python", block[-1].strip(), block
    summary = lines[j].strip()
    block.append(lines[j])
    j += 1
    while j < len(lines) and lines[j].strip() and not _LOG4J.match(lines[j]) and len(block) < MAX_BLOCK_LINES:
        block.append(lines[j])
        j += 1
    return "python", summary, block


def _java_exception(lines: list[str]) -> tuple[str, str, list[str]] | None:
    heads = [i for i, line in enumerate(lines) if _is_exception_head(line)]
    if not heads:
        return None
    i = heads[-1]
    while i > 0 and _is_exception_head(lines[i]) and lines[i].startswith("Caused by:"):
        prev = i - 1
        while prev > 0 and _is_stack_line(lines[prev]):
            prev -= 1
        if not _is_exception_head(lines[prev]):
            break
        i = prev
    block = [lines[i]]
    j = i + 1
    while j < len(lines) and (_is_stack_line(lines[j]) or lines[j].startswith("Caused by:")):
        block.append(lines[j])
        j += 1
    causes = [line for line in block if line.startswith("Caused by:")]
    summary = (causes[-1][len("Caused by: "):] if causes else _strip_thread(block[0])).strip()
    return "java", summary, [block[0]] + causes


def _log4j_error(lines: list[str]) -> tuple[str, str, list[str]] | None:
    for line in reversed(lines):
        m = _LOG4J_ERROR.match(line)
        if m:
            return "log4j", m.group(2).strip(), [line]
    return None


def _is_exception_head(line: str) -> bool:
    return bool(_JAVA_EXC.match(line.strip())) and not line.startswith((" ", "\t"))


def _is_stack_line(line: str) -> bool:
    s = line.strip()
    return s.startswith("at ") or (s.startswith("...") and s.endswith("more"))


def _strip_thread(line: str) -> str:
    return re.sub(r'^Exception in thread "[^"]+" ', "", line)


def _last_app_id(lines: list[str]) -> str | None:
    for line in reversed(lines):
        m = _APP_ID.search(line)
        if m:
            return m.group(0)
    return None
