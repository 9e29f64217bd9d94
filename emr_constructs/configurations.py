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
