"""The cancel phase is paced like the rest of the run (regression: a hot ListSteps loop after Ctrl-C).

The CLI's interruptible sleep once returned at once whenever the cancel flag was set, so after the
first Ctrl-C every sleep of the run loop was skipped: ListSteps/DescribeCluster in a tight loop for
the whole cancel phase (SEND_INTERRUPT, the grace period, TERMINATE_PROCESS, waiting for CANCELLED),
throttle backoffs skipped too, exactly when EMR's API is needed to cancel. The sleep must wake early
only on the transition into cancelling; after that the runner's poll policy paces every cycle.

These tests run the real `run_command._interruptible_sleep` on fake time: `run_command.time` is replaced by a
namespace whose monotonic/sleep are the FakeClock, so its 0.5 s slices advance fake time.
"""
from __future__ import annotations

import io
import json
import math
import signal
import threading
import time
import types
from pathlib import Path

import pytest
import boto3
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from local_emr.api.fake_emr import FakeEmr as StrictFake
from step_runner import cli
from step_runner.cli import run_command
from step_runner.aws.emr_adapter import EmrAdapter
from step_runner.run.machine import RunMachine
from step_runner.poll_policy import PollPolicy
from step_runner.run.runner import CancelToken, RunnerConfig, StepRunner
from step_runner.plan.spec import parse_spec
from step_runner.state import ClusterInfo

from .conftest import T0, FakeClock

J = "j-PACING"
RUN = "p1"
POLICY = PollPolicy()
# The shortest pause the policy allows between two polls while cancelling (fast interval, jitter down).
MIN_GAP = POLICY.fast * (1 - POLICY.jitter)
HOT_LOOP_CAP = 200  # the fake ends the steps after this many ListSteps, so the old hot loop terminates


class FakeEmrClient:
    """A botocore EMR client on fake time, answered by the strict step model (what local_emr enforces).
    Steps go PENDING -> RUNNING 2 s after submission. SEND_INTERRUPT is ignored by the step's process
    (CANCEL_PENDING forever), so the runner must escalate after the grace period; TERMINATE_PROCESS
    ends it CANCELLED 3 s later. Call times are recorded; ListSteps can be throttled."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.emr = StrictFake(now=lambda: T0.timestamp() + clock.t)
        self.cluster = self.emr.add_cluster(cluster_id=J, step_concurrency_level=2, log_uri="s3://example-logs/emr/")
        self.client = boto3.client("emr", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                                   aws_access_key_id="testing", aws_secret_access_key="testing",
                                   config=Config(retries={"total_max_attempts": 1}))
        self.client.meta.events.register_first("before-send.emr", self._record)
        self.emr.attach(self.client)
        self.list_calls: list[float] = []  # fake time of every ListSteps call
        self.describe_calls: list[float] = []
        self.cancels: list[tuple[float, str | None, list[str]]] = []
        self.throttle_list_steps_after: float | None = None  # throttle ListSteps from this fake time ...
        self.throttles_left = 0  # ... this many times
        self.throttled_at: list[float] = []
        self._terminate_at: dict[str, float] = {}

    @property
    def steps(self) -> dict[str, dict]:
        return {s.id: {"Name": s.name, "State": s.state} for s in self.cluster.book.steps}

    def _advance(self) -> None:
        t, book = self.clock.t, self.cluster.book
        for s in list(book.steps):
            created = s.created - T0.timestamp()
            if s.state == "PENDING" and t - created >= 2 and s in book.startable():
                book.start(s)
            if s.state == "CANCEL_PENDING" and s.id in self._terminate_at and t - self._terminate_at[s.id] >= 3:
                book.finish(s, "CANCELLED")
            if len(self.list_calls) > HOT_LOOP_CAP and s.state in ("RUNNING", "CANCEL_PENDING"):
                book.finish(s, "CANCELLED")

    def _record(self, request, event_name: str, **_):
        """Runs before the strict fake answers: times, throttling, progress."""
        operation = event_name.rsplit(".", 1)[-1]
        t = self.clock.t
        body = json.loads(request.body or b"{}")
        if operation == "ListSteps":
            if self.throttle_list_steps_after is not None and t >= self.throttle_list_steps_after \
                    and self.throttles_left > 0:
                self.throttles_left -= 1
                self.throttled_at.append(t)
                data = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
                return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"}, _Raw(data))
            self.list_calls.append(t)
            self._advance()
        elif operation == "DescribeCluster":
            self.describe_calls.append(t)
        elif operation == "CancelSteps":
            option = body.get("StepCancellationOption")
            self.cancels.append((t, option, list(body["StepIds"])))
            if option == "TERMINATE_PROCESS":
                self._terminate_at.update({i: t for i in body["StepIds"]})
        return None


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_):
        yield self.data


@pytest.fixture
def fake_time(monkeypatch, clock):
    """The CLI's wall clock becomes the fake clock: `_interruptible_sleep` naps advance fake time."""
    monkeypatch.setattr(run_command, "time", types.SimpleNamespace(monotonic=clock, sleep=clock.sleep, strftime=time.strftime))
    return clock


