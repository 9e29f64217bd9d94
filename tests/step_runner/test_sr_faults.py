"""Fault catalogue (in-process): throttling storms, connection errors and timeouts, 5xx, a cluster
that dies mid-run, a lost AddJobFlowSteps response, crashes and resumes, state-file writes.

`FakeEmr` answers at botocore's transport (a `before-send` handler on the client) with the strict
step model local_emr enforces, so botocore's own retries, parsing and error mapping run for real
against EMR's rules; nothing leaves the process (the endpoint is 127.0.0.1:9 in case a request ever
slipped through). Faults are scripted per operation; a fault
with `after=True` does the work first and then fails the response: the steps exist server-side,
the caller never hears of them. Steps move one state per (fake) sleep, as in test_sr_moto.
The real-process SIGKILL case is in test_sr_faults_sigkill.py.
"""
from __future__ import annotations

import io
import itertools
import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from local_emr.api.fake_emr import FakeEmr as StrictFake
from local_emr.steps.model import EmrApiError, ModelStep
from step_runner import cli
from step_runner.aws import emr_adapter
from step_runner.run import state_file
from step_runner.aws.emr_adapter import SDK_RETRY_CONFIG, EmrAdapter
from step_runner.errors import TransientAwsError
from step_runner.run.runner import CancelToken, RunnerConfig, StepRunner
from step_runner.plan.spec import load_spec_file

from .conftest import T0, FakeClock
from .helpers import EXAMPLE, configs

J = "j-FAULTS"
RUN = "f1"
DEAD = ("TERMINATING", "TERMINATED", "TERMINATED_WITH_ERRORS")


@dataclass
class Fault:
    kind: str  # throttle, 5xx, 503, read_timeout, connect, expired, crash (the caller's process dies)
    after: bool = False  # do the work, then fail the response

    def fail(self, request) -> AWSResponse:
        if self.kind == "crash":  # BaseException: botocore does not catch it, the CLI does not either
            raise SystemExit("killed after EMR answered")
        if self.kind == "read_timeout":
            raise ReadTimeoutError(endpoint_url=request.url)
        if self.kind == "connect":
            raise EndpointConnectionError(endpoint_url=request.url)
        status, code = {"throttle": (400, "ThrottlingException"), "5xx": (500, "InternalServerError"),
                        "503": (503, "ServiceUnavailable"), "expired": (400, "ExpiredTokenException")}[self.kind]
        return _response(request, status, {"__type": code, "message": f"injected {code}"})


class _Raw(io.BytesIO):
    def stream(self, **_):
        yield self.read()


def _response(request, status: int, payload: dict) -> AWSResponse:
    headers = {"x-amzn-RequestId": "fake", "Content-Type": "application/x-amz-json-1.1"}
    return AWSResponse(request.url, status, headers, _Raw(json.dumps(payload).encode()))


