"""Where the local emulator listens by default: `python -m local_emr` serves there and the stacks'
local target (EMR_TARGET=local) points every endpoint there, so neither needs a flag to find the other."""
from __future__ import annotations

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5055
DEFAULT_ENDPOINT = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
