"""EMR release labels, release gates (which release gained a feature) and release spans (which releases list
something: an application, a classification, a line).

Shared by the constructs (which refuse a feature the release lacks) and the scaling model (which behaves as
the release does). Each gate and span is declared where its fact lives, with the AWS page it comes from; this
module holds only the mechanism, and is the one place that compares releases. Pure standard library.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Union

_LABEL = re.compile(r"emr-(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True, order=True)
class Release:
    """An EMR release label ``emr-X.Y.Z``; RJF: "Release labels are in the form emr-x.x.x"."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, label: object) -> Optional["Release"]:
        match = _LABEL.fullmatch(label) if isinstance(label, str) else None
        return cls(*map(int, match.groups())) if match else None

    @classmethod
    def of(cls, value: "ReleaseLike") -> Optional["Release"]:
        """A Release from a Release, an ``emr-X.Y.Z`` label or an (X, Y, Z) tuple; None otherwise."""
        if isinstance(value, Release):
            return value
        if isinstance(value, tuple) and len(value) == 3 and all(isinstance(v, int) for v in value):
            return cls(*value)
        return cls.parse(value)

    def __str__(self) -> str:
        return f"emr-{self.major}.{self.minor}.{self.patch}"


ReleaseLike = Union[Release, str, tuple]


def release(text: str) -> Release:
    """``release("6.15.0")``: a Release from its X.Y.Z numbers (for fact tables)."""
    major, minor, patch = (int(p) for p in text.split("."))
    return Release(major, minor, patch)


@dataclass(frozen=True)
class Gate:
    """A feature that arrived in a release. ``since`` gives, per major line, the first release with it;
    lines below the first listed line lack it, lines above the last listed line keep it (guess: EMR has
    not removed a gated API feature in a later line; no page says so). ``also`` are older releases that
    have it anyway, ``excluded`` releases that lack it, ``unknown`` inclusive ranges we cannot answer."""

    feature: str
    field: str
    since: tuple[tuple[int, Release], ...]
    source: str
    also: frozenset = frozenset()
    excluded: frozenset = frozenset()
    unknown: tuple[tuple[Release, Release], ...] = ()

    def allows(self, release: ReleaseLike) -> Optional[bool]:
        r = Release.of(release)
        if r is None:
            return None
        if any(lo <= r <= hi for lo, hi in self.unknown):
            return None
        if r in self.excluded:
            return False
        if r in self.also:
            return True
        firsts = dict(self.since)
        if r.major in firsts:
            return r >= firsts[r.major]
        lines = sorted(firsts)
        return r.major > lines[0]

    def first_label(self) -> str:
        """The gate in words, for error messages: "emr-5.30.0+ (5.x), emr-6.1.0+ (6.x)"."""
        parts = [f"{first}+ ({major}.x)" for major, first in self.since]
        if self.excluded:
            parts.append("except " + ", ".join(str(r) for r in sorted(self.excluded)))
        return ", ".join(parts)


@dataclass(frozen=True)
class Span:
    """The releases of a table that lists something, ``first`` to ``last`` inclusive. An open span (no ``last``)
    is known up to ``seen``, the newest release we saw list it: past that, or with no ``seen``, unknown."""

    first: Release
    last: Optional[Release] = None
    seen: Optional[Release] = None

    def contains(self, release: ReleaseLike) -> Optional[bool]:
        r = Release.of(release)
        if r is None:
            return None
        if r < self.first:
            return False
        if self.last is not None:
            return r <= self.last
        return True if self.seen is not None and r <= self.seen else None


def span(first: str, last: Optional[str] = None, seen: Optional[str] = None) -> Span:
    """``span("6.0.0", last="6.15.0")``: a Span from X.Y.Z numbers (for fact tables)."""
    return Span(release(first), release(last) if last else None, release(seen) if seen else None)
