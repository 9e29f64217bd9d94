"""Read the deployed stack's outputs: `cdktf output --outputs-file` or `terraform output -json`."""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from emr_contract.outputs import CLUSTER_ID

from ..errors import OutputsError


def load_outputs(path: str | Path, stack: str | None = None) -> dict[str, Any]:
    """Flat {output name: value} for one stack, whichever of the two file shapes `path` holds."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise OutputsError(f"cannot read outputs file {path}: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise OutputsError(f"outputs file {path} is not JSON: {exc}") from exc
    return parse_outputs(data, stack, str(path))


def parse_outputs(data: Any, stack: str | None = None, source: str = "outputs") -> dict[str, Any]:
    if not isinstance(data, Mapping) or not data:
        raise OutputsError(f"{source}: expected a non-empty JSON object")
    if _is_terraform_shape(data):
        if stack:
            raise OutputsError(f"{source} is `terraform output -json` output of one stack; drop --stack")
        return {k: v["value"] for k, v in data.items()}
    stacks = {name: body for name, body in data.items() if isinstance(body, Mapping)}
    if not stacks:
        raise OutputsError(f"{source}: neither {{stack: {{name: value}}}} nor {{name: {{value: ...}}}}")
    if stack is not None:
        if stack not in stacks:
            raise OutputsError(f"{source} has no stack {stack!r}; stacks: {', '.join(sorted(stacks))}")
        chosen = stacks[stack]
    else:
        with_cluster = [name for name, body in stacks.items() if CLUSTER_ID in body]
        if len(with_cluster) != 1:
            found = ", ".join(sorted(with_cluster or stacks))
            raise OutputsError(f"{source}: pick a stack with --stack (stacks with cluster_id: {found or 'none'})")
        chosen = stacks[with_cluster[0]]
    return {k: (v["value"] if isinstance(v, Mapping) and "value" in v else v) for k, v in chosen.items()}


def _is_terraform_shape(data: Mapping[str, Any]) -> bool:
    return all(isinstance(v, Mapping) and "value" in v for v in data.values())
