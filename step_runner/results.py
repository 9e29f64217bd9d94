"""From a finished (or stopped) RunMachine to the RunReport: per-step results, and for a failed step the
hint and the probable cause read from everything known (FailureDetails, stderr, stdout, and the driver's
log when the step's own only says the application failed). The control loop lives in runner.py."""
from __future__ import annotations

from dataclasses import replace

from .diagnosis import Evidence, diagnose
from .log_source import StepLogSource
from .machine import Phase, RunMachine, StepRecord
from .report import RunReport, StepResult
from .spec import StepPlan
from .state import STEP_TERMINAL, Outcome

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


def step_result(rec: StepRecord, cluster_id: str, logs: StepLogSource | None, fetch_logs: bool) -> StepResult:
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
        evidence = gather(rec, cluster_id, logs if read else None, res)
        diagnosis = diagnose(evidence)
        if diagnosis.needs_driver_log and read:
            evidence = with_driver_logs(evidence, cluster_id, diagnosis.application_id, logs, res)
            diagnosis = diagnose(evidence)
        res.hint = diagnosis.hint
        if evidence.stderr is not None or evidence.stdout is not None or evidence.driver_stderr is not None:
            res.probable_cause = diagnosis.cause
    return res


def gather(rec: StepRecord, cluster_id: str, logs: StepLogSource | None, res: StepResult) -> Evidence:
    """FailureDetails, the run's note and the step's stderr and stdout (when a log source is given)."""
    stderr = stdout = None
    sources = []
    if logs is not None and rec.step_id:
        try:
            stderr = logs.read_stderr(cluster_id, rec.step_id)
            reader = getattr(logs, "read_stdout", None)
            stdout = reader(cluster_id, rec.step_id) if reader is not None else None
        except Exception as exc:  # a log read must never hide the step result
            res.note = f"could not read the step's logs: {exc}"
        if stderr is None and stdout is None and res.note is None:
            res.note = S3_LAG_NOTE
        sources = [name for name, text in (("stderr", stderr), ("stdout", stdout)) if text is not None]
    failure = rec.failure
    return Evidence(stderr=stderr, stdout=stdout, failure_reason=failure.reason if failure else None,
                    failure_message=failure.message if failure else None,
                    failure_log_file=failure.log_file if failure else None, note=rec.note,
                    sources=tuple((["FailureDetails"] if failure else []) + sources))


def with_driver_logs(evidence: Evidence, cluster_id: str, application_id: str | None, logs: StepLogSource,
                     res: StepResult) -> Evidence:
    """The driver container's stdout and stderr added (cluster deploy mode: the cause is there)."""
    reader = getattr(logs, "read_driver", None)
    if reader is None or application_id is None:
        return evidence
    try:
        stdout, stderr = reader(cluster_id, application_id)
    except Exception as exc:
        res.note = res.note or f"could not read the driver's log: {exc}"
        return evidence
    if stdout is None and stderr is None:
        return evidence
    added = [name for name, text in (("driver stderr", stderr), ("driver stdout", stdout)) if text is not None]
    return replace(evidence, driver_stdout=stdout, driver_stderr=stderr, sources=evidence.sources + tuple(added))


__all__ = ["build_report", "plan_report", "step_result", "outcome_so_far"]
