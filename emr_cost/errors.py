"""The library's typed errors; only emr_cost/cli.py turns them into exit codes."""
from __future__ import annotations

from .prices import PriceNotFound

__all__ = ["CostError", "InputError", "PriceSourceError", "PriceNotFound"]


class CostError(Exception):
    """Base of emr_cost's own errors (PriceNotFound is a LookupError, kept from prices.py)."""


class InputError(CostError):
    """A stack file, plan file or argument we cannot read or do not understand."""


class PriceSourceError(CostError):
    """The live source failed (AWS error, no credentials, an answer we cannot parse)."""
