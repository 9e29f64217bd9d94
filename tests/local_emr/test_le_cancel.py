"""CancelSteps and shutdown: signals reach the whole step process tree, nothing is left running."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest

from local_emr import LocalEmr

from .conftest import FAKE, shell_step, step_status, wait_for, wait_step

pytestmark = pytest.mark.integration  # steps run as processes on the emulator's server


def _gone(pid: int) -> bool:
    """No such process, or only a zombie waiting for its (re)parent to reap it."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _tree_step(pid_file: Any, ignore_term: bool = False) -> dict[str, Any]:
    """bash with a child ``sleep``; writes both pids, optionally ignoring SIGTERM."""
    trap = "trap '' TERM; " if ignore_term else ""
    return shell_step(f"{trap}sleep 60 & echo $$ $! > {pid_file}.tmp; mv {pid_file}.tmp {pid_file}; wait", "tree")


def _pids(pid_file: Any) -> list[int]:
    wait_for(pid_file.exists)
    return [int(p) for p in pid_file.read_text().split()]


def test_cancel_pending_step(emr: Any, make_cluster: Any, tmp_path: Any) -> None:
    cluster_id = make_cluster()
    gate = tmp_path / "go"
    first, second = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[
        shell_step(f"while [ ! -e {gate} ]; do sleep 0.02; done"), shell_step("echo never")])["StepIds"]
    assert step_status(emr, cluster_id, second)["State"] == "PENDING"
    info = emr.cancel_steps(ClusterId=cluster_id, StepIds=[second])["CancelStepsInfoList"]
    assert info == [{"StepId": second, "Status": "SUBMITTED"}]  # a Reason only when it FAILED
    assert step_status(emr, cluster_id, second)["State"] == "CANCELLED"
    gate.touch()
    assert wait_step(emr, cluster_id, first)["State"] == "COMPLETED"
    assert step_status(emr, cluster_id, second)["State"] == "CANCELLED"


def test_cancel_running_step_with_send_interrupt(emr: Any, make_cluster: Any, tmp_path: Any) -> None:
    cluster_id = make_cluster()
    pid_file = tmp_path / "pids"
    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[_tree_step(pid_file)])["StepIds"][0]
    pids = _pids(pid_file)
    emr.cancel_steps(ClusterId=cluster_id, StepIds=[step_id], StepCancellationOption="SEND_INTERRUPT")
    assert wait_step(emr, cluster_id, step_id)["State"] == "CANCELLED"
    wait_for(lambda: all(_gone(p) for p in pids), timeout=5)


def test_cancel_running_step_with_terminate_process(emr: Any, make_cluster: Any, tmp_path: Any) -> None:
    cluster_id = make_cluster()
    pid_file = tmp_path / "pids"
    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id,
                                     Steps=[_tree_step(pid_file, ignore_term=True)])["StepIds"][0]
    pids = _pids(pid_file)
    emr.cancel_steps(ClusterId=cluster_id, StepIds=[step_id], StepCancellationOption="TERMINATE_PROCESS")
    assert wait_step(emr, cluster_id, step_id)["State"] == "CANCELLED"
    wait_for(lambda: all(_gone(p) for p in pids), timeout=5)


def test_cancel_of_finished_or_unknown_step_reports_failure(emr: Any, make_cluster: Any) -> None:
    cluster_id = make_cluster()
    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[shell_step("true")])["StepIds"][0]
    wait_step(emr, cluster_id, step_id)
    infos = emr.cancel_steps(ClusterId=cluster_id, StepIds=[step_id, "s-NOPE"])["CancelStepsInfoList"]
    assert [i["Status"] for i in infos] == ["FAILED", "FAILED"]


def test_terminating_the_cluster_kills_running_steps(emr: Any, make_cluster: Any, tmp_path: Any) -> None:
    cluster_id = make_cluster()
    pid_file = tmp_path / "pids"
    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[_tree_step(pid_file)])["StepIds"][0]
    pids = _pids(pid_file)
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    # a user's termination interrupts the running step (step_model.StepBook.end_state_for)
    assert wait_step(emr, cluster_id, step_id)["State"] == "INTERRUPTED"
    wait_for(lambda: emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == "TERMINATED")
    assert all(_gone(p) for p in pids)


def test_stopping_the_emulator_leaves_no_process_behind(tmp_path: Any) -> None:
    pid_file = tmp_path / "pids"
    with LocalEmr(port=0, boot_seconds=0, bootstrap_seconds=0, kill_grace_seconds=0.5) as local:
        emr = boto3.client("emr", endpoint_url=local.endpoint_url, **FAKE)
        emr.run_job_flow(
            Name="stop", ReleaseLabel="emr-7.5.0", JobFlowRole="r", ServiceRole="s",
            Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
            Steps=[_tree_step(pid_file, ignore_term=True)])
        pids = _pids(pid_file)
        port = local.port
    started = time.monotonic()
    wait_for(lambda: all(_gone(p) for p in pids), timeout=5)
    assert time.monotonic() - started < 5
    import socket

    with socket.socket() as sock:  # the port is free again: nobody listens (closed connections may linger in
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT; a restarted server reuses it too)
        sock.bind(("127.0.0.1", port))
