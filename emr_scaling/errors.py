"""The scaling model's typed errors; only emr_scaling/cli.py turns them into exit codes."""
from __future__ import annotations


class ScalingError(Exception):
    """Base of emr_scaling's own errors."""


class InputError(ScalingError):
    """A workload, stack, policy or flag we cannot read or that EMR would refuse: one line, naming the field."""

    def __init__(self, field: str, value: object, rule: str) -> None:
        self.field, self.value, self.rule = field, value, rule
        shown = value if isinstance(value, (int, float)) else repr(value) if value is not None else "missing"
        super().__init__(f"{field}: {shown}: {rule}" if value is not ... else f"{field}: {rule}")


def problem(field: str, rule: str) -> InputError:
    """An error about a field whose value is not worth repeating (a file, a missing key)."""
    return InputError(field, ..., rule)
