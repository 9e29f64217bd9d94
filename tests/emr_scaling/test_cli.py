"""`emr-scaling simulate` as a user runs it: table, --json, --compare, --chart, policy files, and bad input (one
line naming the field, exit 2, never a traceback)."""
from __future__ import annotations

import io
import json
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from emr_scaling.cli import EXIT_BAD_INPUT, main

ROOT = Path(__file__).resolve().parents[2]
DAY = str(ROOT / "examples" / "workload-day.yaml")
SMALL = {"name": "small", "applications": [
    {"name": "burst", "start": "00:10", "executors": {"min": 1, "max": 40}, "executor_memory": "8g",
     "executor_cores": 4, "work": "10h"}]}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def small(tmp_path) -> str:
    path = tmp_path / "small.json"
    path.write_text(json.dumps(SMALL))
    return str(path)


def test_the_console_script_is_installed():
    assert any(e.name == "emr-scaling" and e.value == "emr_scaling.cli:main"
               for e in entry_points(group="console_scripts"))


def test_table(synthesized, small):
    code, out, err = run("simulate", str(synthesized / "emr-autoscaling"), "--workload", small)
    assert code == 0, err
    assert out.startswith("emr-autoscaling: cluster spark-autoscaling, custom automatic scaling core 3-8, task 0-16")
    for section in ("SUMMARY", "TIMELINE", "EVENTS"):
        assert f"\n{section}" in out
    assert "scale_out" in out and "scale-out-pending-containers" in out and "$" in out


def test_json_shape(synthesized, small):
    code, out, _ = run("simulate", str(synthesized / "emr-production"), "--workload", small, "--json")
    doc = json.loads(out)
    assert code == 0 and {"timeline", "events", "summary"} <= set(doc)
    assert {"cost_usd", "node_hours", "pending_memory_mb_minutes"} <= set(doc["summary"])
    event = next(e for e in doc["events"] if e["action"] == "scale_out")
    assert {"time_seconds", "group", "action", "from", "to", "rule"} <= set(event)
    row = doc["timeline"][0]
    assert {"time_seconds", "groups", "yarn", "hdfs", "metrics", "alarms"} <= set(row)
    assert doc["timeline"][1]["time_seconds"] - row["time_seconds"] == 60


def test_compare_and_a_policy_file(synthesized, small, tmp_path):
    eager = {"Constraints": {"MinCapacity": 0, "MaxCapacity": 16}, "Rules": [{
        "Name": "out-fast", "Action": {"SimpleScalingPolicyConfiguration": {"ScalingAdjustment": 4, "CoolDown": 60}},
        "Trigger": {"CloudWatchAlarmDefinition": {"ComparisonOperator": "GREATER_THAN", "MetricName":
                                                  "ContainerPendingRatio", "Period": 300, "Threshold": 0.5}}}]}
    policy = tmp_path / "eager.json"
    policy.write_text(json.dumps(eager))
    chart = tmp_path / "c.svg"
    auto = str(synthesized / "emr-autoscaling")
    code, out, err = run("simulate", auto, "--workload", small, "--compare", f"{auto},task={policy}",
                         str(synthesized / "emr-production"), "--chart", str(chart))
    assert code == 0, err
    assert "3 clusters compared" in out and "emr-autoscaling (task policy)" in out
    assert chart.read_text().startswith("<?xml") and f"chart written to {chart}" in err
    code, out, _ = run("simulate", auto, "--workload", small, "--compare", f"{auto},task={policy}", "--json")
    runs = json.loads(out)["compare"]
    waited = [r["summary"]["pending_memory_mb_minutes"] for r in runs]
    assert waited[1] < waited[0]  # adding 4 nodes a minute after the alarm leaves less demand waiting


def test_a_stack_without_scaling_is_simulated_at_its_size(synthesized, small):
    code, out, err = run("simulate", str(synthesized / "emr-minimal"), "--workload", small)
    assert code == 0 and "has no scaling policy: simulated at its fixed size" in err
    assert "scaling activities  0" in out


def test_an_undocumented_instance_type_is_a_warning_with_the_assumption(synthesized, small, tmp_path):
    doc = json.loads((synthesized / "emr-minimal" / "cdk.tf.json").read_text())
    cluster = next(iter(doc["resource"]["aws_emr_cluster"].values()))
    cluster["core_instance_group"][0]["instance_type"] = "m5.large"
    path = tmp_path / "cdk.tf.json"
    path.write_text(json.dumps(doc))
    code, _, err = run("simulate", str(path), "--workload", small, "--no-cost")
    assert code == 0
    assert "m5.large is not in EMR's task-configuration table: assumed 6144 MiB" in err


