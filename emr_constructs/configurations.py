"""EMR configuration classifications: merging and the canonical ``configurations_json``."""
from __future__ import annotations

import json
from typing import Any, Optional, Sequence

from .props import Configuration


def merge_configurations(
    base: Sequence[Configuration], override: Sequence[Configuration]
) -> tuple[Configuration, ...]:
    """Merge ``override`` over ``base`` by classification; properties merge key by key."""
    merged: dict[str, Configuration] = {c.classification: c for c in base}
    for cfg in override:
        old = merged.get(cfg.classification)
        if old is None:
            merged[cfg.classification] = cfg
            continue
        merged[cfg.classification] = Configuration(
            classification=cfg.classification,
            properties={**old.properties, **cfg.properties},
            configurations=merge_configurations(old.configurations, cfg.configurations),
        )
    return tuple(merged.values())


def from_api(items: Any) -> tuple[Configuration, ...]:
    """Typed Configurations from EMR's ConfigurationList JSON value (already checked against its shape)."""
    return tuple(
        Configuration(classification=item.get("Classification", ""), properties=dict(item.get("Properties") or {}),
                      configurations=from_api(item.get("Configurations") or ()))
        for item in items
    )


def raw_configurations(props: Any) -> tuple[Configuration, ...]:
    """``props.configurations_json`` as typed Configurations; () when absent or not a readable list."""
    text = getattr(props, "configurations_json", None)
    if not isinstance(text, str):
        return ()
    try:
        value = json.loads(text)
        return from_api(value) if isinstance(value, list) else ()
    except (ValueError, AttributeError, TypeError):
        return ()


def all_configurations(props: Any) -> tuple[Configuration, ...]:
    """The typed ``configurations`` and the JSON hatch together (no classification is in both: checked)."""
    return tuple(props.configurations) + raw_configurations(props)


def _to_api(cfg: Configuration) -> dict[str, Any]:
    item: dict[str, Any] = {
        "Classification": cfg.classification,
        "Properties": {k: cfg.properties[k] for k in sorted(cfg.properties)},
    }
    if cfg.configurations:
        item["Configurations"] = [_to_api(c) for c in cfg.configurations]
    return item


def configurations_json(configurations: Sequence[Configuration]) -> Optional[str]:
    """The canonical JSON EMR expects, or ``None``: an empty list makes a perpetual diff."""
    if not configurations:
        return None
    ordered = sorted(configurations, key=lambda c: c.classification)
    return json.dumps([_to_api(c) for c in ordered], indent=None, separators=(",", ":"))
