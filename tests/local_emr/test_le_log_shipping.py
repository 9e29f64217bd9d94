"""Step output reaches CloudWatch Logs while the step runs, under the names of emr_contract.log_naming, and the
last lines follow the step's end by the agent's flush, as on EMR."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from local_emr import LocalEmr
from local_emr.steps.log_shipping import CloudWatchLogsSink, log_group_for_cluster
from emr_contract.log_naming import LOG_GROUP_TAG, log_group_from_cluster_id, step_stream, step_stream_prefix

from .conftest import FAKE, shell_step, step_status, wait_for, wait_step

pytestmark = pytest.mark.integration  # steps run as processes on the emulator's server


@pytest.fixture(scope="module")
def logs(emulator: LocalEmr) -> Any:
    return boto3.client("logs", endpoint_url=emulator.endpoint_url, **FAKE)


def _messages(logs: Any, group: str, stream: str) -> list[dict[str, Any]]:
    try:
        return logs.filter_log_events(logGroupName=group, logStreamNames=[stream])["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []


def _gated_step(gate: Path) -> dict[str, Any]:
    return shell_step(f"echo first; echo oops >&2; echo second; while [ ! -e {gate} ]; do sleep 0.02; done; "
                      "echo last; echo bye >&2")


def test_lines_appear_while_the_step_runs_in_the_tagged_group(emr: Any, logs: Any, make_cluster: Any,
                                                               tmp_path: Path) -> None:
    group = "/le/tagged-step-logs"
    cluster_id = make_cluster(Tags=[{"Key": LOG_GROUP_TAG, "Value": group}])
    gate = tmp_path / "go"
    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[_gated_step(gate)])["StepIds"][0]
    stdout, stderr = step_stream(cluster_id, step_id, "stdout"), step_stream(cluster_id, step_id, "stderr")

    early = wait_for(lambda: len(events := _messages(logs, group, stdout)) >= 2 and events, timeout=10)
    assert [e["message"] for e in early] == ["first", "second"]
    assert step_status(emr, cluster_id, step_id)["State"] == "RUNNING"  # the gate is still closed
    # stdout and stderr are read by two threads: on a loaded machine stderr's line may come a moment later.
    errors = wait_for(lambda: _messages(logs, group, stderr), timeout=10)
    assert [e["message"] for e in errors] == ["oops"]
    assert step_status(emr, cluster_id, step_id)["State"] == "RUNNING"

    gate.touch()
    assert wait_step(emr, cluster_id, step_id)["State"] == "COMPLETED"
    out = wait_for(lambda: len(events := _messages(logs, group, stdout)) >= 3 and events, timeout=10)
    assert [e["message"] for e in out] == ["first", "second", "last"]
    errors = wait_for(lambda: len(events := _messages(logs, group, stderr)) >= 2 and events)
    assert [e["message"] for e in errors] == ["oops", "bye"]
    stamps = [e["timestamp"] for e in out]
    assert stamps == sorted(stamps) and stamps[0] > 1_600_000_000_000  # epoch milliseconds
    streams = logs.describe_log_streams(logGroupName=group,
                                        logStreamNamePrefix=step_stream_prefix(cluster_id, step_id))["logStreams"]
    assert sorted(s["logStreamName"] for s in streams) == [stderr, stdout]


def test_untagged_cluster_writes_to_the_default_group(emr: Any, logs: Any, make_cluster: Any) -> None:
    cluster_id = make_cluster()
    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[shell_step("echo hello")])["StepIds"][0]
    assert wait_step(emr, cluster_id, step_id)["State"] == "COMPLETED"
    stream = step_stream(cluster_id, step_id, "stdout")
    events = wait_for(lambda: _messages(logs, log_group_from_cluster_id(cluster_id), stream))
    assert [e["message"] for e in events] == ["hello"]


def test_existing_group_is_reused(emr: Any, logs: Any, make_cluster: Any) -> None:
    group = "/le/made-by-terraform"
    logs.create_log_group(logGroupName=group, tags={"owner": "stack"})
    cluster_id = make_cluster(Tags=[{"Key": LOG_GROUP_TAG, "Value": group}])
    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[shell_step("echo one; echo two")])["StepIds"][0]
    assert wait_step(emr, cluster_id, step_id)["State"] == "COMPLETED"
    stream = step_stream(cluster_id, step_id, "stdout")
    assert [e["message"] for e in wait_for(lambda: _messages(logs, group, stream))] == ["one", "two"]
    assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"owner": "stack"}


def test_invalid_tag_falls_back_to_the_default_group() -> None:
    assert log_group_for_cluster("j-ABC", {LOG_GROUP_TAG: "/ok/group"}) == ("/ok/group", None)
    assert log_group_for_cluster("j-ABC", {}) == ("/aws/emr/j-ABC", None)
    group, problem = log_group_for_cluster("j-ABC", {LOG_GROUP_TAG: "bad group:name"})
    assert group == "/aws/emr/j-ABC" and problem and LOG_GROUP_TAG in problem


def test_timestamps_never_go_back_within_a_stream() -> None:
    ticks = iter([1000, 900, 1100, 1050])
    sink = CloudWatchLogsSink(clock_ms=lambda: next(ticks))

    class Backend:
        account_id, region_name = "123456789012", "us-east-1"

    class Cluster:
        id, tags, emr_backend = "j-CLOCK", {}, Backend()

    class Step:
        id = "s-CLOCK"

    for line in ("a", "b", "c", "d"):
        sink(Cluster(), Step(), "stdout", line)
    (pending,) = sink._pending.values()
    assert [e["timestamp"] for e in pending.events] == [1000, 1000, 1100, 1100]


def test_emulator_without_cloudwatch_logs_writes_nothing(tmp_path: Path) -> None:
    with LocalEmr(port=0, boot_seconds=0, bootstrap_seconds=0, tick_seconds=0.02, cloudwatch_logs=False) as local:
        emr = boto3.client("emr", endpoint_url=local.endpoint_url, **FAKE)
        logs = boto3.client("logs", endpoint_url=local.endpoint_url, **FAKE)
        cluster_id = emr.run_job_flow(
            Name="quiet", ReleaseLabel="emr-7.5.0", JobFlowRole="r", ServiceRole="s",
            Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
            Steps=[shell_step("echo nothing")])["JobFlowId"]
        step_id = emr.list_steps(ClusterId=cluster_id)["Steps"][0]["Id"]
        assert wait_step(emr, cluster_id, step_id)["State"] == "COMPLETED"
        assert logs.describe_log_groups(logGroupNamePrefix=log_group_from_cluster_id(cluster_id))["logGroups"] == []


def test_tags_as_moto_lists_them() -> None:
    assert log_group_for_cluster("j-ABC", [{"Key": LOG_GROUP_TAG, "Value": "/from/list"}]) == ("/from/list", None)


def test_a_new_steps_lines_ship_from_the_watchers_next_scan_then_one_flush_later() -> None:
    """scan 2 s, min apply 10 s, flush 1 s: a line printed at 10.3 waits for the scan at 12.0 and the batch
    timer it starts there."""
    from local_emr.steps.log_shipping import AgentShipping, ShippingTiming, _Stream

    agent = AgentShipping(ShippingTiming(flush_seconds=1, scan_seconds=2.0, min_apply_seconds=10.0))
    stream = _Stream(shipped_from=agent.discovered("j-1", "s-1", 10.3))
    assert stream.shipped_from == 12.0
    stream.events.append({"message": "a"})
    agent.added(stream, 10.3)
    assert not agent.due(stream, 12.9)
    assert agent.due(stream, 13.0)
    assert agent.discovered("j-1", "s-1", 10.6) == 12.0  # the step's stderr goes with its stdout
    # the next step on the same node waits for the watcher's minimum interval between applies
    assert agent.discovered("j-1", "s-2", 12.5) == 22.0
    assert agent.discovered("j-2", "s-3", 12.5) == 14.0


def test_the_agent_sends_a_lone_line_one_flush_after_it_and_a_burst_together() -> None:
    from local_emr.steps.log_shipping import AgentShipping, _Stream

    agent = AgentShipping()
    stream = _Stream(shipped_from=0.0, last_sent=13.0)
    stream.events.append({"message": "lone"})
    agent.added(stream, 13.2)
    assert not agent.due(stream, 14.1) and agent.due(stream, 14.2)
    stream.events = []
    for i, at in enumerate((20.0, 20.3, 20.6)):
        stream.events.append({"message": str(i)})
        agent.added(stream, at)
    assert stream.timer_at == 21.0  # only the first line of a batch starts the timer
    assert agent.due(stream, 21.0)


def test_a_timer_that_fires_within_a_flush_of_the_last_send_re_arms() -> None:
    """queue.go: send only if flushTimeout has passed since lastSentTime, else reset the timer."""
    from local_emr.steps.log_shipping import AgentShipping, _Stream

    agent = AgentShipping()
    stream = _Stream(shipped_from=0.0, last_sent=13.0, timer_at=13.5)
    stream.events.append({"message": "x"})
    assert not agent.due(stream, 13.5)
    assert stream.timer_at == 14.5 and agent.due(stream, 14.5)
