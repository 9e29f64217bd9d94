"""From a finished (or stopped) RunMachine to the RunReport: per-step results, the probable cause read from
the step's stderr, and the failure hint. The control loop lives in runner.py."""
from __future__ import annotations

from .log_source import StepLogSource
from .logs import probable_cause
from .machine import Phase, RunMachine, StepRecord
from .report import RunReport, StepResult
from .spec import StepPlan
from .state import STEP_TERMINAL, Outcome
from .triage import triage_step

EXPLAINED = (Outcome.FAILED, Outcome.INTERRUPTED, Outcome.TIMED_OUT)
S3_LAG_NOTE = "stderr not in S3 yet (EMR uploads step logs about 5 minutes after the end)"


def build_report(machine: RunMachine, run_id: str, cluster_id: str, outcome: str, *,
                 logs: StepLogSource | None = None, fetch_logs: bool = True, message: str | None = None,
                 error: dict[str, str] | None = None) -> RunReport:
    results = [step_result(rec, cluster_id, logs, fetch_logs) for rec in machine.records.values()]
    return RunReport(run_id, cluster_id, outcome, results, message, error=error)


def plan_report(plan: StepPlan, run_id: str | None, cluster_id: str | None, outcome: str, *,
                message: str | None = None, error: dict[str, str] | None = None) -> RunReport:
    """The report of a run that ended before it submitted anything: every step NOT_SUBMITTED."""
    steps = [StepResult(name=s.name, step_id=None, outcome=Outcome.NOT_SUBMITTED.value, state=None)
             for s in plan.steps]
    return RunReport(run_id, cluster_id, outcome, steps, message, error=error)


def outcome_so_far(rec: StepRecord) -> Outcome:
    """A step's outcome, also when the run stopped before the step finished."""
    if rec.outcome is not None:
        return rec.outcome
    if rec.phase is Phase.ACTIVE:
        return Outcome.STILL_ACTIVE
    if rec.retry_pending and rec.state in STEP_TERMINAL:
        return Outcome(rec.state)
    return Outcome.NOT_SUBMITTED


def step_result(rec: StepRecord, cluster_id: str, logs: StepLogSource | None, fetch_logs: bool) -> StepResult:
    res = StepResult(
        name=rec.name, step_id=rec.step_id, outcome=outcome_so_far(rec).value,
        state=rec.state, attempts=rec.attempts, step_ids=list(rec.step_ids), created=rec.created,
        started=rec.started, ended=rec.ended, failure=rec.failure, note=rec.note,
    )
    text = None
    if rec.step_id and logs is not None:
        res.log_location = logs.location(cluster_id, rec.step_id)
        if fetch_logs and rec.outcome in EXPLAINED:
            text = _attach_cause(res, rec.step_id, cluster_id, logs)
    if rec.outcome in EXPLAINED:
        res.hint = triage_step(text, failure_reason=rec.failure.reason if rec.failure else None,
                               failure_message=rec.failure.message if rec.failure else None, note=rec.note)
    return res


def _attach_cause(res: StepResult, step_id: str, cluster_id: str, logs: StepLogSource) -> str | None:
    try:
        text = logs.read_stderr(cluster_id, step_id)
    except Exception as exc:  # a log read must never hide the step result
        res.note = f"could not read stderr: {exc}"
        return None
    if text is None:
        res.note = res.note or S3_LAG_NOTE
        return None
    res.probable_cause = probable_cause(text)
    return text


__all__ = ["build_report", "plan_report", "step_result", "outcome_so_far"]
