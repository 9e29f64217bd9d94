"""Cluster lifecycle through boto3: boot phases, RUNNING while steps run, termination."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local_emr import LocalEmr

from .conftest import FAKE, cluster_state, shell_step, wait_for, wait_step

pytestmark = pytest.mark.integration  # the emulator's server, in real time


def test_cluster_boots_through_starting_and_bootstrapping() -> None:
    with LocalEmr(port=0, boot_seconds=0.3, bootstrap_seconds=0.3, tick_seconds=0.02) as slow:
        emr = boto3.client("emr", endpoint_url=slow.endpoint_url, **FAKE)
        cluster_id = emr.run_job_flow(
            Name="boot", ReleaseLabel="emr-7.5.0", JobFlowRole="r", ServiceRole="s",
            Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1,
                       "KeepJobFlowAliveWhenNoSteps": True})["JobFlowId"]
        seen = [cluster_state(emr, cluster_id)]
        while seen[-1] != "WAITING":
            time.sleep(0.03)
            state = cluster_state(emr, cluster_id)
            if state != seen[-1]:
                seen.append(state)
        assert seen == ["STARTING", "BOOTSTRAPPING", "WAITING"]
        cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
        assert cluster["Status"]["Timeline"]["ReadyDateTime"]
        assert cluster["InstanceCollectionType"] == "INSTANCE_GROUP"


def test_cluster_is_running_while_a_step_runs_then_waiting(emr: Any, make_cluster: Any, tmp_path: Any) -> None:
    cluster_id = make_cluster()
    gate = tmp_path / "go"
    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[
        shell_step(f"while [ ! -e {gate} ]; do sleep 0.02; done")])["StepIds"][0]
    wait_for(lambda: cluster_state(emr, cluster_id) == "RUNNING")
    gate.touch()
    assert wait_step(emr, cluster_id, step_id)["State"] == "COMPLETED"
    wait_for(lambda: cluster_state(emr, cluster_id) == "WAITING")


def test_terminate_goes_through_terminating_and_ends_instances(emr: Any, make_cluster: Any) -> None:
    groups = [{"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
              {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2}]
    cluster_id = make_cluster(Instances={"InstanceGroups": groups, "KeepJobFlowAliveWhenNoSteps": True})
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    # TERMINATING lasts this fixture's 0.05 s, so a loaded machine may first see TERMINATED; the phase's length
    # is tested on a ticked clock (test_le_lifecycle_clock.py).
    assert cluster_state(emr, cluster_id) in ("TERMINATING", "TERMINATED")
    wait_for(lambda: cluster_state(emr, cluster_id) == "TERMINATED")
    status = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]
    assert status["StateChangeReason"]["Code"] == "USER_REQUEST"
    assert status["Timeline"]["EndDateTime"]
    instances = emr.list_instances(ClusterId=cluster_id)["Instances"]
    assert len(instances) == 3 and {i["Status"]["State"] for i in instances} == {"TERMINATED"}
    with pytest.raises(ClientError, match="may not be modified"):
        emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[shell_step("true")])


def test_auto_terminate_after_last_step(emr: Any, make_cluster: Any) -> None:
    cluster_id = make_cluster(wait=False, Steps=[shell_step("true")],
                              Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1,
                                         "KeepJobFlowAliveWhenNoSteps": False})
    wait_for(lambda: cluster_state(emr, cluster_id) == "TERMINATED")
    status = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]
    assert status["StateChangeReason"]["Code"] == "ALL_STEPS_COMPLETED"
    assert emr.list_steps(ClusterId=cluster_id)["Steps"][0]["Status"]["State"] == "COMPLETED"


def test_termination_protection_blocks_terminate(emr: Any, make_cluster: Any) -> None:
    cluster_id = make_cluster()
    emr.set_termination_protection(JobFlowIds=[cluster_id], TerminationProtected=True)
    with pytest.raises(ClientError, match="termination protected"):
        emr.terminate_job_flows(JobFlowIds=[cluster_id])
    assert cluster_state(emr, cluster_id) == "WAITING"
    emr.set_termination_protection(JobFlowIds=[cluster_id], TerminationProtected=False)


def test_failed_step_with_terminate_cluster_ends_with_errors(emr: Any, make_cluster: Any) -> None:
    cluster_id = make_cluster()
    ids = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[
        shell_step("exit 3", "boom", on_failure="TERMINATE_CLUSTER"), shell_step("true", "never")])["StepIds"]
    wait_for(lambda: cluster_state(emr, cluster_id) == "TERMINATED_WITH_ERRORS")
    status = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]
    assert status["StateChangeReason"]["Code"] == "STEP_FAILURE"
    assert [wait_step(emr, cluster_id, i)["State"] for i in ids] == ["FAILED", "CANCELLED"]


def test_idle_timeout_from_auto_termination_policy(emr: Any, make_cluster: Any) -> None:
    cluster_id = make_cluster(AutoTerminationPolicy={"IdleTimeout": 1})
    wait_for(lambda: cluster_state(emr, cluster_id) == "TERMINATED", timeout=5)
