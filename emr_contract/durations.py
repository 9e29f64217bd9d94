"""Durations as people write them in spec and workload files: 90, "90s", "30m", "1.5h", "1h30m", "2d".

One parser for every file format of this repository (step specs, scaling workloads), so "30m" means the
same thing everywhere. Pure standard library.
"""
from __future__ import annotations

import re
from typing import Any

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PART = r"\d+(?:\.\d+)?\s*[smhd]"
_COMPOUND = re.compile(rf"^\s*(?:\d+(?:\.\d+)?|(?:{_PART}\s*)+)\s*$")
_PARTS = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")


def parse_duration(value: Any, *, allow_zero: bool = False) -> float | None:
    """Seconds from a number or a string of number-unit parts ('90s', '2h', '1h30m'); a bare number is
    seconds. None when unparseable, negative, or zero (unless ``allow_zero``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and _COMPOUND.match(value):
        parts = _PARTS.findall(value)
        seconds = sum(float(n) * UNIT_SECONDS[u] for n, u in parts) if parts else float(value)
    else:
        return None
    if seconds < 0 or (seconds == 0 and not allow_zero) or seconds != seconds:
        return None
    return seconds
