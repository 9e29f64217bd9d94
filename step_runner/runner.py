"""The runner: drives the pure RunMachine with an EmrAdapter, an injected clock, sleep and
randomness, one poller per cluster. Raises typed exceptions; never exits the process."""
from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .emr_adapter import EmrAdapter
from .follow import FollowTarget, LogFollower
from .errors import AwsCallError, ClusterDiedError, ClusterWaitTimeout, RunCancelled, TransientAwsError
from .log_source import StepLogSource
from .logs import probable_cause
from .machine import SEND_INTERRUPT, TERMINATE_PROCESS, Event, Phase, RunMachine, RunOutcome, StepRecord
from .poll_policy import PollPolicy
from .report import RunReport, StepResult
from .spec import StepPlan, check_against_cluster, parse_tag, step_config
from .state import STEP_TERMINAL
from .triage import triage_step
from .state import (CLUSTER_DEAD, LIST_STEPS_MAX_IDS, MAX_ACTIVE_STEPS, ClusterInfo, ClusterVerdict, Outcome,
                    StepObservation, cluster_verdict)


@dataclass(frozen=True)
class RunnerConfig:
    """Time limits in seconds; None means no limit."""

    cluster_timeout: float = 1800.0
    run_timeout: float | None = None
    cancel_grace: float = 60.0
    cancel_wait: float = 600.0
    details_wait: float = 180.0
    fetch_logs: bool = True


class CancelToken:
    """Set from a signal handler; the runner reads it between API calls."""

    def __init__(self) -> None:
        self.reason: Outcome | None = None

    def cancel(self, reason: Outcome = Outcome.CANCELLED) -> None:
        if self.reason is None:
            self.reason = reason

    @property
    def requested(self) -> bool:
        return self.reason is not None


def poll_calls(tracked: int) -> int:
    """EMR calls in one poll cycle: ceil(tracked / 10) ListSteps plus one DescribeCluster."""
    return math.ceil(tracked / LIST_STEPS_MAX_IDS) + 1