def two_step_spec(tmp_path: Path) -> Path:
    spec = tmp_path / "spec.yaml"
    spec.write_text("steps:\n"
                    "  - name: a\n    entry_point: s3://b/a.py\n"
                    "  - name: b\n    entry_point: s3://b/b.py\n")
    return spec


def ctrl_c_at(clock: FakeClock, *times: float) -> list[float]:
    """Raise SIGINT (through the CLI's real handler) the first time fake time reaches each of `times`."""
    pressed: list[float] = []

    def hook(c: FakeClock) -> None:
        if len(pressed) < len(times) and c.t >= times[len(pressed)]:
            pressed.append(c.t)
            signal.raise_signal(signal.SIGINT)
    clock.hooks.append(hook)
    return pressed


def run_cli(fake: FakeEmrClient, clock: FakeClock, tmp_path: Path, *argv: str, rand=lambda: 0.5):
    """The CLI as shipped: no injected sleep (the interruptible one), real signal handlers, fake time."""
    out, err = io.StringIO(), io.StringIO()
    deps = cli.Deps(make_clients=lambda region, profile: (fake.client, None), clock=clock, sleep=None, rand=rand,
                    now=lambda: T0, stdout=out, stderr=err, install_signals=True)
    code = cli.main([str(two_step_spec(tmp_path)), "--cluster-id", J, "--run-id", RUN, "--no-logs", "-q",
                     "--state-dir", str(tmp_path / "state"), *argv], deps)
    return code, out.getvalue(), err.getvalue()


def cycling(*values: float):
    it = iter(values * 1000)
    return lambda: next(it)


# --- the regression: Ctrl-C while steps are RUNNING ------------------------------------------------


def test_cancel_phase_polls_at_the_policy_pace_not_in_a_hot_loop(fake_time, tmp_path, restore_signals):
    clock = fake_time
    fake = FakeEmrClient(clock)
    pressed = ctrl_c_at(clock, 12.0)

    code, _, err = run_cli(fake, clock, tmp_path, "--cancel-grace", "20s", rand=cycling(0.1, 0.9, 0.5))

    assert code == cli.EXIT_CANCELLED, err
    assert pressed and all(s["State"] == "CANCELLED" for s in fake.steps.values())
    cancel_start = pressed[0]
    cancel_polls = [t for t in fake.list_calls if t >= cancel_start]
    elapsed = clock.t - cancel_start
    # Paced: at most one cycle per fast interval (jittered down), plus the poll right after the
    # transition and one for rounding. The old code made HOT_LOOP_CAP calls in 0 fake seconds.
    assert len(cancel_polls) <= elapsed / MIN_GAP + 2, (len(cancel_polls), elapsed)
    # The sleeps while cancelling really slept: fake time moved and every gap between polls is a poll interval.
    assert elapsed >= 20.0  # at least the grace period passed in (fake) time
    gaps = [b - a for a, b in zip(cancel_polls, cancel_polls[1:])]
    assert gaps and min(gaps) >= MIN_GAP - 1e-9, gaps
    # The whole cancel sequence happened on the policy's pace: SEND_INTERRUPT at once, TERMINATE_PROCESS
    # after the grace period (within one poll interval), then CANCELLED.
    (t_int, opt_int, _), (t_term, opt_term, _) = fake.cancels
    assert (opt_int, opt_term) == ("SEND_INTERRUPT", "TERMINATE_PROCESS")
    assert t_int - cancel_start < 1.0
    assert 20.0 <= t_term - t_int <= 20.0 + POLICY.fast * (1 + POLICY.jitter)
    # DescribeCluster is paced the same way (one per cycle).
    assert len([t for t in fake.describe_calls if t >= cancel_start]) <= elapsed / MIN_GAP + 2


