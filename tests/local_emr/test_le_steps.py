"""Steps really run: order, concurrency, exit codes, FailureDetails, logs in S3, s3:// inputs."""

from __future__ import annotations

import gzip
import threading
from typing import Any

import boto3
import pytest

from local_emr import LocalEmr
from local_emr.steps.command import SHORT_JOB_JVM_OPTIONS

from .conftest import FAKE, cluster_state, shell_step, wait_for, wait_step

pytestmark = pytest.mark.integration  # steps run as processes on the emulator's server


def _events(path: Any) -> list[tuple[str, int]]:
    return [(kind, int(i)) for kind, i in (line.split() for line in path.read_text().splitlines())]


def _max_overlap(events: list[tuple[str, int]]) -> int:
    running = peak = 0
    for kind, _ in events:
        running += 1 if kind == "start" else -1
        peak = max(peak, running)
    return peak


def _recording_steps(path: Any, n: int) -> list[dict[str, Any]]:
    return [shell_step(f"echo start {i} >> {path}; sleep 0.15; echo end {i} >> {path}", f"s{i}")
            for i in range(n)]


def test_steps_run_one_at_a_time_in_submission_order(emr: Any, make_cluster: Any, tmp_path: Any) -> None:
    cluster_id = make_cluster(concurrency=1)
    record = tmp_path / "events"
    ids = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=_recording_steps(record, 3))["StepIds"]
    assert [wait_step(emr, cluster_id, i)["State"] for i in ids] == ["COMPLETED"] * 3
    assert _events(record) == [("start", 0), ("end", 0), ("start", 1), ("end", 1), ("start", 2), ("end", 2)]
    listed = emr.list_steps(ClusterId=cluster_id)["Steps"]
    assert [s["Id"] for s in listed] == ids[::-1]  # newest first, like EMR


def test_step_concurrency_level_is_honoured(emr: Any, make_cluster: Any, tmp_path: Any) -> None:
    cluster_id = make_cluster(concurrency=2)
    record = tmp_path / "events"
    ids = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=_recording_steps(record, 4))["StepIds"]
    for step_id in ids:
        wait_step(emr, cluster_id, step_id)
    events = _events(record)
    assert _max_overlap(events) == 2
    assert [i for kind, i in events if kind == "start"][:2] == [0, 1]
    assert sorted(i for kind, i in events if kind == "start") == [0, 1, 2, 3]


def test_failing_step_has_failure_details_and_gzip_logs(emr: Any, s3: Any, make_cluster: Any,
                                                        log_bucket: str) -> None:
    cluster_id = make_cluster(log_bucket)
    script = "echo to-stdout; python3 -c 'raise ValueError(\"bad input\")'"
    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[shell_step(script)])["StepIds"][0]
    status = wait_step(emr, cluster_id, step_id)
    assert status["State"] == "FAILED"
    prefix = f"logs/{cluster_id}/steps/{step_id}/"
    assert status["FailureDetails"] == {
        "Reason": "ValueError: bad input",
        "Message": "Command exited with return code 1",
        "LogFile": f"s3://{log_bucket}/{prefix}stderr.gz",
    }
    stdout = gzip.decompress(s3.get_object(Bucket=log_bucket, Key=prefix + "stdout.gz")["Body"].read())
    stderr = gzip.decompress(s3.get_object(Bucket=log_bucket, Key=prefix + "stderr.gz")["Body"].read())
    assert stdout == b"to-stdout\n"
    assert b"Traceback" in stderr and b"ValueError: bad input" in stderr
    assert cluster_state(emr, cluster_id) == "WAITING"  # ActionOnFailure=CONTINUE


def test_cancel_and_wait_cancels_the_rest(emr: Any, make_cluster: Any) -> None:
    cluster_id = make_cluster()
    ids = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[
        shell_step("exit 1", on_failure="CANCEL_AND_WAIT"), shell_step("true"), shell_step("true")])["StepIds"]
    assert [wait_step(emr, cluster_id, i)["State"] for i in ids] == ["FAILED", "CANCELLED", "CANCELLED"]
    wait_for(lambda: cluster_state(emr, cluster_id) == "WAITING")