def test_from_run(synthesized, tmp_path):
    report = {"run_id": "r1", "steps": [{"name": "etl", "started": "2026-11-02T01:00:00+00:00",
                                         "ended": "2026-11-02T01:20:00+00:00",
                                         "command": ["spark-submit", "--deploy-mode", "cluster", "--num-executors",
                                                     "12", "--conf", "spark.dynamicAllocation.enabled=false",
                                                     "s3://b/etl.py"]}]}
    path = tmp_path / "run.json"
    path.write_text(json.dumps(report))
    code, out, err = run("simulate", str(synthesized / "emr-production"), "--from-run", str(path), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["workload"]["name"] == "run r1" and doc["applications"][0]["state"] == "FINISHED"


@pytest.mark.parametrize("edit,message", [
    ({"applications": [{"name": "a", "start": 0, "executors": 1, "duration": "5m", "colour": "red"}]},
     "applications[0].colour: unknown field"),
    ({"applications": [{"name": "a", "start": 0, "executors": 1, "duration": "-5m"}]},
     "applications[0].duration: '-5m': must be a positive duration"),
    ({"applications": [{"name": "a", "start": 0, "executors": 1, "work": "1h", "duration": "5m"}]},
     "applications[0]: needs exactly one of duration"),
])
def test_bad_workloads(synthesized, tmp_path, edit, message):
    path = tmp_path / "w.json"
    path.write_text(json.dumps(edit))
    code, out, err = run("simulate", str(synthesized / "emr-production"), "--workload", str(path))
    assert code == EXIT_BAD_INPUT and out == ""
    assert err.startswith(f"emr-scaling: {message}") and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("args,message", [
    (["nowhere"], "STACK: 'nowhere': is neither a file nor a stack under cdktf.out/stacks"),
    (["STACK", "--model", "speed=fast"], "--model speed=fast: expected NAME=VALUE"),
    (["STACK", "--model", "provisioning_seconds=soon"], "--model provisioning_seconds: 'soon'"),
    (["STACK", "--chart", "c.jpg"], "--chart: 'c.jpg': must end in .png, .svg, .html"),
    (["STACK", "--every", "often"], "--every: 'often'"),
    (["STACK,task=/no/such.json"], "cannot be read"),
    (["STACK,core"], "expected GROUP=POLICY.json"),
    (["STACK,nosuch=POLICY"], "no core or task group of that name"),
    (["STACK,managed=MANAGED"], "managed scaling and custom automatic scaling policies on the same cluster"),
])
def test_bad_arguments(synthesized, small, tmp_path, args, message):
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"Constraints": {"MinCapacity": 0, "MaxCapacity": 2}, "Rules": []}))
    managed = tmp_path / "m.json"
    managed.write_text(json.dumps({"ComputeLimits": {"UnitType": "Instances", "MinimumCapacityUnits": 1,
                                                     "MaximumCapacityUnits": 9}}))
    stack = str(synthesized / "emr-autoscaling")
    argv = [a.replace("STACK", stack).replace("POLICY", str(policy)).replace("MANAGED", str(managed)) for a in args]
    code, _, err = run("simulate", *argv, "--workload", small)
    assert code == EXIT_BAD_INPUT and message in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_bad_policy_file_names_its_field(synthesized, small, tmp_path):
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"Constraints": {"MinCapacity": 3, "MaxCapacity": 2}, "Rules": []}))
    code, _, err = run("simulate", f"{synthesized / 'emr-autoscaling'},task={policy}", "--workload", small)
    assert code == EXIT_BAD_INPUT and "task.Constraints.MinCapacity: 3: must not exceed MaxCapacity (2)" in err


def test_the_example_day_through_every_shipped_stack(synthesized):
    for name in ("emr-autoscaling", "emr-production", "emr-fleets", "emr-minimal"):
        code, out, err = run("simulate", str(synthesized / name), "--workload", DAY, "--json", "--no-cost")
        assert code == 0, (name, err)
        assert json.loads(out)["summary"]["applications"]


def test_a_terraform_plan_is_simulated_like_its_stack(synthesized, small, tmp_path):
    """`terraform show -json` keeps the policy and configurations as strings, as cdk.tf.json does."""
    doc = json.loads((synthesized / "emr-autoscaling" / "cdk.tf.json").read_text())
    cluster = next(iter(doc["resource"]["aws_emr_cluster"].values()))
    task = next(iter(doc["resource"]["aws_emr_instance_group"].values()))
    values = {k: v for k, v in cluster.items() if not k.startswith("//") and k not in ("depends_on", "lifecycle")}
    task_values = {k: v for k, v in task.items() if k in ("autoscaling_policy", "instance_count", "instance_type",
                                                          "name", "ebs_config")}
    plan = {"planned_values": {"root_module": {"resources": [
        {"address": "aws_emr_cluster.c", "mode": "managed", "type": "aws_emr_cluster", "values": values},
        {"address": "aws_emr_instance_group.t", "mode": "managed", "type": "aws_emr_instance_group",
         "values": task_values}]}},
        "configuration": {"provider_config": {"aws": {"expressions": {"region": {"constant_value": "eu-west-1"}}}},
                          "root_module": {"resources": [{"address": "aws_emr_instance_group.t",
                                                         "type": "aws_emr_instance_group", "expressions": {
                                                             "cluster_id": {"references": ["aws_emr_cluster.c.id",
                                                                                           "aws_emr_cluster.c"]}}}]}}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    code, out, err = run("simulate", str(path), "--workload", small, "--json", "--no-cost")
    from_stack = json.loads(run("simulate", str(synthesized / "emr-autoscaling"), "--workload", small, "--json",
                                "--no-cost")[1])
    assert code == 0, err
    doc = json.loads(out)
    assert doc["scaling"] == "custom automatic scaling core 3-8, task 0-16"
    assert doc["events"] == from_stack["events"] and doc["summary"] == from_stack["summary"]