def test_throttling_while_cancelling_backs_off_for_real(fake_time, tmp_path, restore_signals):
    clock = fake_time
    fake = FakeEmrClient(clock)
    pressed = ctrl_c_at(clock, 12.0)
    fake.throttle_list_steps_after, fake.throttles_left = 13.0, 3

    code, _, err = run_cli(fake, clock, tmp_path, "--cancel-grace", "20s")

    assert code == cli.EXIT_CANCELLED, err
    assert pressed and len(fake.throttled_at) == 3
    # rand=0.5: each throttled cycle backs off 1.5 s, 3 s, 6 s (2, 4, 8 with half jitter), then the
    # next cycle waits its poll interval (5 s) as usual. The old code skipped both while cancelling.
    gaps = [b - a for a, b in zip(fake.throttled_at, fake.throttled_at[1:])]
    assert gaps == pytest.approx([1.5 + POLICY.fast, 3.0 + POLICY.fast])
    first_good = next(t for t in fake.list_calls if t > fake.throttled_at[-1])
    assert first_good - fake.throttled_at[-1] == pytest.approx(6.0 + POLICY.fast)


def test_a_second_ctrl_c_while_cancelling_abandons_at_once_exit_130(fake_time, tmp_path, restore_signals):
    clock = fake_time
    fake = FakeEmrClient(clock)
    pressed = ctrl_c_at(clock, 12.0, 20.0)

    code, _, err = run_cli(fake, clock, tmp_path, "--cancel-grace", "60s")

    assert code == cli.EXIT_ABANDONED == 130, err
    assert len(pressed) == 2 and "--resume" in err
    # Abandoned inside the sleep that the second Ctrl-C interrupted: no more fake time, no more calls.
    assert clock.t == pressed[1]
    assert all(t <= pressed[1] for t in fake.list_calls + fake.describe_calls)
    assert [opt for _, opt, _ in fake.cancels] == ["SEND_INTERRUPT"]
    assert {s["State"] for s in fake.steps.values()} == {"CANCEL_PENDING"}


# --- the interruptible sleep itself ----------------------------------------------------------------


def test_interruptible_sleep_wakes_early_only_on_the_transition(fake_time):
    clock = fake_time
    token = CancelToken()
    sleep = run_command._interruptible_sleep(token)
    clock.hooks.append(lambda c: token.cancel() if c.t >= 2.0 else None)

    sleep(30.0)  # the first cancel ends this sleep within one slice
    assert clock.t == pytest.approx(2.0)
    sleep(30.0)  # already cancelling: a full-length sleep
    assert clock.t == pytest.approx(32.0)
    sleep(0.0)
    assert clock.t == pytest.approx(32.0)


@pytest.mark.integration  # real signals in real time
def test_interruptible_sleep_with_real_time_second_sigint_interrupts_at_once(restore_signals):
    token = CancelToken()
    run_command._install_signals(token, io.StringIO(), RUN)
    sleep = run_command._interruptible_sleep(token)
    main = threading.main_thread().ident

    def ctrl_c_soon() -> threading.Timer:  # SIGINT aimed at the main thread, as a terminal's Ctrl-C lands
        timer = threading.Timer(0.05, signal.pthread_kill, (main, signal.SIGINT))
        timer.start()
        return timer

    start = time.monotonic()
    ctrl_c_soon()
    sleep(5.0)  # the first SIGINT: wakes within one 0.5 s slice
    assert token.requested and time.monotonic() - start < 1.0
    start = time.monotonic()
    timer = ctrl_c_soon()
    with pytest.raises(KeyboardInterrupt):
        sleep(5.0)  # already cancelling, so a full sleep, until the second SIGINT raises inside time.sleep
    assert time.monotonic() - start < 0.4  # at once, not at the end of a 0.5 s slice
    timer.join()


