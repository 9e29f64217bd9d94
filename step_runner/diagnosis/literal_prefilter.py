"""A fast pre-test for a slow regex: the literal words one of which every match must contain.

The triage rules' patterns, joined into one case-insensitive alternation, cost about 0.2 ms per log line. A
line that contains none of the pattern's *necessary literals* cannot match, and ``str.__contains__`` on a
lower-cased line tells that in microseconds. The literals are computed from the parsed pattern, so the
pre-test is exact for any pattern: it never hides a match. A pattern with a branch that needs no literal at
all (``\\d+``) gets no pre-test, and its lines are always searched.
"""
from __future__ import annotations

import re
import re._constants as C  # noqa: N812  (the parser's opcodes, as the stdlib names them)
import re._parser as sre_parse
from collections.abc import Iterable

MIN_LITERAL = 3  # a shorter necessary literal (a digit, "to") passes nearly every line: search instead

Need = frozenset[str] | None  # every match contains one of these (lower-cased); None: nothing is certain


def necessary_literals(pattern: str) -> Need:
    """A set of strings one of which every match of ``pattern`` (matched case-insensitively) contains."""
    return _sequence(sre_parse.parse(pattern, re.IGNORECASE))


def _sequence(items: Iterable[tuple]) -> Need:
    """A concatenation needs any one of its parts' needs: the longest literal run, or the best sub-need."""
    best: Need = None
    run: list[str] = []
    for op, arg in [*items, (None, None)]:
        if op is C.LITERAL:
            run.append(chr(arg).lower())
            continue
        best = _better(best, frozenset({"".join(run)}) if len(run) >= MIN_LITERAL else None)
        run = []
        if op is C.SUBPATTERN:
            best = _better(best, _sequence(arg[-1]))
        elif op is C.BRANCH:
            best = _better(best, _branch(arg[1]))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and arg[0] >= 1:
            best = _better(best, _sequence(arg[2]))
        elif op is C.ATOMIC_GROUP:
            best = _better(best, _sequence(arg))
    return best


def _branch(alternatives: Iterable[sre_parse.SubPattern]) -> Need:
    """An alternation needs one of each alternative's needs; an alternative that needs nothing spoils it."""
    union: set[str] = set()
    for alternative in alternatives:
        need = _sequence(alternative)
        if need is None:
            return None
        union |= need
    return frozenset(union)


def _better(a: Need, b: Need) -> Need:
    """The need that rules out more lines: fewer strings, then longer shortest string."""
    if a is None or b is None:
        return a if b is None else b
    return min(a, b, key=lambda need: (len(need), -min(map(len, need))))


class Prefilter:
    """``could_match(line)``: False only for lines no pattern can match. Built from the patterns' sources."""

    def __init__(self, patterns: Iterable[str]) -> None:
        needs = [necessary_literals(p) for p in patterns]
        self.always = any(need is None for need in needs)
        self.literals = tuple(sorted({lit for need in needs if need for lit in need}))

    def could_match(self, line: str) -> bool:
        if self.always:
            return True
        lowered = line.lower()
        return any(lit in lowered for lit in self.literals)


class PrefilteredPattern:
    """One case-insensitive alternation of ``sources`` whose ``search`` skips, at once, lines none can match."""

    def __init__(self, sources: Iterable[str]) -> None:
        sources = list(sources)
        self.pattern = re.compile("|".join(f"(?:{s})" for s in sources), re.IGNORECASE)
        self.prefilter = Prefilter(sources)

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.prefilter.could_match(text) else None


__all__ = ["Prefilter", "PrefilteredPattern", "necessary_literals"]
