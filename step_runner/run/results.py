"""From a finished (or stopped) RunMachine to the RunReport: per-step results, and for a failed step the
hint and the probable cause (step_evidence, the path `emr-steps explain` takes too). The control loop lives in
runner.py."""
from __future__ import annotations

from .machine import Phase, RunMachine, StepRecord
from ..report.run_report import RunReport, StepResult
from ..plan.spec import StepPlan
from ..state import STEP_TERMINAL, Outcome
from ..report.step_evidence import EvidenceReader

EXPLAINED = (Outcome.FAILED, Outcome.INTERRUPTED, Outcome.TIMED_OUT)


def build_report(machine: RunMachine, run_id: str, cluster_id: str, outcome: str, *,
                 logs: EvidenceReader | None = None, fetch_logs: bool = True, message: str | None = None,
                 error: dict[str, str] | None = None) -> RunReport:
    results = [step_result(rec, cluster_id, logs, fetch_logs) for rec in machine.records.values()]
    return RunReport(run_id, cluster_id, outcome, results, message, error=error)


def plan_report(plan: StepPlan, run_id: str | None, cluster_id: str | None, outcome: str, *,
                message: str | None = None, error: dict[str, str] | None = None) -> RunReport:
    """The report of a run that ended before it submitted anything: every step NOT_SUBMITTED."""
    steps = [StepResult(name=s.name, step_id=None, outcome=Outcome.NOT_SUBMITTED.value, state=None,
                        command=s.spark_submit_command()) for s in plan.steps]
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


def step_result(rec: StepRecord, cluster_id: str, logs: EvidenceReader | None, fetch_logs: bool) -> StepResult:
    res = StepResult(
        name=rec.name, step_id=rec.step_id, outcome=outcome_so_far(rec).value,
        state=rec.state, attempts=rec.attempts, step_ids=list(rec.step_ids), created=rec.created,
        started=rec.started, ended=rec.ended, failure=rec.failure, note=rec.note,
        command=rec.spec.spark_submit_command(),
    )
    if rec.step_id and logs is not None:
        res.log_location = logs.location(cluster_id, rec.step_id)
    if rec.outcome in EXPLAINED:
        read = fetch_logs and rec.step_id is not None and logs is not None
        explained = (logs if read else EvidenceReader(())).explain(cluster_id, rec.step_id if read else None,
                                                                   rec.failure, rec.note)
        res.hint = explained.diagnosis.hint
        if explained.read_any_log:
            res.probable_cause = explained.diagnosis.cause
        if explained.notes:
            res.note = "; ".join(([res.note] if res.note else []) + list(explained.notes))
    return res


__all__ = ["build_report", "plan_report", "step_result", "outcome_so_far"]
