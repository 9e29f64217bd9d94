"""Pure extraction of the "probable cause" of a failed step from its logs.

The probable cause is the error the hint classifies (``triage``): the root cause, not the wrapper
around it ("Job aborted", a Py4JJavaError, "finished with failed status") and not its consequences
(lost executors after an OutOfMemoryError). When no class fits, the last error event that names a
cause wins: a Python traceback or a Java root cause over a bare log4j ERROR line.
"""
from __future__ import annotations

import re

from dataclasses import dataclass

from .log_events import MAX_BLOCK_LINES, ErrorEvent, application_id
from .triage import Match, classify, find_events

_SOURCE_RANK = {"python": 3, "java": 3, "yarn": 2, "log4j": 1, "text": 0}


@dataclass(frozen=True)
class ProbableCause:
    """The most useful error in a log, with the lines around it."""

    kind: str  # where it was found: python | java | yarn | log4j
    summary: str
    lines: tuple[str, ...]
    application_id: str | None = None

    def text(self) -> str:
        return "\n".join(self.lines)


def cause_of(found: list[ErrorEvent], match: Match | None, app_id: str | None) -> ProbableCause | None:
    event = match.event if match is not None else _best_unclassified(found)
    if event is None:
        return None
    if match is not None and match.rule.cause_elsewhere and event.wrapper:
        output = [e for e in found if e is not event and not e.wrapper and e.level not in ("INFO", "DEBUG")
                  and not match.rule.patterns[0].search(e.root)]
        if output:
            best = _best_unclassified(output)
            return ProbableCause(best.source, best.root, best.lines[:MAX_BLOCK_LINES], app_id)
    if _FRAME.match(event.root):  # a stack cut from its message (blank lines, doubled prefixes): the message
        event = _message_above(found, event) or event
    summary = event.root
    if match is not None and match.line != event.root and match.rule.kind != "python_exception" \
            and not (_FRAME.match(match.line) and event.root.strip()):
        summary = match.line.strip()  # the line the rule matched says more than the event's root
    return ProbableCause(event.source, summary, event.lines[:MAX_BLOCK_LINES], app_id)


def _message_above(found: list[ErrorEvent], frame: ErrorEvent) -> ErrorEvent | None:
    """The nearest event above a stack frame that is not a frame itself: the message the stack belongs to."""
    above = [e for e in found if 0 < frame.index - e.index <= NEAR_LINES and not _FRAME.match(e.root)]
    return max(above, key=lambda e: e.index) if above else None


NEAR_LINES = 60  # a message and its stack: Java prints up to a few dozen frames before "... N more"
_FRAME = re.compile(r"^[\s|>]*(?:at|from)\s+[\w$.<>/]")
"""A stack frame (Java's "at a.b.C.m(", Ruby's "from /path/x.rb:33:in"): what a rule may match to name the kind,
never the cause while its event has a message."""


def _best_unclassified(found: list[ErrorEvent]) -> ErrorEvent | None:
    """The last event that names a cause (not a wrapper), preferring tracebacks and exceptions."""
    if not found:
        return None
    roots = [e for e in found if not e.wrapper and not _FRAME.match(e.root)] or \
        [e for e in found if not e.wrapper] or found
    best = max(_SOURCE_RANK.get(e.source, 0) for e in roots)
    return [e for e in roots if _SOURCE_RANK.get(e.source, 0) == best][-1]


def probable_cause(text: str) -> ProbableCause | None:
    """Best guess at why a step failed, or None when the log shows no error."""
    if not text:
        return None
    found = find_events(text)
    return cause_of(found, classify(found, text), application_id(text))


__all__ = ["ProbableCause", "cause_of", "probable_cause"]
