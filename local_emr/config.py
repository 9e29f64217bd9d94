"""Emulator settings: lifecycle delays, where step processes run, CloudWatch Logs Live Tail sessions.

Delays are short by default so tests stay fast; the demo can make them look realistic through
the CLI flags or the ``LOCAL_EMR_*`` environment variables.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from emr_contract import live_tail


@dataclass(frozen=True)
class EmulatorConfig:
    """How long each lifecycle phase takes (seconds) and how the scheduler behaves."""

    boot_seconds: float = 0.2
    """STARTING -> BOOTSTRAPPING."""
    bootstrap_seconds: float = 0.2
    """BOOTSTRAPPING -> WAITING."""
    terminate_seconds: float = 0.2
    """TERMINATING -> TERMINATED (after every step process is gone)."""
    tick_seconds: float = 0.05
    """Scheduler poll interval; requests wake it up early."""
    kill_grace_seconds: float = 5.0
    """After SIGTERM on cluster shutdown, wait this long before SIGKILL."""
    work_dir: str | None = None
    """Parent of per-step temp dirs (default: the system temp dir)."""
    step_env: Mapping[str, str] = field(default_factory=dict)
    """Extra environment for step processes (e.g. PYSPARK_PYTHON)."""
    clock_factor: float = 60.0
    """How much faster than the scheduler's clock the scaling model runs (local_emr/cluster/scaling.py): at 60, a
    five-minute metric period passes in five seconds."""
    live_tail_session_seconds: float = live_tail.SESSION_SECONDS
    """How long a Live Tail session lasts before its SessionTimeoutException (local_emr/api/live_tail.py)."""
    live_tail_max_sessions: int = live_tail.MAX_CONCURRENT_SESSIONS
    """Concurrent Live Tail sessions per account and Region before LimitExceededException."""

    ENV_PREFIX = "LOCAL_EMR_"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> EmulatorConfig:
        """Read ``LOCAL_EMR_BOOT_SECONDS`` etc.; explicit ``overrides`` win (None means unset)."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = environ.get(cls.ENV_PREFIX + f.name.upper())
            if raw is None or f.name == "step_env":
                continue
            kind = type(f.default) if isinstance(f.default, (int, float)) else str  # numbers as their default's type
            values[f.name] = kind(raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name.endswith("_seconds") and float(getattr(self, f.name)) < 0:
                raise ValueError(f"{f.name} must be >= 0, got {getattr(self, f.name)}")
        if float(self.clock_factor) <= 0:
            raise ValueError(f"clock_factor must be > 0, got {self.clock_factor}")
        if int(self.live_tail_max_sessions) < 0:
            raise ValueError(f"live_tail_max_sessions must be >= 0, got {self.live_tail_max_sessions}")
