"""Fixtures for the emulator tests: one fast emulator per module, boto3 clients with fake creds."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from local_emr import LocalEmr

FAKE = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
TERMINAL_STEP = {"COMPLETED", "FAILED", "CANCELLED", "INTERRUPTED"}


@pytest.fixture(scope="module")
def emulator() -> Iterator[LocalEmr]:
    # clock_factor 600: a resize's six-minute provisioning takes 0.6 s (local_emr/cluster/scaling.py)
    with LocalEmr(port=0, boot_seconds=0.05, bootstrap_seconds=0.05, terminate_seconds=0.05,
                  tick_seconds=0.02, kill_grace_seconds=1.0, clock_factor=600) as emr:
        yield emr


@pytest.fixture(scope="module")
def emr(emulator: LocalEmr) -> Any:
    return boto3.client("emr", endpoint_url=emulator.endpoint_url, **FAKE)


@pytest.fixture(scope="module")
def s3(emulator: LocalEmr) -> Any:
    return boto3.client("s3", endpoint_url=emulator.endpoint_url, **FAKE)


@pytest.fixture()
def log_bucket(s3: Any) -> str:
    name = f"le-logs-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    return name


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll until ``predicate()`` is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s")
        time.sleep(interval)


def cluster_state(emr: Any, cluster_id: str) -> str:
    return emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]


def step_status(emr: Any, cluster_id: str, step_id: str) -> dict[str, Any]:
    return emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]["Status"]


def wait_step(emr: Any, cluster_id: str, step_id: str, states: set[str] = TERMINAL_STEP) -> dict[str, Any]:
    return wait_for(lambda: (s := step_status(emr, cluster_id, step_id))["State"] in states and s)


def shell_step(script: str, name: str = "step", on_failure: str = "CONTINUE") -> dict[str, Any]:
    return {"Name": name, "ActionOnFailure": on_failure,
            "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["bash", "-c", script]}}


@pytest.fixture()
def make_cluster(emr: Any) -> Callable[..., str]:
    """Start a kept-alive cluster and wait until WAITING (unless ``wait=False``)."""
    made: list[str] = []

    def make(log_bucket: str | None = None, concurrency: int = 1, wait: bool = True, **extra: Any) -> str:
        kwargs: dict[str, Any] = dict(
            Name="le-test", ReleaseLabel="emr-7.5.0", JobFlowRole="EMR_EC2_DefaultRole",
            ServiceRole="EMR_DefaultRole", StepConcurrencyLevel=concurrency,
            Instances={"MasterInstanceType": "m5.xlarge", "SlaveInstanceType": "m5.xlarge",
                       "InstanceCount": 2, "KeepJobFlowAliveWhenNoSteps": True},
        )
        if log_bucket:
            kwargs["LogUri"] = f"s3://{log_bucket}/logs/"
        kwargs.update(extra)
        cluster_id = emr.run_job_flow(**kwargs)["JobFlowId"]
        made.append(cluster_id)
        if wait:
            wait_for(lambda: cluster_state(emr, cluster_id) == "WAITING")
        return cluster_id

    yield make
    for cluster_id in made:
        emr.terminate_job_flows(JobFlowIds=[cluster_id])


@pytest.fixture()
def stand_in_spark_submit(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spark steps run their entry point with plain Python (scripts/bench_log_latency.py's stand-in): for tests
    whose subject is a client, not Spark."""
    import sys

    from scripts.bench_log_latency import STAND_IN_SPARK_SUBMIT

    stand_in = tmp_path / "spark-submit"
    stand_in.write_text(STAND_IN_SPARK_SUBMIT.format(python=sys.executable))
    stand_in.chmod(0o755)
    monkeypatch.setenv("LOCAL_EMR_SPARK_SUBMIT", str(stand_in))
