"""Shared fakes for step runner tests: a fake clock/sleep, stubbed clients, ListSteps summaries."""
from __future__ import annotations

import gzip
import signal
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

FIXTURES = Path(__file__).parent / "fixtures"
T0 = datetime(2026, 11, 25, 12, 0, 0, tzinfo=timezone.utc)


class FakeClock:
    """Monotonic time that only moves when the code under test sleeps; hooks run after each sleep."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []
        self.hooks: list[Callable[[FakeClock], None]] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.t += seconds
        for hook in list(self.hooks):
            hook(self)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def fake_client(service: str):
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def stubbed(service: str):
    """A fake-credential client under a Stubber; every queued response must be used."""
    client = fake_client(service)
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


@pytest.fixture
def emr_stub():
    yield from stubbed("emr")


@pytest.fixture
def s3_stub():
    yield from stubbed("s3")


@pytest.fixture
def logs_stub():
    yield from stubbed("logs")


@pytest.fixture
def restore_signals():
    """Put back the SIGINT/SIGTERM handlers a CLI run installs."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for s, h in saved.items():
        signal.signal(s, h)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def summary(step_id: str, name: str, state: str, *, failure: dict | None = None, created: float = 1.0,
            started: float | None = None, ended: float | None = None) -> dict:
    """A ListSteps StepSummary in botocore's parsed shape."""
    timeline = {"CreationDateTime": at(created)}
    if started is not None or state not in ("PENDING",):
        timeline["StartDateTime"] = at(started if started is not None else created + 1)
    if ended is not None or state in ("COMPLETED", "FAILED", "CANCELLED", "INTERRUPTED"):
        timeline["EndDateTime"] = at(ended if ended is not None else created + 5)
    status: dict = {"State": state, "StateChangeReason": {}, "Timeline": timeline}
    if failure is not None:
        status["FailureDetails"] = failure
    return {"Id": step_id, "Name": name, "Status": status, "ActionOnFailure": "CONTINUE",
            "Config": {"Jar": "command-runner.jar", "Args": ["spark-submit"]}}


def cluster(state: str = "WAITING", *, concurrency: int = 1, release: str = "emr-7.5.0",
            reason: tuple[str, str] | None = None, cluster_id: str = "j-TEST") -> dict:
    status: dict = {"State": state}
    if reason:
        status["StateChangeReason"] = {"Code": reason[0], "Message": reason[1]}
    return {"Cluster": {"Id": cluster_id, "Name": "spark", "Status": status, "StepConcurrencyLevel": concurrency,
                        "ReleaseLabel": release, "LogUri": "s3n://example-logs/emr/"}}


def gz(text: str) -> bytes:
    return gzip.compress(text.encode())


def stderr_sample() -> str:
    return (FIXTURES / "pyspark_stderr.log").read_text()
