"""EventBridge event pattern matching, for the exact-value patterns we write (a strict subset).

Rules ("Amazon EventBridge event patterns", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html):
every field of the pattern must match; a pattern's values are arrays and an event value matches if it
equals any of them (exact, case-sensitive); objects nest; an event field that is an array matches if any
element does; a field the event lacks does not match. Content filters ({"prefix": ...} and the like) are
not modelled and raise.
"""
from __future__ import annotations

from typing import Any


def matches(pattern: dict, event: dict) -> bool:
    for key, wanted in pattern.items():
        if key not in event:
            return False
        value = event[key]
        if isinstance(wanted, dict):
            if not isinstance(value, dict) or not matches(wanted, value):
                return False
            continue
        if not isinstance(wanted, list) or not wanted:
            raise ValueError(f"pattern field {key!r} must be a non-empty array or an object")
        for allowed in wanted:
            if isinstance(allowed, dict):
                raise NotImplementedError(f"content filter {allowed!r}")
        values: list[Any] = value if isinstance(value, list) else [value]
        if not any(v == allowed for v in values for allowed in wanted):
            return False
    return True