class FakeEmr:
    """One EMR cluster under the strict step rules (local_emr.api.fake_emr, what local_emr enforces) behind
    botocore's transport, with scripted faults and simulated progress."""

    def __init__(self, clock: FakeClock, concurrency: int = 2, release: str = "emr-7.5.0") -> None:
        self.clock = clock
        self.emr = StrictFake(now=lambda: T0.timestamp() + clock.t)
        self.cluster = self.emr.add_cluster(cluster_id=J, step_concurrency_level=concurrency, release_label=release,
                                            log_uri="s3://example-logs/emr/")
        numbers = itertools.count(1)
        self.cluster.book.new_id = lambda: f"s-{next(numbers):03d}"
        self.attempts: list[str] = []  # every HTTP attempt, by operation name
        self.faults: dict[str, list[Fault | None]] = {}
        self.before: list[Callable[[str], None]] = []
        self.hold_running = False
        clock.hooks.append(lambda _c: self.tick())

    # --- test controls -------------------------------------------------------------------

    @property
    def steps(self) -> list[ModelStep]:
        return self.cluster.book.steps

    def client(self, retries: dict | None = None):
        c = boto3.client("emr", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                         aws_access_key_id="testing", aws_secret_access_key="testing",
                         config=Config(retries=retries or {"total_max_attempts": 1}))
        c.meta.events.register_first("before-send.emr", self._handle)
        return c

    def script(self, operation: str, *faults: Fault | str | None) -> None:
        """Answers for the next calls of `operation`: a Fault, a kind, or None for a normal answer."""
        self.faults.setdefault(operation, []).extend(Fault(f) if isinstance(f, str) else f for f in faults)

    def die(self, state="TERMINATED_WITH_ERRORS", code="INSTANCE_FAILURE", message="Master instance failed") -> None:
        self.cluster.end(code, message, state == "TERMINATED_WITH_ERRORS")
        if state != "TERMINATING":
            self.cluster.finish_termination()

    def add_step(self, name: str, state: str, created_minutes: float) -> str:
        created = (T0 + timedelta(minutes=created_minutes)).timestamp()
        step = ModelStep(id=self.cluster.book.new_id(), name=name, action_on_failure="CONTINUE",
                         hadoop_jar_step={"Jar": "command-runner.jar", "Args": ["spark-submit"]}, created=created,
                         state=state, started=None if state == "PENDING" else created + 1)
        self.steps.append(step)
        return step.id

    def names(self) -> list[str]:
        return sorted(s.name for s in self.steps)

    def tick(self) -> None:
        """One state per sleep: CANCEL_PENDING -> CANCELLED, RUNNING -> COMPLETED, PENDING -> RUNNING."""
        if self.cluster.state in DEAD:
            return
        book = self.cluster.book
        for s in list(book.steps):
            if s.state == "CANCEL_PENDING":
                book.finish(s, "CANCELLED")
            elif s.state == "RUNNING" and not self.hold_running:
                book.finish(s, "COMPLETED")
        self.emr.tick()

    # --- the "server" ------------------------------------------------------------------------

    def _handle(self, request, event_name: str, **_):
        operation = event_name.rsplit(".", 1)[-1]  # before-send.emr.<Operation>
        body = json.loads(request.body or b"{}")
        self.attempts.append(operation)
        for hook in self.before:
            hook(operation)
        queue = self.faults.get(operation) or []
        fault = queue.pop(0) if queue else None
        if fault and not fault.after:
            return fault.fail(request)
        try:
            status, payload = 200, self.emr.handle(operation, body)
        except EmrApiError as err:
            status, payload = 400, {"__type": err.code, "message": err.message}
        return fault.fail(request) if fault else _response(request, status, payload)


@pytest.fixture
def fake(clock) -> FakeEmr:
    return FakeEmr(clock)


@pytest.fixture
def no_sdk_backoff(monkeypatch):
    """botocore's retry backoff would really sleep; the attempts themselves still happen."""
    from botocore.retries.standard import ExponentialBackoff
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)


def run(fake: FakeEmr, clock: FakeClock, state_dir: Path, *argv: str, submit_client=None, emr_client=None):
    """The CLI on the fake: production retry config for EMR unless told otherwise, and (like the real
    CLI) a separate one-attempt submit client."""
    emr = emr_client or fake.client()
    submit = submit_client or fake.client(dict(emr_adapter.SUBMIT_RETRY_CONFIG))
    out, err = io.StringIO(), io.StringIO()
    deps = cli.Deps(make_clients=lambda region, profile: (emr, None), make_submit_client=lambda region, profile: submit,
                    clock=clock, sleep=clock.sleep, rand=lambda: 0.5, now=lambda: T0, stdout=out, stderr=err,
                    install_signals=False)
    code = cli.main([*argv, "--no-logs", "--state-dir", str(state_dir)], deps)
    return code, out.getvalue(), err.getvalue()


def backoffs(clock: FakeClock) -> list[float]:
    """Sleeps that are not poll intervals (5/15/30 s with rand=0.5): the runner's backoff."""
    return [s for s in clock.sleeps if s not in (5.0, 15.0, 30.0)]


def one_step_spec(tmp_path: Path, *names: str) -> Path:
    spec = tmp_path / "spec.yaml"
    lines = ["steps:"]
    prev = None
    for n in names:
        lines += [f"  - name: {n}", f"    entry_point: s3://b/{n}.py"] + ([f"    depends_on: {prev}"] if prev else [])
        prev = n
    spec.write_text("\n".join(lines) + "\n")
    return spec


# --- throttling storms -------------------------------------------------------------------------