# --- the runner: cancel-phase delays come from the poll policy -------------------------------------


def runner_with(fake: FakeEmrClient, clock: FakeClock, token: CancelToken, rand, **config) -> StepRunner:
    return StepRunner(EmrAdapter(fake.client), clock=clock, sleep=clock.sleep, rand=rand, cancel=token,
                      config=RunnerConfig(fetch_logs=False, **config))


def test_cancel_phase_delays_keep_jitter_and_the_rate_budget(clock):
    """60 running steps: 6 ListSteps + 1 DescribeCluster per cycle, so the rate budget (1 call/s)
    stretches the fast interval to 7 s; the cancel phase must not squeeze it back to 5 s."""
    fake = FakeEmrClient(clock)
    fake.cluster.step_concurrency_level = 60
    token = CancelToken()
    clock.hooks.append(lambda c: token.cancel() if c.t >= 10 else None)
    rands = [0.0, 1.0, 0.25, 0.75, 0.5]
    rand = cycling(*rands)
    plan = parse_spec({"steps": [{"name": f"s{i}", "entry_point": f"s3://b/s{i}.py"} for i in range(60)]})
    r = runner_with(fake, clock, token, rand, cancel_grace=20.0)
    report = r.run(plan, ClusterInfo(J, "spark", "WAITING", step_concurrency_level=60, release_label="emr-7.5.0"),
                      RUN)
    assert report.outcome == "CANCELLED"
    calls = math.ceil(60 / 10) + 1
    base = max(POLICY.fast, calls / POLICY.rate_budget)
    allowed = {round(base * (1 + POLICY.jitter * (2 * x - 1)), 9) for x in rands}
    cancelling = [round(s, 9) for s in clock.sleeps if s > 0]
    assert set(cancelling) <= allowed, (cancelling, allowed)
    assert len(set(cancelling)) > 1  # jitter kept while cancelling
    gaps = [b - a for a, b in zip(fake.list_calls, fake.list_calls[1:]) if b - a > 0]
    assert min(gaps) >= base * (1 - POLICY.jitter) - 1e-9  # never above the rate budget


class _FakeFollower:
    interval = 5.0

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.polled_at: list[float] = []

    def poll(self, targets) -> None:
        self.polled_at.append(self.clock.t)

    def next_read_in(self) -> float:
        return self.interval

    def finish(self, ended) -> None:
        pass


def test_following_logs_wakes_on_the_first_cancel_then_keeps_reading_at_its_pace(fake_time):
    """--follow slices the poll delay to read logs; the first cancel ends the delay, and while
    cancelling the delay is slept in full, still reading the cancelled steps' logs every 5 s."""
    clock = fake_time
    token = CancelToken()
    follower = _FakeFollower(clock)
    r = StepRunner(EmrAdapter(FakeEmrClient(clock).client), clock=clock, sleep=run_command._interruptible_sleep(token),
                   cancel=token)
    machine = RunMachine(parse_spec({"steps": [{"name": "a", "entry_point": "s3://b/a.py"}]}))
    clock.hooks.append(lambda c: token.cancel() if c.t >= 7.0 else None)

    r._sleep_following(30.0, machine, follower)
    assert clock.t == pytest.approx(7.0)
    r._sleep_following(30.0, machine, follower)
    assert clock.t == pytest.approx(37.0)
    assert follower.polled_at == pytest.approx([0.0, 5.0, 7.0, 7.0, 12.0, 17.0, 22.0, 27.0, 32.0, 37.0])
