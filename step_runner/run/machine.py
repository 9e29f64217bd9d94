"""The pure state machine of one run: which steps to submit, what each observation means,
which steps to cancel and when a run is over. No I/O: time comes in as numbers.

Besides the steps' own states it takes what EMR tells about the cluster: the ActionOnFailure of a
failed step (CANCEL_AND_WAIT cancels the queue, TERMINATE_CLUSTER ends the cluster), CancelSteps
refusals, the room other clients' steps leave, and why the cluster ended (a normal end such as
ALL_STEPS_COMPLETED is not a death).

It stays one module: it is one state machine, and its transitions read together.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from emr_contract.steps import (CANCEL_AND_WAIT, REASON_ALL_STEPS_COMPLETED, REASON_STEP_FAILURE,
                                REASON_USER_REQUEST, SEND_INTERRUPT, TERMINATE_ACTIONS, TERMINATE_PROCESS)

from ..plan.dag import descendants, topological_order
from ..retry import should_retry_step
from ..plan.spec import StepPlan, StepSpec
from ..state import MAX_ACTIVE_STEPS, STEP_TERMINAL, FailureInfo, Outcome, StepObservation


class Phase(str, Enum):
    WAITING = "waiting"
    ACTIVE = "active"
    DONE = "done"


class RunOutcome(str, Enum):
    """Overall result; the CLI maps it to an exit code."""

    SUCCEEDED = "SUCCEEDED"
    STEP_FAILED = "STEP_FAILED"
    CANCELLED = "CANCELLED"
    TIMEOUT = "TIMEOUT"
    CLUSTER_DIED = "CLUSTER_DIED"


@dataclass(frozen=True)
class Event:
    """Something worth telling the user; the CLI decides how to show it."""

    kind: str
    step: str | None
    message: str
    step_id: str | None = None


@dataclass(frozen=True)
class ClusterEnd:
    """How the cluster ended during the run, and whether that was the run's own doing: EMR ends a cluster
    that keeps no idle time once no step is left (ALL_STEPS_COMPLETED), and a cluster whose step failed with
    TERMINATE_CLUSTER (STEP_FAILURE); a user may terminate it once the run's steps are done."""

    state: str
    code: str | None
    message: str | None
    expected: bool

    def text(self) -> str:
        return f"cluster {self.state}: {self.code or '-'}: {self.message or '-'}"


@dataclass
class StepRecord:
    """Everything the run knows about one spec'd step across its attempts."""

    spec: StepSpec
    phase: Phase = Phase.WAITING
    step_ids: list[str] = field(default_factory=list)
    state: str | None = None
    created: datetime | None = None
    started: datetime | None = None
    ended: datetime | None = None
    failure: FailureInfo | None = None
    reason_message: str | None = None
    outcome: Outcome | None = None
    submitted_at: float | None = None
    running_since: float | None = None
    cancel_reason: Outcome | None = None
    cancel_option: str | None = None
    cancel_sent_at: float | None = None
    cancel_refused: str | None = None
    details_deadline: float | None = None
    retry_pending: bool = False
    note: str | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def step_id(self) -> str | None:
        return self.step_ids[-1] if self.step_ids else None

    @property
    def attempts(self) -> int:
        return len(self.step_ids)

    def new_attempt(self) -> None:
        """Forget the previous attempt: called when the next one is submitted, so a retry that never
        happens still reports the attempt that failed."""
        self.state = None
        self.created = self.started = self.ended = None
        self.failure = None
        self.reason_message = None
        self.submitted_at = self.running_since = None
        self.cancel_option = self.cancel_sent_at = self.cancel_refused = None
        self.retry_pending = False

    def stop_waiting(self, outcome: Outcome, note: str) -> None:
        """A waiting step will not be submitted (again): a pending retry keeps its last attempt's result."""
        self.phase = Phase.DONE
        if self.retry_pending and self.state in STEP_TERMINAL:
            self.outcome = Outcome(self.state)
            self.note = f"not retried: {note}"
        else:
            self.outcome = outcome
            self.note = note


