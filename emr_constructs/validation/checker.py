"""Validate every prop before any jsii call: collect all problems, raise once.

Rules are data (a condition and the rule's text). Values that are unresolved cdktf tokens
are skipped: they only get a value at deploy time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

_TOKEN_MARKERS = ("${", "#{TfToken[", "#{Token[")
_NUMBER_TOKEN_BELOW = -1e288


def is_token(value: Any) -> bool:
    """True for a cdktf token (string, list or number) or a Terraform reference such as
    ``${aws_kms_key.x.arn}``, detected without calling jsii."""
    if isinstance(value, str):
        return any(marker in value for marker in _TOKEN_MARKERS)
    if isinstance(value, float):
        return value < _NUMBER_TOKEN_BELOW
    if isinstance(value, (list, tuple)) and len(value) == 1:
        return is_token(value[0])
    return False


@dataclass(frozen=True)
class Problem:
    """One broken rule in a props object; step_runner.errors.Problem says why the runner keeps its own."""

    field: str
    value: Any
    rule: str

    def __str__(self) -> str:
        return f"{self.field}={self.value!r}: {self.rule}"


class ConfigError(ValueError):
    """Every problem found in one configuration, raised once."""

    def __init__(self, problems: Iterable[Problem], context: str = "configuration") -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid {context} ({len(self.problems)} problem(s)):\n{lines}")


class Checker:
    """Collects problems; ``raise_if_any`` raises them together."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def check(self, ok: bool | Callable[[], bool], field: str, value: Any, rule: str) -> bool:
        """Record a problem unless ``ok`` holds; tokens and ``None`` always pass."""
        if value is None or is_token(value):
            return True
        passed = ok() if callable(ok) else ok
        if not passed:
            self.problems.append(Problem(field, value, rule))
        return bool(passed)

    def fail(self, field: str, value: Any, rule: str) -> None:
        self.problems.append(Problem(field, value, rule))

    def int_range(self, field: str, value: Any, low: int, high: Optional[int] = None) -> bool:
        rule = f"must be an integer from {low} to {high}" if high is not None else f"must be an integer >= {low}"
        return self.check(
            lambda: isinstance(value, int) and not isinstance(value, bool)
            and value >= low and (high is None or value <= high),
            field, value, rule,
        )

    def one_of(self, field: str, value: Any, allowed: Iterable[Any]) -> bool:
        allowed = tuple(allowed)
        return self.check(value in allowed, field, value, f"must be one of {', '.join(map(str, allowed))}")

    def matches(self, field: str, value: Any, pattern: str, rule: str) -> bool:
        return self.check(
            lambda: isinstance(value, str) and re.fullmatch(pattern, value) is not None, field, value, rule
        )

    def raise_if_any(self, context: str = "configuration") -> None:
        if self.problems:
            raise ConfigError(self.problems, context)
