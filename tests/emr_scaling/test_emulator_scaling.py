"""The emulator scales (local_emr/cluster/scaling.py): emr-autoscaling's task policy on an emulated cluster, a burst of
spark-submit steps, and the group scaling out and back in, seen through the EMR and CloudWatch APIs alone; then
`emr-scaling report` draws it and `simulate --from-cluster` replays it under emr-production's policy.

Real spark-submit processes (a job that only waits: the demand is read from the command line), at clock factor
300: a five-minute period passes in a second, a six-minute provisioning in 1.2 s. About 25 s.
"""
from __future__ import annotations

import io
import json
import shutil
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from local_emr import LocalEmr
from local_emr.steps.command import find_spark_submit

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs java on PATH"),
    pytest.mark.skipif(find_spark_submit() is None, reason="no spark-submit found"),
]

FACTOR = 300.0
FAKE = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
HOLD = "import sys, time\ntime.sleep(float(sys.argv[1]))\n"
BUCKET = "emulator-scaling-jobs"


def _burst(seconds: float) -> list[dict[str, Any]]:
    """Two steps of 20 executors of 8 GiB each: far more than 3 r5.xlarge core nodes' 72 GiB of YARN memory."""
    args = ["spark-submit", "--deploy-mode", "cluster", "--conf", "spark.dynamicAllocation.enabled=false",
            "--num-executors", "20", "--executor-memory", "8g", f"s3://{BUCKET}/hold.py", str(seconds)]
    return [{"Name": f"burst-{i}", "ActionOnFailure": "CONTINUE",
             "HadoopJarStep": {"Jar": "command-runner.jar", "Args": args}} for i in range(2)]


def _task_policy(synthesized: Path) -> dict[str, Any]:
    doc = json.loads((synthesized / "emr-autoscaling" / "cdk.tf.json").read_text())
    group = next(iter(doc["resource"]["aws_emr_instance_group"].values()))
    return json.loads(group["autoscaling_policy"])


@pytest.fixture(scope="module")
def scaled(synthesized: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    with LocalEmr(port=0, boot_seconds=0.05, bootstrap_seconds=0.05, terminate_seconds=0.05, tick_seconds=0.02,
                  kill_grace_seconds=1.0, clock_factor=FACTOR) as emu:
        emr = boto3.client("emr", endpoint_url=emu.endpoint_url, **FAKE)
        cloudwatch = boto3.client("cloudwatch", endpoint_url=emu.endpoint_url, **FAKE)
        s3 = boto3.client("s3", endpoint_url=emu.endpoint_url, **FAKE)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="hold.py", Body=HOLD.encode())
        cluster_id = emr.run_job_flow(
            Name="scaling", ReleaseLabel="emr-6.15.0", JobFlowRole="r", ServiceRole="s", StepConcurrencyLevel=4,
            Instances={"KeepJobFlowAliveWhenNoSteps": True, "InstanceGroups": [
                {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                {"InstanceRole": "CORE", "InstanceType": "r5.xlarge", "InstanceCount": 3, "Name": "core"},
                {"InstanceRole": "TASK", "InstanceType": "r5.2xlarge", "InstanceCount": 0, "Name": "task"}]},
        )["JobFlowId"]
        task = next(g for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]
                    if g["InstanceGroupType"] == "TASK")
        put = emr.put_auto_scaling_policy(ClusterId=cluster_id, InstanceGroupId=task["Id"],
                                          AutoScalingPolicy=_task_policy(synthesized))
        seen: dict[str, Any] = {"put": put["AutoScalingPolicy"]["Status"]["State"], "groups": [], "alarms": set()}
        while emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] != "WAITING":
            time.sleep(0.05)
        started = time.monotonic()
        emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=_burst(8))
        while time.monotonic() - started < 40:
            group = next(g for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]
                         if g["Id"] == task["Id"])
            state = (group["Status"]["State"], group["RequestedInstanceCount"], group["RunningInstanceCount"],
                     group["AutoScalingPolicy"]["Status"]["State"])
            if not seen["groups"] or seen["groups"][-1] != state:
                seen["groups"].append(state)
            seen["alarms"] |= {(a["AlarmName"], a["StateValue"]) for a in cloudwatch.describe_alarms()["MetricAlarms"]}
            steps = emr.list_steps(ClusterId=cluster_id)["Steps"]
            if all(s["Status"]["State"] == "COMPLETED" for s in steps) and state[:3] == ("RUNNING", 0, 0) \
                    and len(seen["groups"]) > 2:
                break
            time.sleep(0.1)
        listed = lambda: emr.list_instances(ClusterId=cluster_id, InstanceGroupId=task["Id"])["Instances"]  # noqa: E731
        deadline = time.monotonic() + 2  # a decommissioned node bills until its instance ends (termination_seconds)
        while any(i["Status"]["State"] != "TERMINATED" for i in listed()) and time.monotonic() < deadline:
            time.sleep(0.05)
        seen.update(cluster_id=cluster_id, task=task["Id"], emr=emr, cloudwatch=cloudwatch, emu=emu,
                    instances=listed(), steps=[s["Status"]["State"] for s in emr.list_steps(ClusterId=cluster_id)["Steps"]])
        yield seen