def test_throttling_storm_on_polls_backs_off_to_the_cap_then_resets(fake, clock, tmp_path):
    fake.script("ListSteps", *["throttle"] * 9, None, "throttle")
    code, out, err = run(fake, clock, tmp_path, str(one_step_spec(tmp_path, "a", "b")), "--cluster-id", J,
                         "--run-id", RUN, "--json")
    assert code == cli.EXIT_OK, err
    # 2 s doubling with half jitter (rand=0.5 -> x0.75), capped at 120 s; reset after the first good poll.
    assert backoffs(clock) == [1.5, 3.0, 6.0, 12.0, 24.0, 48.0, 90.0, 90.0, 90.0, 1.5]
    assert err.count("ListSteps failed transiently: ThrottlingException") == 10
    assert fake.attempts.count("AddJobFlowSteps") == 2 and fake.names() == ["a [run=f1]", "b [run=f1]"]
    # while throttled the poll interval still slows down with time since the last change (5 -> 15 -> 30 s)
    assert {5.0, 15.0, 30.0} <= set(clock.sleeps)


def test_throttling_storm_outlasting_cluster_timeout_exits_6_without_submitting(fake, clock, tmp_path):
    fake.script("DescribeCluster", *["throttle"] * 20)
    code, _, err = run(fake, clock, tmp_path, str(EXAMPLE), "--cluster-id", J, "--run-id", RUN,
                       "--cluster-timeout", "60s")
    assert code == cli.EXIT_TIMEOUT
    assert clock.sleeps == [1.5, 3.0, 6.0, 12.0, 24.0, 13.5]  # the last sleep is cut to the deadline
    assert "still UNKNOWN after 60s" in err
    assert "AddJobFlowSteps" not in fake.attempts and not state_file.state_path(tmp_path, RUN).exists()


def test_throttled_submission_reconciles_by_run_token_before_resubmitting(fake, clock, tmp_path):
    fake.script("AddJobFlowSteps", "throttle")
    code, _, err = run(fake, clock, tmp_path, str(EXAMPLE), "--cluster-id", J, "--run-id", RUN)
    assert code == cli.EXIT_OK, err
    assert fake.attempts[:4] == ["DescribeCluster", "AddJobFlowSteps", "ListSteps", "AddJobFlowSteps"]
    assert clock.sleeps[0] == 1.5
    assert fake.names() == ["dimensions [run=f1]", "ingest [run=f1]", "report [run=f1]"]


# --- connection errors, timeouts, 5xx ------------------------------------------------------------


@pytest.mark.parametrize("kind,code", [("connect", "EndpointConnectionError"), ("read_timeout", "ReadTimeoutError"),
                                       ("5xx", "InternalServerError"), ("503", "ServiceUnavailable")])
@pytest.mark.parametrize("operation", ["DescribeCluster", "ListSteps"])
def test_transient_errors_back_off_and_the_run_completes(fake, clock, tmp_path, kind, code, operation):
    fake.script(operation, kind, kind)
    code_, _, err = run(fake, clock, tmp_path, str(EXAMPLE), "--cluster-id", J, "--run-id", RUN, "--json")
    assert code_ == cli.EXIT_OK, err
    assert err.count(f"{operation} failed transiently: {code}") == 2
    assert backoffs(clock) == [1.5, 3.0]
    assert fake.names() == ["dimensions [run=f1]", "ingest [run=f1]", "report [run=f1]"]


@pytest.mark.parametrize("kind", ["connect", "read_timeout", "5xx"])
def test_adapter_types_transport_faults_as_transient(fake, kind):
    fake.script("ListSteps", kind)
    with pytest.raises(TransientAwsError) as info:
        EmrAdapter(fake.client()).list_steps(J, ["s-1"])
    assert info.value.operation == "ListSteps"


def test_cancel_steps_5xx_during_cancel_is_retried(fake, clock, tmp_path):
    fake.hold_running = True
    fake.script("CancelSteps", "5xx")
    token = CancelToken()
    clock.hooks.append(lambda c: token.cancel() if len(c.sleeps) == 2 else None)
    runner = StepRunner(EmrAdapter(fake.client()), clock=clock, sleep=clock.sleep, rand=lambda: 0.5, cancel=token,
                        config=RunnerConfig(fetch_logs=False))
    report = runner.run(load_spec_file(EXAMPLE), runner.wait_for_cluster(J), RUN)
    assert report.outcome == "CANCELLED"
    assert fake.attempts.count("CancelSteps") == 2
    assert {s.name: s.outcome for s in report.steps} == {
        "ingest": "CANCELLED", "dimensions": "CANCELLED", "report": "NOT_SUBMITTED"}


