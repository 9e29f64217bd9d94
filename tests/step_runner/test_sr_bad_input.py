"""The step-spec half of the bad-input catalogue: each invalid spec names its field, and the
CLI exits 2 without creating a single AWS client."""
import io
import json

import pytest

from step_runner import cli
from step_runner.errors import SpecError
from step_runner.plan.spec import parse_spec

OK = {"name": "etl", "entry_point": "s3://bucket/etl.py"}

CASES = [
    ("steps[0].entry_point", {**OK, "entry_point": ""}),
    ("steps[0].entry_point", {**OK, "entry_point": 42}),
    ("steps[0].deploy_mode", {**OK, "deploy_mode": "local"}),
    ("steps[0].retries", {**OK, "retries": 11}),
    ("steps[0].timeout", {**OK, "timeout": "forever"}),
    ("steps[0].action_on_failure", {**OK, "action_on_failure": "IGNORE"}),
    ("steps[0].conf", {**OK, "conf": ["spark.x=1"]}),
    ("steps[0].args", {**OK, "args": "--day 1"}),
    ("steps[0].jars", {**OK, "jars": "s3://bucket/a.jar"}),
    ("steps[0].name", {**OK, "name": "bell\x07"}),
    ("steps[etl].depends_on", {**OK, "depends_on": ["missing"]}),
    ("steps[0].colour", {**OK, "colour": "blue"}),
]


@pytest.mark.parametrize("field,step", CASES, ids=[f"{f}-{i}" for i, (f, _) in enumerate(CASES)])
def test_invalid_step_names_the_field(field, step):
    with pytest.raises(SpecError) as err:
        parse_spec({"steps": [step]})
    assert [p.field for p in err.value.problems] == [field]
    assert field in str(err.value)


def test_invalid_spec_submits_nothing(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text(json.dumps({"steps": [{**OK, "deploy_mode": "local"}]}))
    calls = []

    def no_clients(region, profile):
        calls.append("make_clients")
        raise AssertionError("no AWS client may be created for an invalid spec")

    stderr = io.StringIO()
    code = cli.main([str(spec), "--cluster-id", "j-ABCDEFGHIJKL"],
                    cli.Deps(make_clients=no_clients, make_submit_client=no_clients, stderr=stderr,
                             stdout=io.StringIO(), install_signals=False))
    assert code == cli.EXIT_BAD_INPUT
    assert calls == []
    assert "deploy_mode" in stderr.getvalue()
