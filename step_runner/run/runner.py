"""The runner: drives the pure RunMachine with an EmrAdapter, an injected clock, sleep and randomness,
one poller per cluster. Raises typed exceptions; never exits the process. Report assembly is in
results.py.

    runner = StepRunner(adapter, clock=time.monotonic, sleep=time.sleep)
    cluster = runner.wait_for_cluster("j-...")
    report = runner.run(plan, cluster, run_id, logs=EvidenceReader([LogPlace("s3", S3StepLogs(s3, cluster.log_uri))]))
    report = runner.resume(plan, cluster, run_id)        # re-attach; never submits a step twice

It stays one module: it is the one loop (poll, submit, cancel, follow, sleep), and its parts share the
run's state and clock.
"""
from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from emr_contract.steps import SEND_INTERRUPT, TERMINATE_PROCESS

from ..aws.emr_adapter import EmrAdapter
from ..errors import (AwsCallError, ClusterDiedError, ClusterFullError, ClusterWaitTimeout, ResumeError,
                     RunAbandoned, RunCancelled, StepRunnerError, TransientAwsError)
from ..follow import FollowTarget, LogFollower
from .machine import ClusterEnd, Event, Phase, RunMachine, RunOutcome, StepRecord
from ..poll_policy import PollPolicy
from ..report.run_report import ERROR_OUTCOME, RunReport
from .results import build_report
from ..report.step_evidence import EvidenceReader
from ..plan.spec import StepPlan, check_against_cluster, parse_tag, step_config
from ..state import (CLUSTER_DEAD, LIST_STEPS_MAX_IDS, MAX_ACTIVE_STEPS, STEP_TERMINAL, ClusterInfo, ClusterVerdict,
                    Outcome, StepObservation, cluster_verdict)

ProgressHook = Callable[[RunMachine], None]


@dataclass(frozen=True)
class RunnerConfig:
    """Time limits in seconds; None means no limit. `cancel_wait`: how long after CancelSteps (and the
    grace period) a step may stay un-CANCELLED before the runner stops waiting (STILL_ACTIVE)."""

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


