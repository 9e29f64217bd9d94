"""EMR release labels and the features each release line gained."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

_LABEL = re.compile(r"emr-(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True, order=True)
class Release:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, label: str) -> Optional["Release"]:
        match = _LABEL.fullmatch(label) if isinstance(label, str) else None
        return cls(*map(int, match.groups())) if match else None

    def at_least(self, major: int, minor: int, patch: int = 0) -> bool:
        return self >= Release(major, minor, patch)

    def __str__(self) -> str:
        return f"emr-{self.major}.{self.minor}.{self.patch}"


def supports_step_concurrency(release: Release) -> bool:
    """StepConcurrencyLevel > 1 and CancelSteps on RUNNING steps arrived in 5.28.0."""
    return release.at_least(5, 28)


def supports_auto_termination(release: Release) -> bool:
    """Auto-termination policies: 5.30.0+ on the 5.x line, 6.1.0+ on 6.x."""
    if release.major == 5:
        return release.at_least(5, 30)
    return release.at_least(6, 1)


def supports_managed_scaling(release: Release) -> bool:
    """EMR managed scaling: 5.30.0+ and 6.1.0+ (6.0.0 lacks it)."""
    if release.major == 5:
        return release.at_least(5, 30)
    return release.at_least(6, 1)


def supports_three_masters(release: Release) -> bool:
    """Multiple primary nodes arrived in 5.23.0."""
    return release.at_least(5, 23)
