"""End to end on the emulator: a real `emr-steps` run reports what the run cost and each step's share, and
`emr-cost cluster` prices the cluster's life; both agree with a recomputation from ListInstances and
ListSteps made here another way (millisecond by millisecond, in floats) with the bundled snapshot's prices.

About 5 s: three steps of a stand-in spark-submit that sleeps 1 s, two at a time.
"""

from __future__ import annotations

import calendar
import io
import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest

from emr_cost.cli import main
from emr_cost.snapshot import SnapshotPriceBook
from emr_cost.timelines import root_volume
from step_runner import cli

from .conftest import FAKE, cluster_state, wait_for

pytestmark = pytest.mark.integration
STAND_IN = "#!/bin/sh\nsleep 1\nexit 0\n"


def _ms(dt: datetime) -> int:
    return round(dt.timestamp() * 1000)


def recompute(emr: Any, cluster_id: str, start_ms: int, end_ms: int, names: dict[str, str]) -> tuple[float, dict]:
    """Total and shares over [start_ms, end_ms), one millisecond at a time: each millisecond costs what the
    instances alive in it cost (EC2 + EMR fee per hour, root and attached EBS per 30-day month) and is
    split equally among the steps running in it; plus the rest of the minute of an instance that started in
    the window and lived less than one."""
    book = SnapshotPriceBook.load()
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    groups = {g["Id"]: g for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]}
    root = root_volume(cluster)
    lives = []
    for inst in emr.list_instances(ClusterId=cluster_id)["Instances"]:
        t = inst["Status"]["Timeline"]
        market = inst["Market"]
        hourly = float(book.ec2_hourly("us-east-1", inst["InstanceType"], market).usd
                       + book.emr_fee_hourly("us-east-1", inst["InstanceType"]).usd)
        sizes = [root.size_gib] + [d["VolumeSpecification"]["SizeInGB"]
                                   for d in groups[inst["InstanceGroupId"]].get("EbsBlockDevices", [])]
        monthly = sum(sizes) * float(book.ebs_monthly("us-east-1", "gp3").usd)  # every volume here is gp3
        today = datetime.now(timezone.utc)
        days = calendar.monthrange(today.year, today.month)[1]  # EBS: per month, prorated over its days
        per_ms = hourly / 3_600_000 + monthly / (days * 86_400_000)
        lives.append((_ms(t["CreationDateTime"]), _ms(t["EndDateTime"]) if "EndDateTime" in t else end_ms, per_ms))
    minimum = sum((60_000 - (hi - lo)) * rate for lo, hi, rate in lives if start_ms <= lo < end_ms and hi - lo < 60_000)
    spans = []
    for step in emr.list_steps(ClusterId=cluster_id)["Steps"]:
        t = step["Status"]["Timeline"]
        if step["Id"] in names and "StartDateTime" in t:
            spans.append((names[step["Id"]], _ms(t["StartDateTime"]), _ms(t["EndDateTime"])))
    total, shares = minimum, {name: 0.0 for name in names.values()}
    for ms in range(start_ms, end_ms):
        cost = sum(rate for lo, hi, rate in lives if lo <= ms < hi)
        total += cost
        running = [name for name, lo, hi in spans if lo <= ms < hi]
        for name in running:
            shares[name] += cost / len(running)
    return total, shares


def test_a_run_reports_its_cost_and_each_step_share(emulator: Any, emr: Any, tmp_path: Path,
                                                    monkeypatch: Any) -> None:
    stand_in = tmp_path / "spark-submit"
    stand_in.write_text(STAND_IN)
    stand_in.chmod(0o755)
    monkeypatch.setenv("LOCAL_EMR_SPARK_SUBMIT", str(stand_in))
    groups = [{"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
              {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2, "Market": "SPOT",
               "EbsConfiguration": {"EbsBlockDeviceConfigs": [
                   {"VolumeSpecification": {"VolumeType": "gp3", "SizeInGB": 64}, "VolumesPerInstance": 1}]}}]
    cluster_id = emr.run_job_flow(
        Name="le-cost", ReleaseLabel="emr-7.5.0", JobFlowRole="EMR_EC2_DefaultRole", ServiceRole="EMR_DefaultRole",
        StepConcurrencyLevel=2, Instances={"InstanceGroups": groups, "KeepJobFlowAliveWhenNoSteps": True})["JobFlowId"]
    wait_for(lambda: cluster_state(emr, cluster_id) == "WAITING")
    spec = tmp_path / "steps.yaml"
    spec.write_text("defaults: {deploy_mode: client}\nsteps:\n  - {name: a, entry_point: job.py}\n"
                    "  - {name: b, entry_point: job.py}\n  - {name: c, entry_point: job.py, depends_on: [a, b]}\n")
    env = dict(AWS_ENDPOINT_URL=emulator.endpoint_url, AWS_ACCESS_KEY_ID=FAKE["aws_access_key_id"],
               AWS_SECRET_ACCESS_KEY=FAKE["aws_secret_access_key"], AWS_DEFAULT_REGION=FAKE["region_name"])
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # The real CLI in this process, its polls 0.1 s apart (the runner waits 5 s after a submission).
    out, err = io.StringIO(), io.StringIO()
    deps = cli.Deps(make_clients=lambda region, profile: (boto3.client("emr", endpoint_url=emulator.endpoint_url, **FAKE),
                                                          boto3.client("s3", endpoint_url=emulator.endpoint_url, **FAKE)),
                    sleep=lambda seconds: time.sleep(min(seconds, 0.1)), stdout=out, stderr=err, install_signals=False)
    code = cli.main([str(spec), "--cluster-id", cluster_id, "--run-id", "costed", "--json", "--no-logs", "-q",
                     "--state-dir", str(tmp_path / "state")], deps)
    assert code == 0, err.getvalue()[-3000:]
    report = json.loads(out.getvalue())
    cost = report["cost"]
    assert "unavailable" not in cost, cost
    names = {s["step_id"]: s["name"] for s in report["steps"]}
    first = min(datetime.fromisoformat(s["created"]) for s in report["steps"])
    last = max(datetime.fromisoformat(s["ended"]) for s in report["steps"])
    assert (cost["window"]["start"], cost["window"]["end"]) == (first.isoformat(), last.isoformat())
    total, shares = recompute(emr, cluster_id, _ms(first), _ms(last), names)
    assert cost["total_usd"] == pytest.approx(total, abs=2e-6)
    assert cost["steps"] == pytest.approx(shares, abs=2e-6)
    assert cost["total_usd"] == pytest.approx(sum(cost["steps"].values()) + cost["idle_usd"], abs=2e-6)
    assert cost["split"]["spot"]["ec2"] > 0 and cost["split"]["on_demand"]["ebs"] > 0 and cost["instances"] == 3
    assert cost["prices"].startswith("bundled price snapshot price_snapshot.json")

    # emr-cost cluster: the same code over the cluster's life so far (its end is now; it still runs).
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    wait_for(lambda: cluster_state(emr, cluster_id) == "TERMINATED")
    out = io.StringIO()
    assert main(["cluster", cluster_id, "--json"], out=out) == 0
    life = json.loads(out.getvalue())
    timeline = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["Timeline"]
    start, end = _ms(timeline["CreationDateTime"]), _ms(timeline["EndDateTime"])
    total, _ = recompute(emr, cluster_id, start, end, {})
    assert life["total_usd"] == pytest.approx(total, abs=2e-6) and life["total_usd"] > cost["total_usd"]
    assert len(life["steps"]) == 3
