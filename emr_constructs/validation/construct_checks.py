"""One validation pass over everything a construct is given, before it creates anything.

Every props object is first checked against its types (``typecheck``), then by its own rules; each rule
module keeps its ``validate_*`` function (a ConfigError of its own, for direct use), and ``absorb`` folds
those problems into one checker under the argument's name. So ``EmrCluster`` raises one ConfigError for
its ClusterProps, IamProps and LogBucketProps together, and no input ends in a traceback.
"""
from __future__ import annotations

from typing import Any, Callable

from .typecheck import check_types
from .checker import Checker, ConfigError


def absorb(c: Checker, where: str, validate: Callable[..., None], *args: Any, **kwargs: Any) -> None:
    """Run a ``validate_*`` function; its problems join ``c`` with field names under ``where``."""
    try:
        validate(*args, **kwargs)
    except ConfigError as err:
        for p in err.problems:
            c.fail(f"{where}.{p.field}" if where else p.field, p.value, p.rule)
    except Exception as exc:  # a rule that could not run on this input: still one problem, never a traceback
        c.fail(where or "(props)", type(exc).__name__, f"could not be checked ({exc}); check its types and values")


def check_props(c: Checker, where: str, props: Any, validate: Callable[..., None], *args: Any, **kwargs: Any) -> bool:
    """Types first, then the rules (only on well-typed props: the rules assume the types). True if clean."""
    before = len(c.problems)
    if check_types(c, where, props):
        absorb(c, where, validate, props, *args, **kwargs)
    return len(c.problems) == before


__all__ = ["absorb", "check_props"]