class RunMachine:
    """Drives one plan's steps from WAITING to DONE from observations the caller feeds in.

    `eager`: submit every step as soon as its dependencies are submitted (in dependency order), for a
    cluster that ends once no step is left; otherwise a step waits until its dependencies COMPLETED and
    for a free StepConcurrencyLevel slot."""

    def __init__(self, plan: StepPlan, *, details_wait: float = 180.0, max_active: int = MAX_ACTIVE_STEPS,
                 eager: bool = False) -> None:
        self.plan = plan
        self.details_wait = details_wait
        self.max_active = min(max_active, MAX_ACTIVE_STEPS)
        self.eager = eager
        self.records: dict[str, StepRecord] = {s.name: StepRecord(s) for s in plan.steps}
        self._by_id: dict[str, StepRecord] = {}
        self._deps = plan.deps()
        self._order = topological_order(self._deps)
        self.cancel_reason: Outcome | None = None
        self.halted: str | None = None
        self.terminating_step: str | None = None
        self.cluster_end: ClusterEnd | None = None
        self.last_event_at: float = 0.0

    # --- queries -------------------------------------------------------------------------

    @property
    def cancelling(self) -> bool:
        return self.cancel_reason is not None

    def active(self) -> list[StepRecord]:
        return [r for r in self.records.values() if r.phase is Phase.ACTIVE]

    def record_for(self, step_id: str) -> StepRecord | None:
        return self._by_id.get(step_id)

    def to_submit(self, concurrency: int, room: int | None = None) -> list[StepSpec]:
        """Ready steps that fit: in free concurrency slots (all at once when eager), and within `room`, the
        active steps the cluster still takes (256 minus every client's PENDING/RUNNING/CANCEL_PENDING steps)
        when the caller knows it."""
        if self.cancelling or self.halted:
            return []
        ours = len(self.active())
        free = self.max_active - ours if self.eager else min(concurrency, self.max_active) - ours
        if room is not None:
            free = min(free, room)
        chosen: list[StepSpec] = []
        taken: set[str] = set()
        for name in self._order:
            if len(chosen) >= free:
                break
            rec = self.records[name]
            if rec.phase is Phase.WAITING and all(self._dependency_met(d, taken) for d in rec.spec.depends_on):
                chosen.append(rec.spec)
                taken.add(name)
        return chosen

    def _dependency_met(self, name: str, taken: set[str]) -> bool:
        dep = self.records[name]
        if dep.outcome is Outcome.COMPLETED:
            return True
        # eager: EMR runs steps in submission order and the dependency's ActionOnFailure stops the queue
        # when it fails (spec.cluster_problems makes sure), so submitting behind it is enough.
        return self.eager and (name in taken or (dep.phase is Phase.ACTIVE and not dep.retry_pending))

    def tracked_ids(self, now: float) -> list[str]:
        """Step ids the next poll must ask about: active ones, then failures still missing details."""
        ids = [r.step_id for r in self.active() if r.step_id]
        ids += [
            r.step_id for r in self.records.values()
            if r.phase is Phase.DONE and r.step_id and r.details_deadline is not None and now < r.details_deadline
        ]
        return ids

    def finished(self, now: float) -> bool:
        """Nothing active, nothing submittable, no FailureDetails still expected."""
        if self.active() or self.tracked_ids(now):
            return False
        return not self.to_submit(self.max_active)

    def outcome(self) -> RunOutcome:
        if self.cluster_end is not None and not self.cluster_end.expected:
            return RunOutcome.CLUSTER_DIED
        records = self.records.values()
        outcomes = {r.outcome for r in records}
        if (self.cancel_reason is Outcome.TIMED_OUT or Outcome.TIMED_OUT in outcomes
                or any(r.cancel_reason is Outcome.TIMED_OUT for r in records)):
            return RunOutcome.TIMEOUT
        if self.cancel_reason is Outcome.CANCELLED:
            return RunOutcome.CANCELLED
        if outcomes == {Outcome.COMPLETED}:
            return RunOutcome.SUCCEEDED
        if outcomes & {Outcome.FAILED, Outcome.INTERRUPTED, Outcome.SKIPPED}:
            return RunOutcome.STEP_FAILED
        return RunOutcome.CANCELLED

    def since_last_event(self, now: float) -> float:
        return now - self.last_event_at

    # --- transitions ---------------------------------------------------------------------

    def mark_submitted(self, name: str, step_id: str, now: float) -> Event:
        rec = self.records[name]
        rec.new_attempt()
        rec.step_ids.append(step_id)
        rec.phase = Phase.ACTIVE
        rec.state = "PENDING"
        rec.submitted_at = now
        self._by_id[step_id] = rec
        self.last_event_at = now
        return Event("submitted", name, f"submitted as {step_id} (attempt {rec.attempts})", step_id)

    def attach(self, name: str, history: list[StepObservation], now: float) -> list[Event]:
        """Adopt steps a previous invocation submitted (oldest first) instead of resubmitting."""
        rec = self.records[name]
        for obs in history:
            rec.step_ids.append(obs.step_id)
            self._by_id[obs.step_id] = rec
        rec.phase = Phase.ACTIVE
        rec.submitted_at = now
        latest = history[-1]
        events = [Event("attached", name, f"attached to {latest.step_id} ({latest.state}, attempt {rec.attempts})",
                        latest.step_id)]
        return events + self.observe(latest, now)

    def observe(self, obs: StepObservation, now: float) -> list[Event]:
        """Fold one ListSteps summary into the run; returns what changed."""
        rec = self._by_id.get(obs.step_id)
        if rec is None or obs.step_id != rec.step_id:
            return []
        events: list[Event] = []
        if obs.failure and obs.failure != rec.failure:
            rec.failure = obs.failure
            if rec.phase is Phase.DONE and rec.details_deadline is not None:
                events.append(Event("details", rec.name, _failure_text(obs.failure), obs.step_id))
            if obs.failure.log_file:
                rec.details_deadline = None
        rec.created = obs.created or rec.created
        rec.started = obs.started or rec.started
        rec.ended = obs.ended or rec.ended
        rec.reason_message = obs.reason_message or rec.reason_message
        if rec.phase is not Phase.ACTIVE:
            return events
        if obs.state != rec.state:
            rec.state = obs.state
            self.last_event_at = now
            events.append(Event("state", rec.name, obs.state, obs.step_id))
        if obs.state in ("RUNNING", "CANCEL_PENDING") and rec.running_since is None:
            rec.running_since = now
        if obs.state in STEP_TERMINAL:
            events += self._finish(rec, obs.state, now)
        return events

    def _finish(self, rec: StepRecord, state: str, now: float) -> list[Event]:
        action = rec.spec.action_on_failure
        ends_cluster = state == "FAILED" and action in TERMINATE_ACTIONS
        if not ends_cluster and should_retry_step(state, rec.attempts, rec.spec.retries,
                                                  rec.cancel_reason is not None or self.cancelling):
            rec.phase = Phase.WAITING
            rec.retry_pending = True
            return [Event("retry", rec.name, f"{state}; retrying (attempt {rec.attempts + 1} of "
                                             f"{rec.spec.retries + 1})", rec.step_id)]
        rec.phase = Phase.DONE
        if rec.cancel_reason is Outcome.TIMED_OUT and state != "COMPLETED":
            rec.outcome = Outcome.TIMED_OUT
        else:
            rec.outcome = Outcome(state)
        if state == "FAILED" and not (rec.failure and rec.failure.log_file):
            rec.details_deadline = now + self.details_wait
        events = []
        if rec.outcome is not Outcome.COMPLETED:
            events += self._skip_dependents(rec.name)
        if state == "FAILED" and action == CANCEL_AND_WAIT:
            events += self._halt(f"{rec.name} failed with ActionOnFailure {CANCEL_AND_WAIT}, which cancels the "
                                 "steps still pending")
        elif ends_cluster:
            self.terminating_step = rec.name
            events += self._halt(f"{rec.name} failed with ActionOnFailure {action}, which shuts the cluster down")
        return events

    def _halt(self, why: str) -> list[Event]:
        """EMR acted on a failure for the whole queue: nothing more is submitted."""
        self.halted = why
        events = [Event("halt", None, why)]
        for rec in self.records.values():
            if rec.phase is Phase.WAITING:
                rec.stop_waiting(Outcome.NOT_SUBMITTED, why)
                events.append(Event("skipped", rec.name, rec.note or why))
        return events

    def _skip_dependents(self, failed: str) -> list[Event]:
        events = []
        for name in descendants(self._deps, failed):
            rec = self.records[name]
            if rec.phase is Phase.WAITING:
                rec.stop_waiting(Outcome.SKIPPED, f"dependency {failed} did not complete")
                events.append(Event("skipped", name, rec.note or ""))
        return events

    # --- cancellation --------------------------------------------------------------------

    def request_cancel(self, reason: Outcome, now: float) -> list[Event]:
        """Stop the run: unsubmitted steps stay unsubmitted, active ones are marked for cancelling."""
        if self.cancel_reason is None:
            self.cancel_reason = reason
        events = []
        for rec in self.records.values():
            if rec.phase is Phase.WAITING:
                rec.stop_waiting(Outcome.NOT_SUBMITTED, "run stopped before submission")
            rec.details_deadline = None
            if rec.phase is Phase.ACTIVE and rec.cancel_reason is None:
                rec.cancel_reason = reason
                events.append(Event("cancel", rec.name, f"cancelling ({reason.value.lower()})", rec.step_id))
        self.last_event_at = now
        return events

    def timed_out_steps(self, now: float) -> list[StepRecord]:
        """Active steps running longer than their own timeout (counted from first seen RUNNING)."""
        return [
            r for r in self.active()
            if r.spec.timeout is not None and r.cancel_reason is None and r.running_since is not None
            and now - r.running_since >= r.spec.timeout
        ]

    def cancel_step(self, rec: StepRecord, reason: Outcome, now: float) -> Event:
        rec.cancel_reason = reason
        self.last_event_at = now
        return Event("cancel", rec.name, f"cancelling ({reason.value.lower()})", rec.step_id)

    def cancel_actions(self, now: float, grace: float, can_cancel_running: bool, can_cancel: bool = True) -> tuple[
            list[StepRecord], list[StepRecord], list[StepRecord]]:
        """(to SEND_INTERRUPT, to escalate to TERMINATE_PROCESS, impossible to cancel).

        A step EMR refused to cancel escalates at once, and is impossible after TERMINATE_PROCESS was
        refused too (or where there is nothing to escalate to)."""
        interrupt, terminate, impossible = [], [], []
        for rec in self.active():
            if rec.cancel_reason is None:
                continue
            if not can_cancel or (not can_cancel_running and rec.state != "PENDING"):
                impossible.append(rec)
            elif rec.cancel_refused is not None:
                (terminate if rec.cancel_option == SEND_INTERRUPT and can_cancel_running else impossible).append(rec)
            elif rec.cancel_option is None:
                interrupt.append(rec)
            elif (rec.cancel_option == SEND_INTERRUPT and rec.cancel_sent_at is not None
                  and now - rec.cancel_sent_at >= grace and rec.state != "PENDING"):
                terminate.append(rec)
        return interrupt, terminate, impossible

    def mark_cancel_sent(self, rec: StepRecord, option: str, now: float) -> None:
        rec.cancel_option = option
        rec.cancel_sent_at = now
        rec.cancel_refused = None

    def cancel_refused(self, rec: StepRecord, reason: str) -> Event:
        """CancelSteps answered FAILED for this step (INFO's Reason)."""
        rec.cancel_refused = reason or "no reason given"
        return Event("warning", rec.name, f"CancelSteps refused: {rec.cancel_refused}", rec.step_id)

    def abandon(self, rec: StepRecord, note: str) -> Event:
        """Stop tracking a step the runner cannot cancel; it keeps running on the cluster."""
        rec.phase = Phase.DONE
        rec.outcome = Outcome.STILL_ACTIVE
        rec.note = note
        return Event("warning", rec.name, note, rec.step_id)

    # --- the cluster ends ------------------------------------------------------------------

    def cluster_ended(self, state: str, code: str | None, message: str | None) -> ClusterEnd:
        """The cluster is terminating or gone. Call after a last ListSteps of the active steps, so their final
        states are known. Whatever is still active or waiting will never finish."""
        unfinished = [r for r in self.records.values() if r.phase is not Phase.DONE]
        # a retry still to submit is not unfinished work: its last attempt has ended
        left = [r for r in unfinished if not (r.phase is Phase.WAITING and r.retry_pending)]
        expected = ((code in (REASON_ALL_STEPS_COMPLETED, REASON_USER_REQUEST) and not left)
                    or (code == REASON_STEP_FAILURE and self.terminating_step is not None))
        end = ClusterEnd(state, code, message, expected)
        for rec in unfinished:
            if rec.phase is Phase.ACTIVE:
                rec.phase = Phase.DONE
                rec.outcome = Outcome(rec.state) if rec.state in STEP_TERMINAL else Outcome.INTERRUPTED
                rec.note = end.text()
            else:
                rec.stop_waiting(Outcome.NOT_SUBMITTED, end.text())
        for rec in self.records.values():
            rec.details_deadline = None
        self.cluster_end = end
        return end


def _failure_text(f: FailureInfo) -> str:
    parts = [p for p in (f.reason, f.message, f.log_file and f"log: {f.log_file}") if p]
    return "; ".join(parts) or "no details"


__all__ = ["RunMachine", "StepRecord", "Event", "Phase", "RunOutcome", "ClusterEnd", "SEND_INTERRUPT",
           "TERMINATE_PROCESS"]
