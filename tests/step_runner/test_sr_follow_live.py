"""--follow by Live Tail: sessions, read-backs, restarts and fallbacks, against a scripted CloudWatch Logs.

The session threads run synchronously here (``start_thread`` runs the reader at once), so each session's
scripted updates are queued when it starts and printed by the next fetch, in order.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from emr_contract.log_naming import step_stream
from step_runner.aws.cloudwatch_logs import CwEvent, LiveTailEnded, LiveTailUpdate, LogsUnavailable, is_aws_endpoint
from step_runner.follow import CloudWatchSource, FollowTarget
from step_runner.follow.live import QUICK_ENDS_TO_GIVE_UP, READ_INTERVAL, LiveTailSource

CLUSTER, GROUP = "j-LIVE", "/aws/emr/j-LIVE"
OUT = step_stream(CLUSTER, "s-1", "stdout")
TARGET = FollowTarget("s-1", "ingest")
Script = list[Any]  # LiveTailUpdate, a callable run when reached, or LiveTailEnded to end the session


class FakeSession:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.closed = False

    def updates(self):
        for item in self.script:
            if isinstance(item, LiveTailEnded):
                raise item
            if callable(item):
                item()
                continue
            yield item

    def close(self) -> None:
        self.closed = True


class FakeLogs:
    """What the follower reads: stored events (FilterLogEvents) and scripted Live Tail sessions."""

    def __init__(self, sessions: list[Script | Exception]) -> None:
        self.events: list[CwEvent] = []
        self.sessions = sessions
        self.started: list[list[str]] = []

    def put(self, message: str, timestamp: int, stream: str = OUT) -> CwEvent:
        event = CwEvent(f"e{len(self.events)}", stream, timestamp, message)
        self.events.append(event)
        return event

    def existing_streams(self, group: str, prefix: str) -> list[str]:
        return sorted({e.stream for e in self.events if e.stream.startswith(prefix)})

    def filter_events(self, group: str, streams: list[str], start: int | None, token: str | None = None):
        return [e for e in self.events if e.stream in streams and (start is None or e.timestamp >= start)], None

    def group_arn(self, group: str) -> str:
        return f"arn:aws:logs:us-east-1:123456789012:log-group:{group}"

    def live_tail(self, arns: list[str], prefixes: list[str]) -> FakeSession:
        self.started.append(list(prefixes))
        script = self.sessions.pop(0) if self.sessions else []
        if isinstance(script, Exception):
            raise script
        return FakeSession(script)


def source(logs: FakeLogs, clock: Callable[[], float] = lambda: 0.0) -> tuple[LiveTailSource, list[str]]:
    notices: list[str] = []
    live = LiveTailSource(logs, GROUP, CLUSTER, clock=clock,  # type: ignore[arg-type]
                          readback=CloudWatchSource(logs, GROUP, CLUSTER, clock=clock),  # type: ignore[arg-type]
                          start_thread=lambda run: run(), on_notice=notices.append)
    return live, notices


def texts(lines) -> list[str]:
    return [line.line for line in lines]


def started() -> LiveTailUpdate:
    return LiveTailUpdate([], started=True)


def test_lines_from_before_the_session_are_read_back_then_live_ones_follow_once():
    logs = FakeLogs([])
    logs.put("before 1", 1000)
    logs.put("before 2", 1001)
    during = CwEvent("", OUT, 1002, "during")  # ingested after the session started: read back AND pushed
    logs.sessions.append([lambda: logs.events.append(during), started(), LiveTailUpdate([during])])
    live, _ = source(logs)
    assert texts(live.fetch([TARGET])) == ["before 1", "before 2", "during"]
    assert logs.started == [[f"{CLUSTER}/steps/s-1/"]] and live.interval == READ_INTERVAL
    assert live.fetch([TARGET], final=True) == []  # the final read-back finds nothing new


def test_a_session_that_ends_is_restarted_and_the_gap_read_back_without_repeats():
    logs = FakeLogs([])
    first = logs.put("one", 1000)
    gap = CwEvent("gap-id", OUT, 1001, "two")  # ingested while no session was open
    third = CwEvent("", OUT, 1002, "three")
    logs.sessions += [[started(), LiveTailUpdate([first]), LiveTailEnded("SessionTimeoutException: 3 hours")],
                      [lambda: logs.events.extend([gap, third]), started(), LiveTailUpdate([third])]]
    now = [0.0]
    live, notices = source(logs, clock=lambda: now[0])
    assert texts(live.fetch([TARGET])) == ["one"]
    now[0] = 10_800.0
    assert texts(live.fetch([TARGET])) == ["two", "three"]
    assert len(logs.started) == 2 and any("session ended (SessionTimeoutException" in n for n in notices)
    assert texts(live.fetch([TARGET], final=True)) == []


def test_identical_lines_in_the_same_millisecond_are_each_printed_once():
    logs = FakeLogs([])
    twins = [logs.put("same", 1000), logs.put("same", 1000)]
    logs.sessions.append([started(), LiveTailUpdate([CwEvent("", OUT, 1000, "same")] * 2)])
    live, _ = source(logs)
    assert texts(live.fetch([TARGET])) == ["same", "same"]
    assert texts(live.fetch([TARGET], final=True)) == [] and len(twins) == 2


def test_a_sampled_update_is_completed_by_a_read_back():
    logs = FakeLogs([])
    burst = [logs.put(f"line {i}", 2000 + i) for i in range(6)]
    logs.sessions.append([started(), LiveTailUpdate(burst[::2], sampled=True)])
    live, notices = source(logs)
    lines = texts(live.fetch([TARGET]))
    assert sorted(lines) == sorted(f"line {i}" for i in range(6)) and len(lines) == 6
    assert live.sampled_updates == 1 and any("sampled" in n for n in notices)


def test_no_permission_for_live_tail_hands_over_to_polling():
    logs = FakeLogs([LogsUnavailable("StartLiveTail on arn:…: AccessDeniedException")])
    live, _ = source(logs)
    with pytest.raises(LogsUnavailable, match="AccessDenied"):
        live.fetch([TARGET])


def test_live_tail_failing_mid_run_polls_through_the_read_back_without_repeats():
    logs = FakeLogs([])
    first = logs.put("one", 1000)
    logs.sessions += [[started(), LiveTailUpdate([first]), LiveTailEnded("connection lost: ReadTimeoutError")],
                      LogsUnavailable("StartLiveTail: LimitExceededException")]
    live, notices = source(logs, clock=lambda: 100.0)
    assert texts(live.fetch([TARGET])) == ["one"]
    logs.put("two", 1001)
    assert texts(live.fetch([TARGET])) == ["two"]
    assert live.degraded and live.interval == 5.0 and any("polling every 5 s" in n for n in notices)
    logs.put("three", 1002)
    assert texts(live.fetch([TARGET])) == ["three"]


def test_sessions_that_keep_ending_at_once_mean_polling():
    """moto's StartLiveTail, for one, sends a snapshot and ends."""
    logs = FakeLogs([[started(), LiveTailEnded("the stream ended")] for _ in range(QUICK_ENDS_TO_GIVE_UP + 1)])
    live, _ = source(logs)
    for _ in range(QUICK_ENDS_TO_GIVE_UP + 1):
        live.fetch([TARGET])
    assert live.degraded and "ended within" in live.degraded