def test_expired_credentials_mid_run_exit_7_then_resume_attaches(fake, clock, tmp_path):
    fake.script("ListSteps", "expired")
    code, _, err = run(fake, clock, tmp_path, str(EXAMPLE), "--cluster-id", J, "--run-id", RUN)
    assert code == cli.EXIT_AWS_ERROR and "ExpiredTokenException" in err
    saved = state_file.load(state_file.state_path(tmp_path, RUN))
    assert not saved.finished and saved.step_ids == {"ingest": ["s-001"], "dimensions": ["s-002"]}
    code, out, err = run(fake, clock, tmp_path, "--resume", RUN, "--json")
    assert code == cli.EXIT_OK, err
    assert fake.names() == ["dimensions [run=f1]", "ingest [run=f1]", "report [run=f1]"]


# --- the lost AddJobFlowSteps response (the duplicate fix) ----------------------------------------


def test_sdk_retry_of_add_job_flow_steps_would_duplicate_steps(fake, no_sdk_backoff):
    """Why AddJobFlowSteps has its own client: with SDK retries on, a response lost after EMR created
    the steps is retried inside botocore and the caller gets the ids of the second copy only."""
    fake.script("AddJobFlowSteps", Fault("read_timeout", after=True))
    retrying = fake.client(dict(SDK_RETRY_CONFIG))
    ids = EmrAdapter(retrying).add_steps(J, configs(RUN, "ingest"))
    assert ids == ["s-002"] and fake.names() == ["ingest [run=f1]"] * 2


@pytest.mark.parametrize("kind", ["read_timeout", "5xx"])
def test_lost_add_job_flow_steps_response_is_reconciled_not_resubmitted(fake, clock, tmp_path, no_sdk_backoff, kind):
    fake.script("AddJobFlowSteps", Fault(kind, after=True))
    emr = fake.client(dict(SDK_RETRY_CONFIG))  # the production config for everything else
    code, out, err = run(fake, clock, tmp_path, str(EXAMPLE), "--cluster-id", J, "--run-id", RUN, "--json",
                         emr_client=emr)
    assert code == cli.EXIT_OK, err
    # one attempt for the first batch (it failed after creating ingest+dimensions), one for report
    assert fake.attempts.count("AddJobFlowSteps") == 2
    assert fake.attempts[:3] == ["DescribeCluster", "AddJobFlowSteps", "ListSteps"]
    assert fake.names() == ["dimensions [run=f1]", "ingest [run=f1]", "report [run=f1]"]
    assert "[ingest] attached to s-001" in err and "[dimensions] attached to s-002" in err
    report = json.loads(out)
    assert {s["name"]: s["step_ids"] for s in report["steps"]} == {
        "ingest": ["s-001"], "dimensions": ["s-002"], "report": ["s-003"]}
    saved = state_file.load(state_file.state_path(tmp_path, RUN))
    assert saved.finished and saved.step_ids == {"ingest": ["s-001"], "dimensions": ["s-002"], "report": ["s-003"]}


def test_submit_client_comes_from_make_submit_client_only_with_the_real_factories(monkeypatch, tmp_path):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                       "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    emr_adapter._session.cache_clear()
    try:
        client = emr_adapter.make_submit_client("us-east-1")  # creating a client makes no AWS call
        assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 1}
    finally:
        emr_adapter._session.cache_clear()
    assert cli.Deps().make_submit_client is emr_adapter.make_submit_client
    assert cli.Deps(make_clients=lambda r, p: (None, None)).make_submit_client is None


# --- cluster terminated mid-run -------------------------------------------------------------------


def test_cluster_terminated_while_steps_run_exit_5(fake, clock, tmp_path):
    fake.hold_running = True
    clock.hooks.append(lambda c: fake.die() if len(c.sleeps) == 2 else None)
    code, out, err = run(fake, clock, tmp_path, str(EXAMPLE), "--cluster-id", J, "--run-id", RUN, "--json",
                         "--no-cost")  # the run's own calls are checked below
    assert code == cli.EXIT_CLUSTER_DIED
    report = json.loads(out)
    assert report["message"] == "cluster TERMINATED_WITH_ERRORS: INSTANCE_FAILURE: Master instance failed"
    # a cluster lost to an instance failure cancels its running steps (as mrjob's mock EMR has it)
    assert {s["name"]: s["outcome"] for s in report["steps"]} == {
        "ingest": "CANCELLED", "dimensions": "CANCELLED", "report": "SKIPPED"}
    assert "CancelSteps" not in fake.attempts and fake.attempts.count("AddJobFlowSteps") == 1
    # the poll's ListSteps already showed the steps ended, so nothing follows DescribeCluster
    assert fake.attempts[-2:] == ["ListSteps", "DescribeCluster"]
    assert state_file.load(state_file.state_path(tmp_path, RUN)).finished