def test_the_policy_is_pending_then_attached(scaled):
    assert scaled["put"] == "PENDING"
    assert {g[3] for g in scaled["groups"]} == {"ATTACHED"}


def test_the_task_group_scales_out_and_back_in(scaled):
    groups = scaled["groups"]
    assert scaled["steps"] == ["COMPLETED", "COMPLETED"]
    resizing = [g for g in groups if g[0] == "RESIZING"]
    assert resizing and any(requested > running for _, requested, running, _ in resizing)
    peak = max(requested for _, requested, _, _ in groups)
    assert peak >= 2 and groups[-1][:3] == ("RUNNING", 0, 0)
    ups = [g[1] for g in groups if g[0] == "RESIZING"]
    assert ups[:2] == [1, 2]  # one node per rule invocation (ScalingAdjustment 1), as the policy says


def test_metrics_and_alarms_are_in_cloudwatch(scaled):
    cw, cluster_id = scaled["cloudwatch"], scaled["cluster_id"]
    points = cw.get_metric_statistics(
        Namespace="AWS/ElasticMapReduce", MetricName="ContainerPendingRatio",
        Dimensions=[{"Name": "JobFlowId", "Value": cluster_id}], StartTime=time.time() - 300,
        EndTime=time.time() + 10, Period=1, Statistics=["Average"])["Datapoints"]
    values = [p["Average"] for p in sorted(points, key=lambda p: p["Timestamp"])]
    assert max(values) > 0.75 and values[-1] == 0
    names = {name for name, _ in scaled["alarms"]}
    assert {f"{cluster_id}-{scaled['task']}-{rule}_EMR_Auto_Scaling" for rule in
            ("scale-out-yarn-memory", "scale-out-pending-containers", "scale-in-yarn-memory")} == names
    assert any(name.endswith("scale-out-pending-containers_EMR_Auto_Scaling") and state == "ALARM"
               for name, state in scaled["alarms"])
    assert any(name.endswith("scale-in-yarn-memory_EMR_Auto_Scaling") and state == "ALARM"
               for name, state in scaled["alarms"])


def test_list_instances_follows_the_resizes(scaled):
    instances = scaled["instances"]
    assert len(instances) >= 2 and {i["Status"]["State"] for i in instances} == {"TERMINATED"}
    for i in instances:
        t = i["Status"]["Timeline"]
        assert t["CreationDateTime"] < t["ReadyDateTime"] < t["EndDateTime"]


def test_a_resize_by_hand_goes_through_the_model(scaled):
    emr, cluster_id, task = scaled["emr"], scaled["cluster_id"], scaled["task"]
    emr.modify_instance_groups(ClusterId=cluster_id, InstanceGroups=[{"InstanceGroupId": task, "InstanceCount": 1}])
    group = lambda: next(g for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]  # noqa: E731
                         if g["Id"] == task)
    deadline = time.monotonic() + 5
    states = set()
    while time.monotonic() < deadline:
        g = group()
        states.add((g["Status"]["State"], g["RequestedInstanceCount"], g["RunningInstanceCount"]))
        if ("RUNNING", 1, 1) in states:
            break
        time.sleep(0.05)
    assert ("RESIZING", 1, 0) in states and ("RUNNING", 1, 1) in states


def test_report_and_replay_of_the_emulated_cluster(scaled, synthesized, monkeypatch, tmp_path):
    from emr_scaling.cli import main

    monkeypatch.setenv("AWS_ENDPOINT_URL", scaled["emu"].endpoint_url)
    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(key, value)
    out, err = io.StringIO(), io.StringIO()
    chart = tmp_path / "ran.png"
    code = main(["report", scaled["cluster_id"], "--clock-factor", str(FACTOR), "--chart", str(chart),
                 "--every", "5m"], out=out, err=err)
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert "custom automatic scaling task 0-16" in text and "scale_out    0->1" in text and "scale_in" in text
    assert chart.read_bytes()[:4] == b"\x89PNG"
    out, err = io.StringIO(), io.StringIO()
    code = main(["simulate", str(synthesized / "emr-production"), "--from-cluster", scaled["cluster_id"],
                 "--clock-factor", str(FACTOR), "--json"], out=out, err=err)
    assert code == 0, err.getvalue()
    doc = json.loads(out.getvalue())
    assert [run["label"] for run in doc["compare"]] == [f"{scaled['cluster_id']} as it ran", "emr-production"]
    (difference,) = doc["difference"]
    assert difference["cost_usd"] is not None
    assert difference["pending_memory_mb_minutes"] < 0  # managed scaling adds the shortfall at once: less waits
