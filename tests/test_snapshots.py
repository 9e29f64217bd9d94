"""The synthesized JSON of every shipped stack, guarded by syrupy snapshots."""
import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from stacks.examples import EXAMPLES

from .conftest import synth_json


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_stack_matches_snapshot(name, build_stack, snapshot_json):
    assert synth_json(build_stack(EXAMPLES[name])) == snapshot_json


def test_local_target_matches_snapshot(build_stack, snapshot_json):
    stack = build_stack(EXAMPLES["emr-minimal"], {"EMR_TARGET": "local", "EMR_LOCAL_ENDPOINT": "http://127.0.0.1:4566"})
    assert synth_json(stack) == snapshot_json
