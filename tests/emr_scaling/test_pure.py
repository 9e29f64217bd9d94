"""The scaling model stays pure: no AWS SDK, no wall clock, no sleeping (CONTRIBUTING.md, layering). aws.py is the
one adapter that reads a real cluster, and imports the SDK only inside its functions."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "emr_scaling"


def test_no_sdk_no_wall_clock():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "aws.py":
            top = {n.names[0].name.split(".")[0] for n in ast.parse(path.read_text()).body if isinstance(n, ast.Import)}
            assert not top & {"boto3", "botocore"}, "aws.py imports the SDK where it is used, not at import time"
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in ("boto3", "botocore", "time")]
            if isinstance(node, ast.Attribute) and node.attr in ("now", "utcnow", "today") and \
                    isinstance(node.value, ast.Name) and node.value.id in ("datetime", "date"):
                found.append(f"{path.name}: {node.value.id}.{node.attr}")
    assert found == []
