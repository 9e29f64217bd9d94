"""Names AWS wants unique in an account (and region), claimed per stack at synth time.

Two EmrClusters named alike in one stack would each create ``alias/emr/<name>`` and the same IAM role
names: ``terraform validate`` and ``plan`` pass, ``apply`` fails half way. Each construct claims the
names it will create before it creates anything; a second claim of the same name is a ConfigError
naming the field that chose it.
"""
from __future__ import annotations

import weakref
from typing import Any, Mapping

from ..validation.checker import Checker, is_token
from .base import stack_of

_CLAIMS: "weakref.WeakKeyDictionary[Any, dict[str, str]]" = weakref.WeakKeyDictionary()


def check_unclaimed(c: Checker, scope: Any, names: Mapping[str, tuple[str, Any]]) -> None:
    """``names``: resource name -> (field that chose it, its value). Record a problem for each already
    claimed in the same stack."""
    stack = stack_of(scope)
    claimed = _CLAIMS.get(stack, {}) if stack is not None else {}
    for name, (field, value) in names.items():
        if is_token(name):
            continue
        if name in claimed:
            c.fail(field, value, f"{name} is already created by {claimed[name]} in this stack: AWS wants it unique "
                                 "in the account; give this one another name")


def claim(scope: Any, names: Mapping[str, tuple[str, Any]], owner: str) -> None:
    stack = stack_of(scope)
    if stack is None:
        return
    claimed = _CLAIMS.setdefault(stack, {})
    for name in names:
        if not is_token(name):
            claimed[name] = owner


__all__ = ["check_unclaimed", "claim"]
