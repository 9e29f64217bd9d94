"""The emulator's HTTP endpoint enforces EMR's step rules (the same step_model the in-process fake uses):
what EMR refuses is refused here too, and the real CLI meets those rules end to end."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emr_contract import steps as facts

from .conftest import FAKE, cluster_state, shell_step, wait_for, wait_step

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def refused(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def hold(tmp_path: Path, name: str = "hold") -> dict:
    """A step that runs until the test removes its gate file."""
    gate = tmp_path / f"{name}.gate"
    gate.touch()
    return shell_step(f"while [ -e {gate} ]; do sleep 0.05; done", name=name)


def test_the_emulator_refuses_what_emr_refuses(emr: Any, make_cluster: Any, tmp_path: Path) -> None:
    cluster_id = make_cluster(concurrency=2)
    assert refused(emr.add_job_flow_steps, JobFlowId="j-NOPE", Steps=[shell_step("true")]) == \
        facts.ERR_JOB_FLOW_NOT_FOUND
    code, message = refused(emr.add_job_flow_steps, JobFlowId=cluster_id,
                            Steps=[shell_step("true", name="n" * 257)])
    assert code == "ValidationException" and "256" in message
    assert refused(emr.add_job_flow_steps, JobFlowId=cluster_id,
                   Steps=[shell_step("true", on_failure="CANCEL_AND_WAIT")])[1] == \
        "Action on failure 'CANCEL_AND_WAIT' is invalid."
    ids = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[shell_step("true")] * 11)["StepIds"]
    assert refused(emr.list_steps, ClusterId=cluster_id, StepIds=ids)[0] == "ValidationException"
    assert refused(emr.list_steps, ClusterId=cluster_id, StepIds=ids[:1], StepStates=["PENDING"]) == \
        facts.ERR_IDS_AND_STATES
    done = wait_step(emr, cluster_id, ids[0])
    assert done["State"] == "COMPLETED"
    [info] = emr.cancel_steps(ClusterId=cluster_id, StepIds=ids[:1])["CancelStepsInfoList"]
    assert info["Status"] == "FAILED" and "COMPLETED" in info["Reason"]


def test_at_most_256_active_steps_on_the_emulator(emr: Any, make_cluster: Any, tmp_path: Path) -> None:
    cluster_id = make_cluster(concurrency=1)
    emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[hold(tmp_path)])
    pending = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[shell_step("true")] * 255)["StepIds"]
    assert refused(emr.add_job_flow_steps, JobFlowId=cluster_id, Steps=[shell_step("true")]) == facts.ERR_MAX_ACTIVE
    emr.cancel_steps(ClusterId=cluster_id, StepIds=pending[:1])
    emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[shell_step("true")])
    emr.cancel_steps(ClusterId=cluster_id, StepIds=pending[1:201])
    emr.cancel_steps(ClusterId=cluster_id, StepIds=pending[201:])
    (tmp_path / "hold.gate").unlink()


def test_cancel_and_wait_and_terminate_cluster_on_the_emulator(emr: Any, make_cluster: Any) -> None:
    cluster_id = make_cluster()
    first, later = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[
        shell_step("exit 3", on_failure="CANCEL_AND_WAIT"), shell_step("true")])["StepIds"]
    assert wait_step(emr, cluster_id, first)["State"] == "FAILED"
    assert wait_step(emr, cluster_id, later)["State"] == "CANCELLED"
    failing, queued = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[
        shell_step("exit 3", on_failure="TERMINATE_CLUSTER"), shell_step("true")])["StepIds"]
    assert wait_step(emr, cluster_id, failing)["State"] == "FAILED"
    assert wait_step(emr, cluster_id, queued)["State"] == "CANCELLED"
    wait_for(lambda: cluster_state(emr, cluster_id) == "TERMINATED_WITH_ERRORS")
    reason = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["StateChangeReason"]
    assert reason["Code"] == "STEP_FAILURE"


def test_run_job_flow_steps_follow_the_same_rules(emr: Any) -> None:
    base = dict(Name="le-rules", ReleaseLabel="emr-7.5.0", JobFlowRole="EMR_EC2_DefaultRole",
                ServiceRole="EMR_DefaultRole",
                Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": False})
    before = {c["Id"] for c in emr.list_clusters()["Clusters"]}
    assert refused(emr.run_job_flow, Steps=[shell_step("true", name="x" * 300)], **base)[0] == "ValidationException"
    assert {c["Id"] for c in emr.list_clusters()["Clusters"]} == before  # no cluster was made
    cluster_id = emr.run_job_flow(Steps=[shell_step("true", name="only")], **base)["JobFlowId"]
    wait_for(lambda: cluster_state(emr, cluster_id) == "TERMINATED")
    status = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]
    assert status["StateChangeReason"]["Code"] == "ALL_STEPS_COMPLETED"
    [only] = emr.list_steps(ClusterId=cluster_id)["Steps"]
    assert only["Status"]["State"] == "COMPLETED"


STAND_IN = "#!/bin/sh\nexit 0\n"  # a spark-submit that succeeds at once: 256 of them must be cheap


def _start_cli(emulator: Any, tmp_path: Path, spec: Path, cluster_id: str, run_id: str) -> subprocess.Popen:
    """The real CLI in a subprocess with real boto3 clients pointed at the emulator."""
    env = dict(os.environ, AWS_ENDPOINT_URL=emulator.endpoint_url, AWS_ACCESS_KEY_ID=FAKE["aws_access_key_id"],
               AWS_SECRET_ACCESS_KEY=FAKE["aws_secret_access_key"], AWS_DEFAULT_REGION=FAKE["region_name"])
    env.pop("AWS_PROFILE", None)
    return subprocess.Popen([sys.executable, "-m", "step_runner", str(spec), "--cluster-id", cluster_id,
                             "--run-id", run_id, "--json", "--no-logs", "--state-dir", str(tmp_path / "state")],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish_cli(proc: subprocess.Popen) -> tuple[int, dict, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, json.loads(out), err


@pytest.fixture
def instant_spark_submit(tmp_path: Path, monkeypatch: Any) -> None:
    """The emulator runs spark-submit steps with this stand-in (read from its own process's environment)."""
    stand_in = tmp_path / "spark-submit"
    stand_in.write_text(STAND_IN)
    stand_in.chmod(0o755)
    monkeypatch.setenv("LOCAL_EMR_SPARK_SUBMIT", str(stand_in))


def _spec(tmp_path: Path, count: int) -> Path:
    spec = tmp_path / f"steps-{count}.yaml"
    spec.write_text("defaults: {deploy_mode: client}\nsteps:\n" + "".join(
        f"  - name: s{i}\n    entry_point: job.py\n" for i in range(count)))
    return spec


def _cluster(emr: Any, *, keep_alive: bool, concurrency: int = 1, steps: list | None = None) -> str:
    return emr.run_job_flow(
        Name="le-cli", ReleaseLabel="emr-7.5.0", JobFlowRole="EMR_EC2_DefaultRole", ServiceRole="EMR_DefaultRole",
        StepConcurrencyLevel=concurrency, Steps=steps or [],
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": keep_alive},
    )["JobFlowId"]


def test_the_cli_meets_the_256_active_step_limit(emulator: Any, emr: Any, tmp_path: Path,
                                                  instant_spark_submit: None) -> None:
    """Five steps of another client are running; the run's 256 steps are refused as one batch (261 > 256
    active), the runner counts, submits the 251 that fit and the rest as room frees up: exit 0. Ours end at
    once, so the last 5 may already be in when the test looks (261 listed): at least 256 is the sign."""
    others = [hold(tmp_path, f"other-{i}") for i in range(5)]
    cluster_id = _cluster(emr, keep_alive=True, concurrency=256, steps=others)
    wait_for(lambda: cluster_state(emr, cluster_id) == "RUNNING")
    proc = _start_cli(emulator, tmp_path, _spec(tmp_path, 256), cluster_id, "many")

    def listed() -> int:
        count, marker = 0, None
        while True:
            page = emr.list_steps(ClusterId=cluster_id, **({"Marker": marker} if marker else {}))
            count, marker = count + len(page["Steps"]), page.get("Marker")
            if not marker:
                return count
    wait_for(lambda: listed() >= 5 + 251 or proc.poll() is not None, timeout=120, interval=0.5)
    for i in range(5):
        (tmp_path / f"other-{i}.gate").unlink()
    code, report, err = _finish_cli(proc)
    assert code == 0, err[-3000:]
    assert report["outcome"] == "SUCCEEDED" and len(report["steps"]) == 256
    assert "submitting 251 now" in err
    emr.terminate_job_flows(JobFlowIds=[cluster_id])


def test_the_cli_ends_well_when_the_cluster_ends_with_all_steps_completed(emulator: Any, emr: Any, tmp_path: Path,
                                                                           instant_spark_submit: None) -> None:
    """A transient cluster (it ends when no step is left) still running the step it was created with: the
    run's steps go in at once, EMR ends the cluster with ALL_STEPS_COMPLETED after the last one, and that is
    success. (The emulator boots in 0.1 s, so the cluster's own step holds it up until the CLI's steps are in.)"""
    created_with = hold(tmp_path, "created-with")
    cluster_id = _cluster(emr, keep_alive=False, steps=[created_with])
    proc = _start_cli(emulator, tmp_path, _spec(tmp_path, 3), cluster_id, "transient")
    wait_for(lambda: len(emr.list_steps(ClusterId=cluster_id)["Steps"]) == 4 or proc.poll() is not None, timeout=120)
    (tmp_path / "created-with.gate").unlink()
    code, report, err = _finish_cli(proc)
    assert code == 0, err[-3000:]
    assert report["outcome"] == "SUCCEEDED"
    assert report["message"] == "cluster TERMINATED: ALL_STEPS_COMPLETED: Steps completed"
    assert cluster_state(emr, cluster_id) == "TERMINATED"
