"""Release gates as yes/no answers for the constructs, read from ``facts`` (where each gate cites its page).

A gate ``facts`` cannot answer (a release it does not know) answers yes here: we refuse only what EMR is
documented to refuse, and accept what it may accept.
"""
from __future__ import annotations

from .facts import GATES, Release, three_masters_allowed


def allows(gate: str, release: Release) -> bool:
    return GATES[gate].allows(release) is not False


def supports_step_concurrency(release: Release) -> bool:
    return allows("step_concurrency", release)


def supports_auto_termination(release: Release) -> bool:
    return allows("auto_termination", release)


def supports_managed_scaling(release: Release) -> bool:
    return allows("managed_scaling", release)


def supports_three_masters(release: Release, *, fleets: bool = False) -> bool:
    return three_masters_allowed(release, fleets=fleets) is not False


def gate_words(gate: str) -> str:
    """The releases that have the feature, for error messages."""
    return GATES[gate].first_label()


__all__ = ["Release", "allows", "gate_words", "supports_auto_termination", "supports_managed_scaling",
           "supports_step_concurrency", "supports_three_masters"]
