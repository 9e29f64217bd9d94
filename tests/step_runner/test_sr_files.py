"""Stack outputs (both shapes), the atomic state file and the report renderings."""
import json
import xml.etree.ElementTree as ET

import pytest

from step_runner import cli
from step_runner.errors import OutputsError, ResumeError
from step_runner.diagnosis.probable_cause import ProbableCause
from step_runner.plan.stack_outputs import load_outputs, parse_outputs
from step_runner.report.run_report import RunReport, StepResult, render_table, to_dict, to_junit
from step_runner.state import FailureInfo
from step_runner.run.state_file import RunState, load, save

from .conftest import at, cluster
from .helpers import EXAMPLE, run_cli

CDKTF = {"emr-dev": {"cluster_id": "j-DEV", "log_uri": "s3://logs/"},
         "emr-prod": {"cluster_id": "j-PROD", "cluster_name": "prod"}, "network": {"vpc_id": "vpc-1"}}
TERRAFORM = {"cluster_id": {"value": "j-TF", "type": "string", "sensitive": False},
             "log_uri": {"value": "s3://logs/", "type": "string"}}


def test_terraform_output_shape():
    assert parse_outputs(TERRAFORM) == {"cluster_id": "j-TF", "log_uri": "s3://logs/"}
    with pytest.raises(OutputsError, match="drop --stack"):
        parse_outputs(TERRAFORM, "x")


def test_cdktf_outputs_file_shape_needs_stack_when_ambiguous():
    assert parse_outputs(CDKTF, "emr-prod")["cluster_id"] == "j-PROD"
    with pytest.raises(OutputsError, match="emr-dev, emr-prod"):
        parse_outputs(CDKTF)
    assert parse_outputs({"only": {"cluster_id": "j-1"}, "net": {"vpc": "v"}})["cluster_id"] == "j-1"
    with pytest.raises(OutputsError, match="no stack 'nope'"):
        parse_outputs(CDKTF, "nope")


def test_outputs_file_errors(tmp_path):
    with pytest.raises(OutputsError, match="cannot read"):
        load_outputs(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(OutputsError, match="not JSON"):
        load_outputs(bad)


def test_cli_reads_cluster_id_from_cdktf_outputs(emr_stub, s3_stub, clock, tmp_path):
    (emr, stub), (s3, _) = emr_stub, s3_stub
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(CDKTF))
    stub.add_response("describe_cluster", cluster("TERMINATED", reason=("USER_REQUEST", "Terminated by user"),
                                                  cluster_id="j-PROD"), {"ClusterId": "j-PROD"})
    code, _, err = run_cli([str(EXAMPLE), "--outputs", str(outputs), "--stack", "emr-prod"], emr, s3, clock, tmp_path)
    assert code == cli.EXIT_CLUSTER_DIED and "USER_REQUEST" in err


def test_cli_finds_cluster_by_name(emr_stub, s3_stub, clock, tmp_path):
    (emr, stub), (s3, _) = emr_stub, s3_stub
    stub.add_response("list_clusters", {"Clusters": [{"Id": "j-N", "Name": "spark"}]},
                      {"ClusterStates": ["BOOTSTRAPPING", "RUNNING", "STARTING", "WAITING"]})
    stub.add_response("describe_cluster", cluster("TERMINATING", cluster_id="j-N"), {"ClusterId": "j-N"})
    code, _, _ = run_cli([str(EXAMPLE), "--cluster-name", "spark"], emr, s3, clock, tmp_path)
    assert code == cli.EXIT_CLUSTER_DIED


def test_cli_input_errors(emr_stub, s3_stub, clock, tmp_path):
    (emr, _), (s3, _) = emr_stub, s3_stub
    assert run_cli([str(EXAMPLE)], emr, s3, clock, tmp_path)[0] == cli.EXIT_BAD_INPUT
    assert run_cli([str(EXAMPLE), "--cluster-id", "j-1", "--cluster-name", "x"], emr, s3, clock, tmp_path)[0] == 2
    assert run_cli(["--resume", "nope"], emr, s3, clock, tmp_path)[0] == 2
    assert run_cli([str(EXAMPLE), "--cluster-id", "j-1", "--timeout", "soon"], emr, s3, clock, tmp_path)[0] == 2


def test_state_file_round_trip_is_atomic(tmp_path):
    path = tmp_path / "runs" / "r1.json"
    state = RunState("r1", "j-1", "/x/steps.yaml", "2026-11-25T12:00:00+00:00", {"a": ["s-1"]})
    save(state, path)
    state.step_ids["b"] = ["s-2"]
    save(state, path)
    assert load(path) == state
    assert sorted(p.name for p in path.parent.iterdir()) == ["r1.json"]
    path.write_text("{broken")
    with pytest.raises(ResumeError):
        load(path)


def sample_report():
    cause = ProbableCause("python", "ValueError: bad row", ("Traceback (most recent call last):",
                                                             '  File "job.py", line 3', "ValueError: bad row"))
    return RunReport("r1", "j-1", "STEP_FAILED", [
        StepResult("ingest", "s-1", "COMPLETED", "COMPLETED", 1, ["s-1"], at(0), at(1), at(3)),
        StepResult("report", "s-2", "FAILED", "FAILED", 2, ["s-2a", "s-2"], at(3), at(4), at(4.5),
                   FailureInfo("Unknown Error.", "exitCode 1", "s3://l/stderr.gz"), "s3://l/j-1/steps/s-2/", cause),
        StepResult("publish", None, "SKIPPED", None, note="dependency report did not complete"),
    ], exit_code=3)


def test_table_json_and_junit():
    report = sample_report()
    table = render_table(report)
    assert "ingest   s-1      COMPLETED  1      2026-11-25 12:01:00  2m00s" in table
    assert "probable cause (python): ValueError: bad row" in table
    assert "note: dependency report did not complete" in table
    data = to_dict(report)
    assert data["steps"][1]["failure_details"]["log_file"] == "s3://l/stderr.gz"
    assert data["steps"][1]["duration_seconds"] == 30.0
    json.dumps(data)
    suite = ET.fromstring(to_junit(report).split("?>", 1)[1])
    assert suite.get("tests") == "3" and suite.get("failures") == "1" and suite.get("skipped") == "1"
    failure = suite.find("testcase[@name='report']/failure")
    assert failure.get("message") == "ValueError: bad row" and "exitCode 1" in failure.text
