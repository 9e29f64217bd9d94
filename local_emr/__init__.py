"""A local EMR endpoint for development and tests: moto's server plus real step processes.

It is not a replacement for EMR: see docs/emulator.md for what is and is not emulated.
``local_emr.api.fake_emr`` is the same step rules in process, for unit tests; importing it does not load moto.
"""
from __future__ import annotations

from typing import Any

__all__ = ["EmulatorConfig", "LocalEmr", "PINNED_MOTO_VERSION"]


def __getattr__(name: str) -> Any:
    """The server (and moto behind it) loads on first use, so the pure modules stay light."""
    if name == "EmulatorConfig":
        from .config import EmulatorConfig

        return EmulatorConfig
    if name in ("LocalEmr", "PINNED_MOTO_VERSION"):
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module 'local_emr' has no attribute {name!r}")
