"""A local EMR endpoint for development and tests: moto's server plus real step processes.

It is not a replacement for EMR: see "The local EMR emulator" in README.md for what is and is not emulated.
"""

from .config import EmulatorConfig
from .server import PINNED_MOTO_VERSION, LocalEmr

__all__ = ["EmulatorConfig", "LocalEmr", "PINNED_MOTO_VERSION"]
