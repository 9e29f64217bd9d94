"""The synthesized JSON of every shipped stack, guarded by syrupy snapshots."""
import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from stacks.examples import EXAMPLES

from ..conftest import synth_json


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_stack_matches_snapshot(name, build_stack, snapshot_json):
    assert synth_json(build_stack(EXAMPLES[name])) == snapshot_json


def test_local_target_matches_snapshot(build_stack, snapshot_json):
    # no EMR_LOCAL_ENDPOINT: the default is where `python -m local_emr` listens
    stack = build_stack(EXAMPLES["emr-minimal"], {"EMR_TARGET": "local"})
    assert synth_json(stack) == snapshot_json


def test_app_synth_writes_exactly_the_snapshotted_stacks(tmp_path, build_stack):
    """`python app.py` skips cdktf's preparing pass (EmrStack.prepare_stack): same output."""
    import json

    from cdktf import App

    from stacks.app_builder import build_app

    def without_metadata(value):
        if isinstance(value, dict):
            return {k: without_metadata(v) for k, v in value.items() if k != "//"}
        if isinstance(value, list):
            return [without_metadata(v) for v in value]
        return value

    build_app(App(outdir=str(tmp_path)), env={}).synth()
    for name, spec in EXAMPLES.items():
        written = without_metadata(json.loads((tmp_path / "stacks" / name / "cdk.tf.json").read_text()))
        assert list(written["terraform"].pop("backend")) == ["local"], "the backend default is still set"
        assert written == synth_json(build_stack(spec)), name


def test_the_demo_stack_is_a_shipped_example():
    from stacks import DEFAULT_STACK

    assert DEFAULT_STACK in EXAMPLES
