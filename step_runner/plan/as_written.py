"""Spec files read so that values reach spark-submit as the user wrote them.

YAML 1.1 (PyYAML) resolves plain scalars by pattern: `0012` is octal 10, `12:30` is sexagesimal 750,
`1e3` is 1000.0, `2026-11-25` a date, `yes` True. A spec's args, spark_submit_args and conf values are
command-line text, so there every plain scalar keeps its source text. Elsewhere (retries, timeout,
version) a number counts only when written as a plain decimal; any other spelling stays text and the
field's own rule refuses it, so nothing changes meaning silently.

TOML is typed and has no such surprises; its floats keep their text too (`parse_float`), integers are
passed in decimal (`0x10` -> `16`) and booleans as `true` / `false`.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

TEXT_LISTS = ("args", "spark_submit_args")
TEXT_TABLES = ("conf",)
_PLAIN_NUMBER = re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$")


@dataclass(frozen=True)
class Written:
    """A plain scalar: what the parser made of it, and its text."""

    value: Any
    text: str


class _Loader(yaml.SafeLoader):
    """SafeLoader whose typed plain scalars remember their source text."""


def _keeping_text(construct: Any) -> Any:
    def constructor(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
        value = construct(loader, node)
        return Written(value, node.value) if node.style is None else value
    return constructor


for _tag, _construct in (("int", SafeConstructor.construct_yaml_int),
                         ("float", SafeConstructor.construct_yaml_float),
                         ("bool", SafeConstructor.construct_yaml_bool),
                         ("timestamp", SafeConstructor.construct_yaml_timestamp)):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _keeping_text(_construct))


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def load_toml(text: str) -> Any:
    return tomllib.loads(text, parse_float=lambda raw: Written(float(raw), raw))


def as_written(data: Any) -> Any:
    """The spec document with every Written resolved: text in args / spark_submit_args / conf values, the
    parsed value elsewhere when its text is a plain decimal number (or a YAML boolean), the text otherwise."""
    if not isinstance(data, Mapping):
        return _value(data)
    out = {_value(k): _value(v) for k, v in data.items() if k not in ("defaults", "steps")}
    if "defaults" in data:
        out["defaults"] = _table(data["defaults"])
    if "steps" in data:
        steps = data["steps"]
        out["steps"] = [_table(s) for s in steps] if isinstance(steps, list) else _value(steps)
    return out


def _table(table: Any) -> Any:
    if not isinstance(table, Mapping):
        return _value(table)
    out = {}
    for key, value in table.items():
        key = _value(key)
        if key in TEXT_LISTS and isinstance(value, list):
            out[key] = [_text(v) for v in value]
        elif key in TEXT_TABLES and isinstance(value, Mapping):
            out[key] = {_value(k): _text(v) for k, v in value.items()}
        else:
            out[key] = _value(value)
    return out


def _text(v: Any) -> Any:
    return v.text if isinstance(v, Written) else _value(v)


def _value(v: Any) -> Any:
    if isinstance(v, Written):
        if isinstance(v.value, bool) or _PLAIN_NUMBER.match(v.text):
            return v.value
        return v.text
    if isinstance(v, list):
        return [_value(x) for x in v]
    if isinstance(v, Mapping):
        return {_value(k): _value(x) for k, x in v.items()}
    return v