class StepRunner:
    def __init__(
        self,
        adapter: EmrAdapter,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        rand: Callable[[], float] = random.random,
        policy: PollPolicy = PollPolicy(),
        config: RunnerConfig = RunnerConfig(),
        log_source: StepLogSource | None = None,
        on_event: Callable[[Event], None] = lambda e: None,
        on_progress: Callable[[RunMachine], None] = lambda m: None,
        cancel: CancelToken | None = None,
        follower: LogFollower | None = None,
    ) -> None:
        self.emr = adapter
        self.clock = clock
        self.sleep = sleep
        self.rand = rand
        self.policy = policy
        self.config = config
        self.log_source = log_source
        self.on_event = on_event
        self.on_progress = on_progress
        self.cancel = cancel or CancelToken()
        self.follower = follower

    def _emit(self, events: list[Event] | Event) -> None:
        for e in events if isinstance(events, list) else [events]:
            self.on_event(e)

    # --- cluster ---------------------------------------------------------------------------

    def wait_for_cluster(self, cluster_id: str, *, need_free_slot: bool = True) -> ClusterInfo:
        """Block until WAITING (or RUNNING with a free step slot); fail fast on dead states.
        Resuming only needs a live cluster: its busy slots may be our own steps."""
        start = self.clock()
        last_state = "UNKNOWN"
        throttles = 0
        while True:
            if self.cancel.requested:
                raise RunCancelled("cancelled while waiting for the cluster")
            try:
                info = self.emr.describe_cluster(cluster_id)
                active = 0
                if info.state == "RUNNING" and need_free_slot:
                    active = self.emr.count_active_steps(cluster_id)
                throttles = 0
                verdict = cluster_verdict(info.state, active, info.step_concurrency_level)
                if verdict is ClusterVerdict.READY:
                    return info
                if verdict is ClusterVerdict.DEAD:
                    raise ClusterDiedError(cluster_id, info.state, info.reason_code, info.reason_message)
                if info.state != last_state:
                    self._emit(Event("cluster", None, f"{cluster_id} is {info.state}; waiting"))
                last_state = info.state
                delay = self.policy.cluster_wait
            except TransientAwsError as exc:
                throttles += 1
                self._emit(Event("warning", None, f"{exc}; backing off"))
                delay = self.policy.throttle_delay(throttles, self.rand)
            waited = self.clock() - start
            if waited >= self.config.cluster_timeout:
                raise ClusterWaitTimeout(cluster_id, last_state, waited)
            self.sleep(min(delay, self.config.cluster_timeout - waited))

    # --- run -------------------------------------------------------------------------------

    def run(self, plan: StepPlan, cluster: ClusterInfo, run_id: str, *, resume: bool = False,
            created_after: datetime | None = None) -> tuple[RunReport, RunMachine]:
        """Submit, monitor and (if asked) cancel every step of `plan`; returns the report."""
        check_against_cluster(plan, cluster.step_concurrency_level)
        machine = RunMachine(plan, details_wait=self.config.details_wait)
        concurrency = min(cluster.step_concurrency_level, MAX_ACTIVE_STEPS)
        start = self.clock()
        machine.last_event_at = start
        deadline = start + self.config.run_timeout if self.config.run_timeout else None
        needs_reconcile = resume
        throttles = 0
        dead: ClusterInfo | None = None

        while True:
            now = self.clock()
            if self.cancel.requested and not machine.cancelling:
                self._emit(machine.request_cancel(self.cancel.reason or Outcome.CANCELLED, now))
            if deadline is not None and now >= deadline and not machine.cancelling:
                self._emit(Event("timeout", None, f"run timeout of {self.config.run_timeout:.0f}s reached"))
                self._emit(machine.request_cancel(Outcome.TIMED_OUT, now))
            for rec in machine.timed_out_steps(now):
                self._emit(machine.cancel_step(rec, Outcome.TIMED_OUT, now))
            try:
                if needs_reconcile:
                    self._adopt_tagged_steps(machine, cluster.cluster_id, run_id, created_after, now)
                    needs_reconcile = False
                self._send_cancels(machine, cluster, now)
                self._give_up_stuck_cancels(machine, now)
                try:
                    self._submit(machine, cluster.cluster_id, run_id, concurrency, now)
                except TransientAwsError:
                    needs_reconcile = True
                    raise
                except AwsCallError:
                    # EMR refuses steps for a cluster that is shutting down (ValidationException): if so,
                    # the poll below finds it dead and the run ends as CLUSTER_DIED, not as a refused call.
                    if self.emr.describe_cluster(cluster.cluster_id).state not in CLUSTER_DEAD:
                        raise
                if machine.finished(now):
                    break
                tracked = machine.tracked_ids(now)
                # While cancelling, poll as right after a transition: the fast interval, still jittered and
                # stretched to the rate budget (never a bare min(delay, fast), which drops both).
                urgent = machine.cancelling or any(r.cancel_reason for r in machine.active())
                since = 0.0 if urgent else machine.since_last_event(now)
                delay = self.policy.next_delay(since, poll_calls(len(tracked)), self.rand)
                if deadline is not None and not machine.cancelling:
                    delay = min(delay, max(0.0, deadline - now))
                self._sleep_following(delay, machine)
                dead = self.poll_once(machine, cluster.cluster_id)
                throttles = 0
            except TransientAwsError as exc:
                throttles += 1
                self._emit(Event("warning", None, f"{exc}; backing off"))
                self.sleep(self.policy.throttle_delay(throttles, self.rand))
                continue
            if dead is not None:
                machine.mark_cluster_dead(f"cluster {dead.state}: {dead.reason_code}: {dead.reason_message}")
                self._emit(Event("cluster", None, f"{cluster.cluster_id} is {dead.state} "
                                                  f"({dead.reason_code}: {dead.reason_message})"))
                break
            if machine.finished(self.clock()):
                break

        outcome = machine.outcome(cluster_died=dead is not None)
        message = None
        if dead is not None:
            message = f"cluster {dead.state}: {dead.reason_code or '-'}: {dead.reason_message or '-'}"
        report = RunReport(run_id, cluster.cluster_id, outcome.value, self._results(machine, cluster), message)
        return report, machine

    def poll_once(self, machine: RunMachine, cluster_id: str) -> ClusterInfo | None:
        """One poll cycle: ListSteps for tracked ids (10 per call), then DescribeCluster.
        Returns the cluster info if it died."""
        now = self.clock()
        ids = machine.tracked_ids(now)
        observations = self.emr.list_steps(cluster_id, ids)
        self._finish_following(machine, observations)
        for obs in observations:
            self._emit(machine.observe(obs, self.clock()))
        info = self.emr.describe_cluster(cluster_id)
        self.on_progress(machine)
        return info if info.state in CLUSTER_DEAD else None

    def _submit(self, machine: RunMachine, cluster_id: str, run_id: str, concurrency: int, now: float) -> None:
        specs = machine.to_submit(concurrency)
        if not specs:
            return
        ids = self.emr.add_steps(cluster_id, [step_config(s, run_id) for s in specs])
        for spec, step_id in zip(specs, ids):
            self._emit(machine.mark_submitted(spec.name, step_id, now))
        self.on_progress(machine)

    def _send_cancels(self, machine: RunMachine, cluster: ClusterInfo, now: float) -> None:
        interrupt, terminate, impossible = machine.cancel_actions(
            now, self.config.cancel_grace, cluster.can_cancel_running)
        for rec in impossible:
            self._emit(machine.abandon(rec, (
                f"release {cluster.release_label} cannot cancel a {rec.state} step (CancelSteps reaches RUNNING "
                "steps from emr-5.28.0); it keeps running on the cluster")))
        for option, recs in ((SEND_INTERRUPT, interrupt), (TERMINATE_PROCESS, terminate)):
            if not recs:
                continue
            sent_option = option if cluster.can_cancel_running else None
            results = self.emr.cancel_steps(cluster.cluster_id, [r.step_id for r in recs if r.step_id], sent_option)
            for rec in recs:
                machine.mark_cancel_sent(rec, option, now)
                self._emit(Event("cancel", rec.name, f"CancelSteps {sent_option or '(pending only)'} sent", rec.step_id))
            for res in results:
                if res.get("Status") == "FAILED":
                    self._emit(Event("warning", None, f"CancelSteps refused {res.get('StepId')}: {res.get('Reason')}",
                                     res.get("StepId")))

    def _give_up_stuck_cancels(self, machine: RunMachine, now: float) -> None:
        limit = self.config.cancel_grace + self.config.cancel_wait
        for rec in machine.active():
            if rec.cancel_sent_at is not None and now - rec.cancel_sent_at >= limit:
                self._emit(machine.abandon(rec, f"not CANCELLED {limit:.0f}s after CancelSteps; check the cluster"))

    def _adopt_tagged_steps(self, machine: RunMachine, cluster_id: str, run_id: str,
                            created_after: datetime | None, now: float) -> None:
        """Attach to this run's steps already on the cluster (found by run token), never resubmit them."""
        history: dict[str, list[StepObservation]] = {}
        for obs in self.emr.iter_all_steps(cluster_id, created_after):
            tag = parse_tag(obs.name)
            if tag and tag[1] == run_id:
                history.setdefault(tag[0], []).append(obs)
        for name, steps in history.items():
            rec = machine.records.get(name)
            if rec is None:
                self._emit(Event("warning", name, f"step {steps[0].step_id} of run {run_id} is not in the spec; ignored"))
                continue
            new = [o for o in reversed(steps) if o.step_id not in rec.step_ids]
            if new and rec.phase is Phase.WAITING:
                self._emit(machine.attach(name, new, now))
        self.on_progress(machine)

    # --- results ---------------------------------------------------------------------------

    def _results(self, machine: RunMachine, cluster: ClusterInfo) -> list[StepResult]:
        results = []
        for rec in machine.records.values():
            res = StepResult(
                name=rec.name, step_id=rec.step_id, outcome=(rec.outcome or Outcome.STILL_ACTIVE).value,
                state=rec.state, attempts=rec.attempts, step_ids=list(rec.step_ids), created=rec.created,
                started=rec.started, ended=rec.ended, failure=rec.failure, note=rec.note,
            )
            text = None
            if rec.step_id and self.log_source is not None:
                res.log_location = self.log_source.location(cluster.cluster_id, rec.step_id)
                if self.config.fetch_logs and rec.outcome in (Outcome.FAILED, Outcome.INTERRUPTED, Outcome.TIMED_OUT):
                    text = self._attach_cause(res, rec, cluster.cluster_id)
            if rec.outcome in (Outcome.FAILED, Outcome.INTERRUPTED, Outcome.TIMED_OUT):
                res.hint = triage_step(text, failure_reason=rec.failure.reason if rec.failure else None,
                                       failure_message=rec.failure.message if rec.failure else None, note=rec.note)
            results.append(res)
        return results

    def _attach_cause(self, res: StepResult, rec: StepRecord, cluster_id: str) -> str | None:
        try:
            text = self.log_source.read_stderr(cluster_id, rec.step_id) if self.log_source and rec.step_id else None
        except Exception as exc:  # a log read must never hide the step result
            res.note = f"could not read stderr: {exc}"
            return None
        if text is None:
            res.note = res.note or "stderr not in S3 yet (EMR uploads step logs about 5 minutes after the end)"
            return None
        res.probable_cause = probable_cause(text)
        return text

    # --- following logs (--follow) ---------------------------------------------------------

    def _sleep_following(self, delay: float, machine: RunMachine) -> None:
        """Sleep `delay`, reading followed logs between slices so lines show up while steps run."""
        if self.follower is None:
            self.sleep(delay)
            return
        end = self.clock() + delay
        was_cancelling = self.cancel.requested
        while True:
            targets = [_follow_target(r) for r in machine.active() if r.step_id and r.state in _FOLLOWED_STATES]
            self.follower.poll(targets)
            left = end - self.clock()
            if left <= 0:
                return
            if self.cancel.requested and not was_cancelling:  # the first Ctrl-C: act on it now
                return
            self.sleep(min(left, self.follower.interval))

    def _finish_following(self, machine: RunMachine, observations: list[StepObservation]) -> None:
        """Print the last lines of steps this poll saw end, before their final state is reported."""
        if self.follower is None:
            return
        ended = []
        for obs in observations:
            rec = machine.record_for(obs.step_id)
            if rec is not None and rec.phase is Phase.ACTIVE and rec.step_id == obs.step_id \
                    and obs.state in STEP_TERMINAL:
                ended.append(_follow_target(rec))
        self.follower.finish(ended)


_FOLLOWED_STATES = frozenset({"RUNNING", "CANCEL_PENDING"})


def _follow_target(rec: StepRecord) -> FollowTarget:
    return FollowTarget(rec.step_id or "", rec.name, cluster_mode=rec.spec.deploy_mode == "cluster")


__all__ = ["StepRunner", "RunnerConfig", "CancelToken", "poll_calls", "RunOutcome"]