def test_a_new_step_starts_a_session_with_its_prefix_and_a_finished_one_closes_it():
    logs = FakeLogs([[started()], [started()]])
    live, _ = source(logs)
    live.fetch([TARGET])
    live.fetch([TARGET, FollowTarget("s-2", "report")])
    assert logs.started[-1] == [f"{CLUSTER}/steps/s-1/", f"{CLUSTER}/steps/s-2/"]
    session = live._session
    live.forget("s-1")
    live.forget("s-2")
    assert session is not None and session.closed and live._session is None


def test_more_steps_than_a_session_takes_follow_the_whole_cluster():
    logs = FakeLogs([[started()]])
    live, _ = source(logs)
    live.fetch([FollowTarget(f"s-{i}", f"step{i}") for i in range(101)])
    assert logs.started == [[f"{CLUSTER}/"]]


def test_the_host_prefix_is_kept_for_aws_endpoints_only():
    assert is_aws_endpoint("https://logs.us-east-1.amazonaws.com")
    assert is_aws_endpoint("https://logs.cn-north-1.amazonaws.com.cn")
    assert not is_aws_endpoint("http://127.0.0.1:5055")


@pytest.mark.integration
def test_emr_steps_follows_live_on_the_emulator(tmp_path):
    """The real CLI, a real boto3 client (the host prefix off for the custom endpoint) and the emulator's
    StartLiveTail: every line once, in order, and the first progress line says how it follows. (make bench
    follows a step across forced session ends.)"""
    import io
    import os

    import boto3

    from local_emr import LocalEmr
    from scripts.bench_log_latency import stand_in_environment
    from step_runner import cli

    job = "import time\nfor i in range(12):\n    print(f'line {i}', flush=True)\n    time.sleep(0.4)\n"
    with stand_in_environment(tmp_path), LocalEmr(port=0) as emulator:
        os.environ["AWS_ENDPOINT_URL"] = emulator.endpoint_url
        try:
            boto3.client("s3").create_bucket(Bucket="live-jobs")
            boto3.client("s3").put_object(Bucket="live-jobs", Key="job.py", Body=job.encode())
            cluster_id = boto3.client("emr").run_job_flow(
                Name="live", ReleaseLabel="emr-7.5.0", JobFlowRole="EMR_EC2_DefaultRole",
                ServiceRole="EMR_DefaultRole", Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1,
                                                          "KeepJobFlowAliveWhenNoSteps": True})["JobFlowId"]
            boto3.client("emr").get_waiter("cluster_running").wait(ClusterId=cluster_id,
                                                                   WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
            spec = tmp_path / "steps.yaml"
            spec.write_text("steps:\n  - name: live\n    deploy_mode: client\n    entry_point: s3://live-jobs/job.py\n")
            out, err = io.StringIO(), io.StringIO()
            code = cli.main([str(spec), "--cluster-id", cluster_id, "--follow", "--follow-mode", "live", "--no-logs",
                             "--no-cost", "--state-dir", str(tmp_path / "state")],
                            cli.Deps(stdout=out, stderr=err, install_signals=False))
        finally:
            os.environ.pop("AWS_ENDPOINT_URL", None)
    assert code == cli.EXIT_OK, err.getvalue()
    printed = [line for line in out.getvalue().splitlines() if line.startswith("[live]")]
    assert printed == [f"[live] line {i}" for i in range(12)]
    assert "by Live Tail, else from S3 (--follow-mode live)" in err.getvalue()
    assert "stopped working" not in err.getvalue() and "unavailable" not in err.getvalue()


def test_the_runners_logs_client_drops_the_host_prefix_only_for_a_custom_endpoint(monkeypatch):
    from step_runner.aws.cloudwatch_logs import make_logs_client

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    assert make_logs_client("us-east-1").meta.config.inject_host_prefix is True
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5055")
    client = make_logs_client("us-east-1")
    assert client.meta.endpoint_url == "http://127.0.0.1:5055" and client.meta.config.inject_host_prefix is False


def test_a_finished_step_is_read_a_flush_after_its_last_line_or_until_its_files_can_have_been_shipped():
    """log_naming's timing: the agent's flush after the last line; for a step with no line yet, also the
    watcher's scan and its minimum interval between agent restarts (its files may not be shipped yet)."""
    from emr_contract.log_naming import AGENT_FLUSH_SECONDS, WATCHER_MIN_APPLY_SECONDS, WATCHER_SCAN_SECONDS
    from step_runner.follow import LogFollower

    logs = FakeLogs([[started(), LiveTailUpdate([CwEvent("", OUT, 1000, "hello")])]])
    now = [100.0]
    live, _ = source(logs, clock=lambda: now[0])
    follower = LogFollower([live], lambda line: None, clock=lambda: now[0])
    quiet = FollowTarget("s-2", "quiet")
    settle = AGENT_FLUSH_SECONDS + 0.5
    assert follower.settle_deadline([TARGET, quiet], 100.0) == 100.0 + settle + WATCHER_SCAN_SECONDS + \
        WATCHER_MIN_APPLY_SECONDS
    follower.poll([TARGET])  # "hello" arrives at 100
    assert follower.settle_deadline([TARGET], 99.0) == 100.0 + settle
    assert follower.settle_deadline([TARGET], 102.0) == 102.0 + settle
