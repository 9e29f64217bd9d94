"""The scheduler's timing on a ticked clock: boot phases, termination and IdleTimeout without waiting.

moto runs in-process (no server) and the test calls ``Lifecycle.tick`` itself, so the phases can be as long
as on EMR; test_le_lifecycle.py checks the same path through the server in real time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.emr.models import emr_backends

from local_emr.config import EmulatorConfig
from local_emr.cluster.lifecycle import Lifecycle
from local_emr.cluster.models import EmulatedCluster, adopt_cluster

REGION = "us-east-1"
CONFIG = EmulatorConfig(boot_seconds=60, bootstrap_seconds=120, terminate_seconds=30)


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def lifecycle(clock: Clock) -> Lifecycle:
    return Lifecycle(CONFIG, threading.RLock(), endpoint_url=lambda: "http://emulator.invalid", clock=clock)


@pytest.fixture()
def start(clock: Clock, lifecycle: Lifecycle) -> Iterator[Callable[..., EmulatedCluster]]:
    """RunJobFlow on in-process moto, then adopted and registered as the emulator's handler does."""
    with mock_aws():
        emr = boto3.client("emr", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")

        def start_cluster(**extra: Any) -> EmulatedCluster:
            params: dict[str, Any] = dict(
                Name="clock", ReleaseLabel="emr-7.5.0", JobFlowRole="r", ServiceRole="s",
                Instances={"MasterInstanceType": "m5.xlarge", "SlaveInstanceType": "m5.xlarge", "InstanceCount": 3,
                           "KeepJobFlowAliveWhenNoSteps": True})
            params.update(extra)
            cluster_id = emr.run_job_flow(**params)["JobFlowId"]
            cluster = emr_backends[DEFAULT_ACCOUNT_ID][REGION].clusters[cluster_id]
            adopted = adopt_cluster(cluster, params, clock(), clock=clock)
            lifecycle.register(adopted)
            return adopted

        yield start_cluster


def at(clock: Clock, lifecycle: Lifecycle, cluster: EmulatedCluster, t: float) -> str:
    """Tick the scheduler at ``t`` seconds after the clock's start; the cluster's state after it."""
    clock.t = 1000.0 + t
    with lifecycle.lock:
        lifecycle.tick(cluster, clock())
    return cluster.state


def ready(clock: Clock, lifecycle: Lifecycle, cluster: EmulatedCluster) -> str:
    """Tick through both boot phases: WAITING at 180 s."""
    at(clock, lifecycle, cluster, 60)
    return at(clock, lifecycle, cluster, 180)


def test_boot_phases_take_their_configured_seconds(clock: Clock, lifecycle: Lifecycle, start: Any) -> None:
    cluster = start()
    assert cluster.state == "STARTING"
    assert [at(clock, lifecycle, cluster, t) for t in (0, 59.9, 60, 179.9, 180)] == [
        "STARTING", "STARTING", "BOOTSTRAPPING", "BOOTSTRAPPING", "WAITING"]
    assert cluster.ready_datetime is not None and cluster.end_datetime is None


def test_terminate_takes_terminate_seconds_then_ends_instances(clock: Clock, lifecycle: Lifecycle,
                                                               start: Any) -> None:
    cluster = start()
    assert ready(clock, lifecycle, cluster) == "WAITING"
    clock.t = 1000.0 + 200
    cluster.terminate()
    assert cluster.state == "TERMINATING" and cluster.state_change_code == "USER_REQUEST"
    assert at(clock, lifecycle, cluster, 229.9) == "TERMINATING"
    assert at(clock, lifecycle, cluster, 230) == "TERMINATED"
    assert cluster.id not in lifecycle.clusters
    assert cluster.end_datetime is not None
    assert {g.state for g in cluster.instance_groups} == {"TERMINATED"}


def test_idle_timeout_counts_from_waiting(clock: Clock, lifecycle: Lifecycle, start: Any) -> None:
    cluster = start(AutoTerminationPolicy={"IdleTimeout": 3600})
    assert ready(clock, lifecycle, cluster) == "WAITING"
    assert at(clock, lifecycle, cluster, 180 + 3599.9) == "WAITING"
    assert at(clock, lifecycle, cluster, 180 + 3600) == "TERMINATING"
    assert cluster.state_change_code == "ALL_STEPS_COMPLETED"
    assert at(clock, lifecycle, cluster, 180 + 3600 + 30) == "TERMINATED"


def test_without_keep_alive_and_steps_the_cluster_ends_once_ready(clock: Clock, lifecycle: Lifecycle,
                                                                  start: Any) -> None:
    cluster = start(Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1,
                               "KeepJobFlowAliveWhenNoSteps": False})
    assert at(clock, lifecycle, cluster, 60) == "BOOTSTRAPPING"
    assert at(clock, lifecycle, cluster, 179) == "BOOTSTRAPPING"
    assert at(clock, lifecycle, cluster, 180) == "TERMINATING"
    assert cluster.state_change_code == "ALL_STEPS_COMPLETED" and not cluster.terminate_with_errors
    assert at(clock, lifecycle, cluster, 210) == "TERMINATED"