@dataclass
class _Run:
    """One run's settings and state, passed around the loop's helpers."""

    machine: RunMachine
    cluster: ClusterInfo
    run_id: str
    logs: EvidenceReader | None
    follower: LogFollower | None
    progress: ProgressHook
    full: bool = False  # EMR refused steps for the 256-active limit; the rest is retried every fast interval


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
        on_event: Callable[[Event], None] = lambda e: None,
        cancel: CancelToken | None = None,
    ) -> None:
        self.emr = adapter
        self.clock = clock
        self.sleep = sleep
        self.rand = rand
        self.policy = policy
        self.config = config
        self.on_event = on_event
        self.cancel = cancel or CancelToken()
        self.machine: RunMachine | None = None  # the last run's, for callers that want more than the report

    def _emit(self, events: list[Event] | Event) -> None:
        for e in events if isinstance(events, list) else [events]:
            self.on_event(e)

    # --- cluster ---------------------------------------------------------------------------

    def wait_for_cluster(self, cluster_id: str, *, need_free_slot: bool = True) -> ClusterInfo:
        """Block until the cluster takes steps: WAITING, or RUNNING with a free step slot, or (for a cluster
        that ends once no step is left) any state that takes steps. Fail fast on dead states. Resuming only
        needs a live cluster: its busy slots may be our own steps."""
        start = self.clock()
        last_state = "UNKNOWN"
        throttles = 0
        while True:
            if self.cancel.requested:
                raise RunCancelled("cancelled while waiting for the cluster")
            try:
                info = self.emr.describe_cluster(cluster_id)
                active = 0
                if info.state == "RUNNING" and need_free_slot and not info.auto_terminate:
                    active = self.emr.count_active_steps(cluster_id)
                throttles = 0
                verdict = cluster_verdict(info.state, active, info.step_concurrency_level, info.auto_terminate)
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

    def run(self, plan: StepPlan, cluster: ClusterInfo, run_id: str, *, logs: EvidenceReader | None = None,
            follower: LogFollower | None = None, on_progress: ProgressHook | None = None) -> RunReport:
        """Submit, monitor and (if asked) cancel every step of `plan` on `cluster`. `logs` gives the probable
        cause of failures, `follower` prints log lines while steps run, `on_progress` sees the machine after
        every change (e.g. to save a state file)."""
        return self._drive(plan, cluster, run_id, logs, follower, on_progress, resume=None)

    def resume(self, plan: StepPlan, cluster: ClusterInfo, run_id: str, *,
               known_step_ids: Mapping[str, Sequence[str]] | None = None, created_after: datetime | None = None,
               logs: EvidenceReader | None = None, follower: LogFollower | None = None,
               on_progress: ProgressHook | None = None) -> RunReport:
        """Re-attach to the steps run `run_id` submitted (found on the cluster by their run token, and by the
        ids a state file recorded in `known_step_ids`), then go on like `run`, submitting only steps never
        submitted. Without a state file (`known_step_ids` None) a run with no step on the cluster is refused
        (ResumeError): a mistyped run id must not start the whole spec again. `created_after` bounds the
        search (EMR lists steps newest first)."""
        return self._drive(plan, cluster, run_id, logs, follower, on_progress,
                           resume=(dict(known_step_ids) if known_step_ids is not None else None, created_after))

    def _drive(self, plan: StepPlan, cluster: ClusterInfo, run_id: str, logs: EvidenceReader | None,
               follower: LogFollower | None, on_progress: ProgressHook | None,
               resume: tuple[dict[str, Sequence[str]] | None, datetime | None] | None) -> RunReport:
        check_against_cluster(plan, cluster.step_concurrency_level, cluster.auto_terminate)
        machine = RunMachine(plan, details_wait=self.config.details_wait, eager=cluster.auto_terminate)
        self.machine = machine
        run = _Run(machine, cluster, run_id, logs, follower, on_progress or (lambda m: None))
        try:
            if resume is not None:
                known, created_after = resume
                self._adopt(run, created_after, known=known, required=known is None)
            self._loop(run, reconcile_from=None if resume is None else resume[1])
        except KeyboardInterrupt as exc:
            abandoned = RunAbandoned(f"run {run_id} abandoned; submitted steps keep running (re-attach with "
                                     f"--resume {run_id})")
            abandoned.report = self._report(run, error=abandoned)
            raise abandoned from exc
        except StepRunnerError as exc:
            exc.report = self._report(run, error=exc)
            raise
        return self._report(run)

    def _loop(self, run: _Run, reconcile_from: datetime | None) -> None:
        machine, cluster = run.machine, run.cluster
        concurrency = min(cluster.step_concurrency_level, MAX_ACTIVE_STEPS)
        start = self.clock()
        machine.last_event_at = start
        deadline = start + self.config.run_timeout if self.config.run_timeout else None
        needs_reconcile = False
        throttles = 0
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
                    self._adopt(run, reconcile_from)
                    needs_reconcile = False
                self._send_cancels(run, now)
                self._give_up_stuck_cancels(machine, now)
                try:
                    self._submit(run, concurrency, now)
                except TransientAwsError:
                    needs_reconcile = True
                    raise
                except AwsCallError:
                    # EMR refuses steps for a cluster that is shutting down (ValidationException): if so,
                    # the poll below finds it ended and the run ends by the cluster's reason, not as a refused call.
                    if self.emr.describe_cluster(cluster.cluster_id).state not in CLUSTER_DEAD:
                        raise
                if machine.finished(now):
                    return
                tracked = machine.tracked_ids(now)
                # While cancelling, poll as right after a transition: the fast interval, still jittered and
                # stretched to the rate budget (never a bare min(delay, fast), which drops both).
                urgent = machine.cancelling or any(r.cancel_reason for r in machine.active())
                since = 0.0 if urgent else machine.since_last_event(now)
                delay = self.policy.next_delay(since, poll_calls(len(tracked)), self.rand)
                if deadline is not None and not machine.cancelling:
                    delay = min(delay, max(0.0, deadline - now))
                self._sleep(delay, run, concurrency)
                ended = self.poll_once(machine, cluster.cluster_id, run.follower)
                run.progress(machine)
                throttles = 0
            except TransientAwsError as exc:
                throttles += 1
                self._emit(Event("warning", None, f"{exc}; backing off"))
                self.sleep(self.policy.throttle_delay(throttles, self.rand))
                continue
            if ended is not None or machine.finished(self.clock()):
                return

    def poll_once(self, machine: RunMachine, cluster_id: str, follower: LogFollower | None = None) -> ClusterEnd | None:
        """One poll cycle: ListSteps for tracked ids (10 per call), then DescribeCluster. When the cluster is
        ending, one more ListSteps of the active steps fixes their final states before the run judges why
        it ended. Returns how the cluster ended, if it did."""
        ids = machine.tracked_ids(self.clock())
        self._observe(machine, self.emr.list_steps(cluster_id, ids), follower)
        info = self.emr.describe_cluster(cluster_id)
        if info.state not in CLUSTER_DEAD:
            return None
        active = [r.step_id for r in machine.active() if r.step_id]
        if active:
            self._observe(machine, self.emr.list_steps(cluster_id, active), follower)
        end = machine.cluster_ended(info.state, info.reason_code, info.reason_message)
        self._emit(Event("cluster", None, f"{cluster_id} is {info.state} ({info.reason_code}: {info.reason_message})"
                                          + ("" if end.expected else "; the run's steps could not all run")))
        return end

    def _observe(self, machine: RunMachine, observations: list[StepObservation], follower: LogFollower | None) -> None:
        self._finish_following(machine, observations, follower)
        for obs in observations:
            self._emit(machine.observe(obs, self.clock()))

    def _submit(self, run: _Run, concurrency: int, now: float) -> None:
        """Submit what is ready. EMR counts every client's active steps against its 256: on its refusal, count
        them once and submit what fits; the rest is retried every fast interval (one AddJobFlowSteps each,
        between polls), so a cluster that ends when no step is left does not end before it goes in."""
        machine = run.machine
        specs = machine.to_submit(concurrency)
        if not specs:
            run.full = False
            return
        try:
            ids = self.emr.add_steps(run.cluster.cluster_id, [step_config(s, run.run_id) for s in specs])
        except ClusterFullError:
            if run.full:
                return
            active = self.emr.count_active_steps(run.cluster.cluster_id)
            specs = machine.to_submit(concurrency, room=max(0, MAX_ACTIVE_STEPS - active))
            self._emit(Event("warning", None, f"the cluster has {active} active steps of the {MAX_ACTIVE_STEPS} EMR "
                                              f"allows, counting every client's; submitting {len(specs)} now, the "
                                              "rest as steps end"))
            run.full = True
            if not specs:
                return
            try:
                ids = self.emr.add_steps(run.cluster.cluster_id, [step_config(s, run.run_id) for s in specs])
            except ClusterFullError:
                return
        else:
            run.full = False
        for spec, step_id in zip(specs, ids):
            self._emit(machine.mark_submitted(spec.name, step_id, now))
        run.progress(machine)

    # --- cancelling ---------------------------------------------------------------------------

    def _send_cancels(self, run: _Run, now: float) -> None:
        """SEND_INTERRUPT, then TERMINATE_PROCESS after the grace period. A step EMR refuses to cancel is looked
        at again at once: escalated if it still runs, given up (STILL_ACTIVE, with EMR's reason) when even
        TERMINATE_PROCESS is refused or the release cannot cancel it."""
        machine, cluster = run.machine, run.cluster
        grace = self.config.cancel_grace
        interrupt, terminate, impossible = machine.cancel_actions(now, grace, cluster.can_cancel_running,
                                                                  cluster.can_cancel)
        self._give_up(machine, cluster, impossible)
        refused = (self._cancel(machine, cluster, SEND_INTERRUPT, interrupt, now)
                   + self._cancel(machine, cluster, TERMINATE_PROCESS, terminate, now))
        if not refused:
            return
        self._observe(machine, self.emr.list_steps(cluster.cluster_id, [r.step_id for r in refused if r.step_id]),
                      run.follower)
        still = [r for r in refused if r.phase is Phase.ACTIVE]
        _, terminate, impossible = machine.cancel_actions(now, grace, cluster.can_cancel_running, cluster.can_cancel)
        self._give_up(machine, cluster, [r for r in impossible if r in still])
        again = self._cancel(machine, cluster, TERMINATE_PROCESS, [r for r in terminate if r in still], now)
        self._give_up(machine, cluster, again)

    def _cancel(self, machine: RunMachine, cluster: ClusterInfo, option: str, recs: list[StepRecord],
                now: float) -> list[StepRecord]:
        """One CancelSteps for these steps; returns those EMR refused."""
        if not recs:
            return []
        sent_option = option if cluster.can_cancel_running else None  # before 5.28 EMR takes no option
        results = self.emr.cancel_steps(cluster.cluster_id, [r.step_id for r in recs if r.step_id], sent_option)
        by_id = {r.step_id: r for r in recs}
        for rec in recs:
            machine.mark_cancel_sent(rec, option, now)
            self._emit(Event("cancel", rec.name, f"CancelSteps {sent_option or '(pending only)'} sent", rec.step_id))
        refused = []
        for res in results:
            rec = by_id.get(res.get("StepId"))
            if res.get("Status") == "FAILED" and rec is not None:
                self._emit(machine.cancel_refused(rec, res.get("Reason") or ""))
                refused.append(rec)
        return refused

    def _give_up(self, machine: RunMachine, cluster: ClusterInfo, recs: list[StepRecord]) -> None:
        for rec in recs:
            if rec.phase is not Phase.ACTIVE:
                continue
            if rec.cancel_refused is not None:
                why = f"EMR refused to cancel it ({rec.cancel_refused})"
            elif not cluster.can_cancel:
                why = f"release {cluster.release_label} has no CancelSteps (EMR 4.8.0 and later, except 5.0.0)"
            else:
                why = (f"release {cluster.release_label} cannot cancel a {rec.state} step (CancelSteps reaches "
                       "RUNNING steps from emr-5.28.0)")
            self._emit(machine.abandon(rec, f"{why}; it keeps running on the cluster"))

    def _give_up_stuck_cancels(self, machine: RunMachine, now: float) -> None:
        limit = self.config.cancel_grace + self.config.cancel_wait
        for rec in machine.active():
            if rec.cancel_sent_at is not None and now - rec.cancel_sent_at >= limit:
                self._emit(machine.abandon(rec, f"not CANCELLED {limit:.0f}s after CancelSteps (--cancel-wait); "
                                                "check the cluster"))

    # --- re-attaching --------------------------------------------------------------------------

    def _adopt(self, run: _Run, created_after: datetime | None, *, known: Mapping[str, Sequence[str]] | None = None,
               required: bool = False) -> None:
        """Attach to this run's steps already on the cluster (found by run token, or by the ids a state file
        recorded), never resubmit them."""
        machine, cluster_id = run.machine, run.cluster.cluster_id
        found: dict[str, dict[str, StepObservation]] = {}
        for obs in self.emr.iter_all_steps(cluster_id, created_after):
            tag = parse_tag(obs.name)
            if tag and tag[1] == run.run_id:
                found.setdefault(tag[0], {})[obs.step_id] = obs
        missing = [i for name, ids in (known or {}).items() for i in ids if i not in found.get(name, {})]
        if missing:
            try:
                listed = self.emr.list_steps(cluster_id, missing)
            except AwsCallError as exc:
                raise ResumeError(f"the state file of run {run.run_id} records steps EMR no longer lists "
                                  f"({', '.join(missing)}): {exc}. EMR lists a cluster's newest 1000 steps only; "
                                  "nothing was submitted") from exc
            for obs in listed:
                tag = parse_tag(obs.name)
                found.setdefault(tag[0] if tag else obs.name, {})[obs.step_id] = obs
        if required and not found:
            raise ResumeError(f"cluster {cluster_id} has no step of run {run.run_id} and there is no state file "
                              "for it: check the run id (to start a new run, drop --resume)")
        for name, by_id in found.items():
            rec = machine.records.get(name)
            steps = sorted(by_id.values(), key=lambda o: (o.created is None, o.created or datetime.min, o.step_id))
            if rec is None:
                self._emit(Event("warning", name, f"step {steps[0].step_id} of run {run.run_id} is not in the spec; "
                                                  "ignored"))
                continue
            new = [o for o in steps if o.step_id not in rec.step_ids]
            if new and rec.phase is Phase.WAITING:
                self._emit(machine.attach(name, new, self.clock()))
        run.progress(machine)

    # --- results ---------------------------------------------------------------------------

    def _report(self, run: _Run, error: StepRunnerError | None = None) -> RunReport:
        machine = run.machine
        outcome = machine.outcome().value if error is None else ERROR_OUTCOME
        message = machine.cluster_end.text() if machine.cluster_end else None
        return build_report(machine, run.run_id, run.cluster.cluster_id, outcome, logs=run.logs,
                            fetch_logs=self.config.fetch_logs and error is None, message=message,
                            error=None if error is None else {"type": type(error).__name__, "message": str(error)})

    # --- following logs (--follow) ---------------------------------------------------------

    def _sleep(self, delay: float, run: _Run, concurrency: int) -> None:
        """Sleep until the next poll, waking for what falls due meanwhile: log reads (`--follow`), and while
        the cluster is full, another try at submitting the rest."""
        if run.follower is None and not run.full:
            self.sleep(delay)
            return
        self._sleep_following(delay, run.machine, run.follower, retry=lambda t: self._submit(run, concurrency, t)
                              if run.full and not run.machine.cancelling else None)

    def _sleep_following(self, delay: float, machine: RunMachine, follower: LogFollower | None,
                         retry: Callable[[float], None] | None = None) -> None:
        """Sleep `delay`, waking whenever a log read falls due so followed lines show up on time (a read due
        during a poll sleep happens then, not at the next poll), and every fast interval for `retry`."""
        end = self.clock() + delay
        next_retry = self.clock() + self.policy.fast if retry else float("inf")
        was_cancelling = self.cancel.requested
        while True:
            targets = []
            if follower is not None:
                targets = [_follow_target(r) for r in machine.active() if r.step_id and r.state in _FOLLOWED_STATES]
                follower.poll(targets)
            if retry is not None and self.clock() >= next_retry:
                retry(self.clock())
                next_retry = self.clock() + self.policy.fast
            left = end - self.clock()
            if left <= 0:
                return
            if self.cancel.requested and not was_cancelling:  # the first Ctrl-C: act on it now
                return
            wake = next_retry - self.clock()
            if follower is not None:
                wake = min(wake, follower.next_read_in() if targets else follower.interval)
            self.sleep(min(left, max(wake, _MIN_SLICE)))

    def _finish_following(self, machine: RunMachine, observations: list[StepObservation],
                          follower: LogFollower | None) -> None:
        """Print the last lines of steps this poll saw end, before their final state is reported."""
        if follower is None:
            return
        ended = []
        for obs in observations:
            rec = machine.record_for(obs.step_id)
            if rec is not None and rec.phase is Phase.ACTIVE and rec.step_id == obs.step_id \
                    and obs.state in STEP_TERMINAL:
                ended.append(_follow_target(rec))
        ended_at = self.clock()  # the agent ships a step's last lines after it ends
        while ended and (left := follower.settle_deadline(ended, ended_at) - self.clock()) > 0:
            follower.poll(ended)
            self.sleep(min(left, max(follower.next_read_in(), _MIN_SLICE)))
        follower.finish(ended)


_FOLLOWED_STATES = frozenset({"RUNNING", "CANCEL_PENDING"})
_MIN_SLICE = 0.05


def _follow_target(rec: StepRecord) -> FollowTarget:
    return FollowTarget(rec.step_id or "", rec.name, cluster_mode=rec.spec.deploy_mode == "cluster")


__all__ = ["StepRunner", "RunnerConfig", "CancelToken", "poll_calls", "RunOutcome"]