def test_cluster_terminating_refuses_the_next_submission_exit_5_not_7(clock, tmp_path):
    fake = FakeEmr(clock, concurrency=1)
    fake.before.append(lambda op: fake.die("TERMINATING", "USER_REQUEST", "Terminated by user")
                       if op == "AddJobFlowSteps" and fake.attempts.count(op) == 2 else None)
    code, out, err = run(fake, clock, tmp_path, str(EXAMPLE), "--cluster-id", J, "--run-id", RUN, "--json")
    assert code == cli.EXIT_CLUSTER_DIED, err
    report = json.loads(out)
    assert {s["name"]: s["outcome"] for s in report["steps"]} == {
        "ingest": "COMPLETED", "dimensions": "NOT_SUBMITTED", "report": "NOT_SUBMITTED"}
    assert report["message"].startswith("cluster TERMINATING: USER_REQUEST")
    assert fake.names() == ["ingest [run=f1]"]


# --- crash between AddJobFlowSteps and the state save; resume ------------------------------------


def test_state_file_exists_before_the_first_submission(fake, clock, tmp_path):
    """A crash right after EMR created the steps, before the runner saw the ids, still leaves a state
    file naming the cluster and spec, so `--resume RUN_ID` alone re-attaches (real SIGKILL: see
    test_sr_faults_sigkill.py)."""
    fake.script("AddJobFlowSteps", Fault("crash", after=True))
    with pytest.raises(SystemExit):
        run(fake, clock, tmp_path, str(EXAMPLE), "--cluster-id", J, "--run-id", RUN)
    saved = state_file.load(state_file.state_path(tmp_path, RUN))
    assert (saved.cluster_id, saved.step_ids, saved.finished) == (J, {}, False)
    assert saved.spec_path == str(EXAMPLE) and len(fake.steps) == 2
    code, _, err = run(fake, clock, tmp_path, "--resume", RUN)
    assert code == cli.EXIT_OK, err
    assert fake.names() == ["dimensions [run=f1]", "ingest [run=f1]", "report [run=f1]"]


def test_resume_without_state_file_finds_steps_older_than_five_minutes(fake, clock, tmp_path):
    for name in ("ingest", "dimensions"):
        fake.add_step(f"{name} [run={RUN}]", "RUNNING", created_minutes=-60)
    for i in range(60):  # other people's steps on top: the search pages past them
        fake.add_step(f"other-{i}", "COMPLETED", created_minutes=-30)
    code, out, err = run(fake, clock, tmp_path, str(EXAMPLE), "--cluster-id", J, "--resume", RUN, "--json")
    assert code == cli.EXIT_OK, err
    assert [n for n in fake.names() if "[run=" in n] == ["dimensions [run=f1]", "ingest [run=f1]", "report [run=f1]"]
    assert fake.attempts.count("AddJobFlowSteps") == 1  # report only


# --- the state file is written atomically ---------------------------------------------------------


def _state(ids):
    return state_file.RunState(RUN, J, "/x/steps.yaml", T0.isoformat(), ids)


@pytest.mark.parametrize("breaks", ["json.dump", "os.replace", "os.fsync"])
def test_a_failed_state_write_keeps_the_previous_file_and_no_temp(tmp_path, monkeypatch, breaks):
    path = state_file.state_path(tmp_path, RUN)
    state_file.save(_state({"ingest": ["s-1"]}), path)
    module, name = breaks.split(".")
    real = getattr(getattr(state_file, module), name)

    def half_then_fail(*args, **kwargs):
        if name == "dump":
            args[1].write('{"run_id": "f1", "step_ids": {"ing')  # a partial write
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(getattr(state_file, module), name, half_then_fail)
    with pytest.raises(OSError):
        state_file.save(_state({"ingest": ["s-1"], "report": ["s-2"]}), path)
    monkeypatch.setattr(getattr(state_file, module), name, real)
    assert state_file.load(path) == _state({"ingest": ["s-1"]})
    assert os.listdir(tmp_path) == [path.name]


def test_save_fsyncs_the_file_then_renames_then_fsyncs_the_directory(tmp_path, monkeypatch):
    seen: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (seen.append(
        "fsync-dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync-file"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (seen.append("replace"), real_replace(a, b))[1])
    state_file.save(_state({}), state_file.state_path(tmp_path, RUN))
    assert seen == ["fsync-file", "replace", "fsync-dir"]
