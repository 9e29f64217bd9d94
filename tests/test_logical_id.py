"""Our logical ids are cdktf's: `_tf.logical_id` computes, without a jsii round trip, the key cdktf gives."""
from __future__ import annotations

import json

from constructs import Construct

from emr_constructs.terraform.base import logical_id
from emr_constructs.cdk import App, TerraformResource, TerraformStack, Testing

PATHS = [
    ("bucket",),
    ("emr", "log-bucket"),
    ("emr", "Default", "role"),
    ("emr", "Resource"),
    ("a.b", "c d", "e/f"),
    ("emr", "emr", "emr-role"),
    ("x" * 150, "y" * 150),
    ("Default", "only"),
]


def test_logical_ids_match_cdktf_for_nested_and_odd_paths() -> None:
    app = Testing.app()
    stack = TerraformStack(app, "stack")
    for path in PATHS:
        scope: Construct = stack
        for part in path[:-1]:
            scope = scope.node.try_find_child(part) or Construct(scope, part)
        TerraformResource(scope, path[-1], terraform_resource_type="null_resource")
    synthesized = json.loads(Testing.synth(stack))["resource"]["null_resource"]
    assert sorted(synthesized) == sorted(logical_id(path) for path in PATHS)
    assert isinstance(app, App)
