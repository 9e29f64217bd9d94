"""Release gates as yes/no answers for the constructs, read from ``facts`` (where each gate cites its page).

A gate ``facts`` cannot answer (a release it does not know) answers yes here: we refuse only what EMR is
documented to refuse, and accept what it may accept.
"""
from __future__ import annotations

from ..facts import GATES, Release


def allows(gate: str, release: Release) -> bool:
    return GATES[gate].allows(release) is not False


def gate_words(gate: str) -> str:
    """The releases that have the feature, for error messages."""
    return GATES[gate].first_label()


__all__ = ["Release", "allows", "gate_words"]
