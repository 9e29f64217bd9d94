"""boto3's own EMR waiters (botocore's emr waiters-2.json), unchanged but for their delay, against the emulator:
cluster_running, step_complete and cluster_terminated succeed on the states EMR reaches, and step_complete fails
on a failed step as its acceptors say ("failure" on FAILED). Airflow's EmrHook and `add_job_flow_steps(
wait_for_completion=True)` use the same waiters."""
from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import WaiterError

from .conftest import shell_step

pytestmark = pytest.mark.integration  # an HTTP server and step processes

FAST = {"Delay": 1, "MaxAttempts": 30}


def test_the_waiters_follow_a_cluster_and_its_steps(emr: Any) -> None:
    cluster_id = emr.run_job_flow(
        Name="waiters", ReleaseLabel="emr-7.5.0", JobFlowRole="EMR_EC2_DefaultRole", ServiceRole="EMR_DefaultRole",
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
    )["JobFlowId"]
    emr.get_waiter("cluster_running").wait(ClusterId=cluster_id, WaiterConfig=FAST)
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] in ("RUNNING", "WAITING")

    ok, bad = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[
        shell_step("echo fine", "ok"), shell_step("exit 3", "bad")])["StepIds"]
    emr.get_waiter("step_complete").wait(ClusterId=cluster_id, StepId=ok, WaiterConfig=FAST)
    with pytest.raises(WaiterError, match="terminal failure state"):
        emr.get_waiter("step_complete").wait(ClusterId=cluster_id, StepId=bad, WaiterConfig=FAST)

    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    emr.get_waiter("cluster_terminated").wait(ClusterId=cluster_id, WaiterConfig=FAST)
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == "TERMINATED"
