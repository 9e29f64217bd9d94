"""Wrong types are problems, not tracebacks: every props dataclass checked against its annotations.

Run before the value rules (which assume the types): ``instance_count="2"``, a dict where a
``Configuration`` belongs, ``network=None`` each become one Problem naming the field, the value and
the type it must have. Unresolved cdktf tokens pass wherever a scalar goes.
"""
from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Mapping
from typing import Any, Union

from .checker import Checker, is_token

_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "True or False", type(None): "None"}


def check_types(c: Checker, where: str, obj: Any, expected: Any = None) -> bool:
    """Record a problem for every value of ``obj`` (a props dataclass, or anything ``expected`` describes) whose
    type does not match its annotation; True when all match."""
    before = len(c.problems)
    _check(c, where, obj, expected if expected is not None else type(obj))
    return len(c.problems) == before


def _hints(cls: type) -> dict[str, Any]:
    """A class's resolved annotations (a compile per field: _kind asks once per class)."""
    return typing.get_type_hints(cls, localns=_forward_refs())


def _forward_refs() -> dict[str, Any]:
    """Names the props modules only import for type checking."""
    from ..scaling.automatic import AutoScalingPolicy, ScalingRule
    from ..scaling.managed import ManagedScaling
    from ..props import ClusterProps
    from ..scaling.scale_in import ScaleIn
    from ..logs.step_logs import StepLogsProps

    return {"AutoScalingPolicy": AutoScalingPolicy, "ScalingRule": ScalingRule, "ManagedScaling": ManagedScaling,
            "ScaleIn": ScaleIn, "StepLogsProps": StepLogsProps, "ClusterProps": ClusterProps}


@functools.lru_cache(maxsize=None)
def _origin_args(hint: Any) -> tuple[Any, tuple[Any, ...]]:
    """typing's view of ``hint``, once per hint: asking it again for every value was most of a check's cost."""
    return typing.get_origin(hint), typing.get_args(hint)


_MAPPING_ORIGINS = (dict, Mapping)  # typing.Mapping[...]'s origin is collections.abc.Mapping


@functools.lru_cache(maxsize=None)
def _kind(hint: Any) -> tuple[str, Any]:
    """How ``_check`` goes into a value of ``hint`` ("union", "sequence", "mapping", "dataclass" or "leaf"),
    with what it needs for that, once per hint."""
    origin, args = _origin_args(hint)
    if origin in (Union, types.UnionType):
        return "union", args
    if origin in (tuple, list):
        return "sequence", args[0] if args else Any
    if origin in _MAPPING_ORIGINS or hint in (dict, Mapping):
        return "mapping", args or (Any, Any)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        return "dataclass", tuple((f.name, hints[f.name]) for f in dataclasses.fields(hint))
    return "leaf", None


def _field(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _check(c: Checker, where: str, value: Any, hint: Any) -> None:
    if hint is Any or (_scalar(hint) and is_token(value)):
        return
    kind, detail = _kind(hint)
    if kind == "union":
        matching = [arm for arm in detail if _matches(value, arm)]
        if not matching:
            c.fail(where or "(props)", _shown(value), f"must be {' or '.join(_describe(a) for a in detail)}")
            return
        _check(c, where, value, matching[0])
    elif kind == "sequence":
        if not isinstance(value, (tuple, list)):
            c.fail(where, _shown(value), f"must be {_describe(hint)}")
            return
        for i, element in enumerate(value):
            _check(c, f"{where}[{i}]", element, detail)
    elif kind == "mapping":
        if not isinstance(value, Mapping):
            c.fail(where, _shown(value), f"must be {_describe(hint)}")
            return
        key_hint, value_hint = detail
        for key, element in value.items():
            _check(c, f"{where}.key", key, key_hint)
            _check(c, f"{where}[{key}]", element, value_hint)
    elif kind == "dataclass":
        if not isinstance(value, hint):
            c.fail(where or "(props)", _shown(value), f"must be {_describe(hint)}")
            return
        for name, field_hint in detail:
            _check(c, _field(where, name), getattr(value, name), field_hint)
    elif not _matches(value, hint):
        c.fail(where, _shown(value), f"must be {_describe(hint)}")


@functools.lru_cache(maxsize=None)
def _scalar(hint: Any) -> bool:
    origin, args = _origin_args(hint)
    if origin in (Union, types.UnionType):
        return any(_scalar(a) for a in args)
    return hint in (str, int, float)


def _matches(value: Any, hint: Any) -> bool:
    """Whether ``value`` has the right outer type for ``hint`` (its insides are checked separately)."""
    if hint is Any:
        return True
    if hint is type(None) or hint is None:
        return value is None
    origin, args = _origin_args(hint)
    if origin in (Union, types.UnionType):
        return any(_matches(value, a) for a in args)
    if origin in (tuple, list):
        return isinstance(value, (tuple, list))
    if origin is not None and isinstance(origin, type) and issubclass(origin, Mapping):
        return isinstance(value, Mapping)
    if is_token(value) and hint in (str, int, float):
        return True
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(hint, type) and isinstance(value, hint)


def _describe(hint: Any) -> str:
    if hint in _NAMES:
        return _NAMES[hint]
    origin = typing.get_origin(hint)
    if origin in (tuple, list):
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        return f"a tuple of {_describe(args[0]) if args else 'values'}"
    if origin is not None and isinstance(origin, type) and issubclass(origin, Mapping):
        return "a mapping of strings"
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(hint))
    return f"a {getattr(hint, '__name__', str(hint))}"


def _shown(value: Any) -> Any:
    """The value as a Problem shows it: short, and the type for containers and objects."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return f"<{type(value).__name__}>"


__all__ = ["check_types"]