def test_s3_arguments_are_fetched_and_env_points_at_emulator(emr: Any, s3: Any, emulator: LocalEmr,
                                                            make_cluster: Any, log_bucket: str) -> None:
    s3.put_object(Bucket=log_bucket, Key="code/job.py",
                  Body=b"import os, sys\nprint('args', sys.argv[1:])\nprint(os.environ['AWS_ENDPOINT_URL'])\n"
                       b"print(os.environ['SPARK_SUBMIT_OPTS'])\n")
    cluster_id = make_cluster(log_bucket)
    step = {"Name": "py", "ActionOnFailure": "CONTINUE", "HadoopJarStep": {
        "Jar": "command-runner.jar", "Args": ["python3", f"s3://{log_bucket}/code/job.py", f"s3://{log_bucket}/out/"]}}
    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[step])["StepIds"][0]
    assert wait_step(emr, cluster_id, step_id)["State"] == "COMPLETED"
    key = f"logs/{cluster_id}/steps/{step_id}/stdout.gz"
    out = gzip.decompress(s3.get_object(Bucket=log_bucket, Key=key)["Body"].read()).decode()
    assert out == f"args ['s3://{log_bucket}/out/']\n{emulator.endpoint_url}\n{SHORT_JOB_JVM_OPTIONS}\n"


def test_your_spark_submit_opts_win_over_the_emulators(emr: Any, s3: Any, make_cluster: Any, log_bucket: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPARK_SUBMIT_OPTS", "-Xmx1g")
    cluster_id = make_cluster(log_bucket)
    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[shell_step('echo "$SPARK_SUBMIT_OPTS"')])[
        "StepIds"][0]
    assert wait_step(emr, cluster_id, step_id)["State"] == "COMPLETED"
    key = f"logs/{cluster_id}/steps/{step_id}/stdout.gz"
    assert gzip.decompress(s3.get_object(Bucket=log_bucket, Key=key)["Body"].read()) == b"-Xmx1g\n"


def test_unknown_command_fails_cleanly(emr: Any, make_cluster: Any) -> None:
    cluster_id = make_cluster()
    step = {"Name": "x", "ActionOnFailure": "CONTINUE",
            "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["no-such-binary-le", "a"]}}
    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[step])["StepIds"][0]
    status = wait_step(emr, cluster_id, step_id)
    assert status["State"] == "FAILED"
    assert "no-such-binary-le" in status["FailureDetails"]["Reason"]


def test_output_lines_reach_sinks_while_the_step_runs(tmp_path: Any) -> None:
    lines: list[tuple[str, str, str]] = []
    got_first = threading.Event()

    def sink(cluster: Any, step: Any, stream: str, line: str) -> None:
        lines.append((step.state, stream, line))
        got_first.set()

    gate = tmp_path / "go"
    with LocalEmr(port=0, boot_seconds=0, bootstrap_seconds=0, tick_seconds=0.02, line_sinks=[sink]) as local:
        emr = boto3.client("emr", endpoint_url=local.endpoint_url, **FAKE)
        cluster_id = emr.run_job_flow(
            Name="sink", ReleaseLabel="emr-7.5.0", JobFlowRole="r", ServiceRole="s",
            Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
            Steps=[shell_step(f"echo first; echo oops >&2; while [ ! -e {gate} ]; do sleep 0.02; done; echo last")],
        )["JobFlowId"]
        assert got_first.wait(5)
        step_id = emr.list_steps(ClusterId=cluster_id)["Steps"][0]["Id"]
        assert emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]["Status"]["State"] == "RUNNING"
        gate.touch()
        wait_step(emr, cluster_id, step_id)
    assert ("RUNNING", "stdout", "first") in lines
    assert ("RUNNING", "stderr", "oops") in lines
    assert lines[-1][1:] == ("stdout", "last") or ("RUNNING", "stdout", "last") in lines
