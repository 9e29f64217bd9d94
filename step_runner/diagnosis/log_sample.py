"""The part of a big log worth analysing, read in one pass with bounded memory.

Real driver logs reach gigabytes, almost all of it INFO chatter, and the analysis costs tens of microseconds a
line. A log up to ``SMALL_BYTES`` is analysed whole. From a bigger one the analysis sees, in order:
- its first ``HEAD_LINES`` lines (the submission: application id, deploy mode, bootstrap context);
- from the middle, every line that is not log4j INFO/DEBUG/TRACE (errors, warnings, stack traces, Python
  output) and the INFO lines that name a failure (``LOUD_WORDS``), the latest ``MIDDLE_LINES`` of them;
- its last ``TAIL_LINES`` lines, where a failed run ends with its cause.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterable

SMALL_BYTES = 1024 * 1024
HEAD_LINES = 100
MIDDLE_LINES = 2000
TAIL_LINES = 1000
QUIET_LEVELS = (" INFO ", " DEBUG ", " TRACE ")
LOUD_WORDS = ("exit code", "exit status", "killed", "lost", "spot", "decommission", "terminat", "memory",
              "no space", "error", "exception", "fail", "denied", "refused", "timed out", "timeout")


def is_quiet(line: str) -> bool:
    """A log4j line at INFO, DEBUG or TRACE that names no failure."""
    head = " " + line[:64]
    if not any(level in head for level in QUIET_LEVELS):
        return False
    lowered = line.lower()
    return not any(word in lowered for word in LOUD_WORDS)


class LogSample:
    """Feed lines in order (``feed``); ``text()`` is what the analysis reads: all of it up to SMALL_BYTES."""

    def __init__(self) -> None:
        self.whole: list[str] | None = []
        self.size = 0
        self.head: list[str] = []
        self.middle: deque[str] = deque(maxlen=MIDDLE_LINES)
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)

    def feed(self, lines: Iterable[str]) -> None:
        for line in lines:
            if self.whole is None:
                self._keep(line)
                continue
            self.whole.append(line)
            self.size += len(line) + 1
            if self.size > SMALL_BYTES:
                whole, self.whole = self.whole, None
                for kept in whole:
                    self._keep(kept)

    def _keep(self, line: str) -> None:
        if len(self.head) < HEAD_LINES:
            self.head.append(line)
            return
        if len(self.tail) == TAIL_LINES and not is_quiet(self.tail[0]):
            self.middle.append(self.tail[0])
        self.tail.append(line)

    def text(self) -> str:
        if self.whole is not None:
            return "\n".join(self.whole)
        return "\n".join([*self.head, *self.middle, *self.tail])


def sample_text(text: str) -> str:
    """``text`` itself when it is small, else its sample."""
    if len(text) <= SMALL_BYTES:
        return text
    sample = LogSample()
    sample.feed(text.splitlines())
    return sample.text()


__all__ = ["LogSample", "sample_text", "is_quiet", "SMALL_BYTES"]
