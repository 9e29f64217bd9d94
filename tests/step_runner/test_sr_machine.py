"""The pure run state machine, driven with observations and plain numbers for time."""
from step_runner.run.machine import SEND_INTERRUPT, TERMINATE_PROCESS, RunMachine, RunOutcome
from step_runner.plan.spec import parse_spec
from step_runner.state import FailureInfo, Outcome, StepObservation


def plan(*steps):
    return parse_spec({"steps": [{"name": n, "entry_point": f"s3://b/{n}.py", **kw} for n, kw in steps]})


def obs(step_id, state, failure=None):
    return StepObservation(step_id, "", state, failure=failure)


def submit_all(m, concurrency, now=0.0, prefix="s-"):
    specs = m.to_submit(concurrency)
    for spec in specs:
        m.mark_submitted(spec.name, f"{prefix}{spec.name}", now)
    return [s.name for s in specs]


def test_concurrency_cap_and_256_ceiling():
    m = RunMachine(plan(*[(f"s{i}", {}) for i in range(300)]))
    assert len(m.to_submit(1)) == 1
    assert len(m.to_submit(4)) == 4
    assert len(m.to_submit(1000)) == 256
    submit_all(m, 3)
    assert m.to_submit(3) == []
    m.observe(obs("s-s0", "COMPLETED"), 1.0)
    assert [s.name for s in m.to_submit(3)] == ["s3"]


def test_dependencies_wait_for_completion():
    m = RunMachine(plan(("a", {}), ("b", {"depends_on": ["a"]}), ("c", {})))
    assert submit_all(m, 10) == ["a", "c"]
    m.observe(obs("s-a", "RUNNING"), 1.0)
    assert m.to_submit(10) == []
    m.observe(obs("s-a", "COMPLETED"), 2.0)
    assert submit_all(m, 10) == ["b"]


def test_interrupted_is_terminal_and_skips_dependents():
    m = RunMachine(plan(("a", {}), ("b", {"depends_on": ["a"]}), ("c", {"depends_on": ["b"]})))
    submit_all(m, 10)
    events = m.observe(obs("s-a", "INTERRUPTED"), 5.0)
    assert [e.kind for e in events] == ["state", "skipped", "skipped"]
    assert m.records["a"].outcome is Outcome.INTERRUPTED
    assert m.records["c"].outcome is Outcome.SKIPPED
    assert m.finished(5.0)
    assert m.outcome() is RunOutcome.STEP_FAILED


def test_retry_resubmits_until_budget_is_spent():
    m = RunMachine(plan(("a", {"retries": 1})), details_wait=0)
    submit_all(m, 1)
    events = m.observe(obs("s-a", "FAILED"), 1.0)
    assert events[-1].kind == "retry"
    assert m.to_submit(1)[0].name == "a"
    m.mark_submitted("a", "s-a2", 2.0)
    m.observe(obs("s-a2", "FAILED"), 3.0)
    assert m.records["a"].outcome is Outcome.FAILED
    assert m.records["a"].step_ids == ["s-a", "s-a2"]
    assert m.observe(obs("s-a", "RUNNING"), 4.0) == []


def test_failure_details_are_polled_until_they_arrive_or_time_runs_out():
    m = RunMachine(plan(("a", {}), ("b", {})), details_wait=180)
    submit_all(m, 2)
    m.observe(obs("s-a", "FAILED"), 10.0)
    m.observe(obs("s-b", "FAILED"), 10.0)
    assert m.tracked_ids(11.0) == ["s-a", "s-b"]
    assert not m.finished(11.0)
    late = FailureInfo("Unknown Error.", "Spark job failed", "s3://logs/j-1/steps/s-a/stderr.gz")
    events = m.observe(obs("s-a", "FAILED", late), 70.0)
    assert [e.kind for e in events] == ["details"]
    assert m.records["a"].failure == late
    assert m.tracked_ids(71.0) == ["s-b"]
    assert m.finished(190.0)


def test_cancel_sends_interrupt_then_escalates_after_grace():
    m = RunMachine(plan(("a", {}), ("b", {}), ("c", {"depends_on": ["a"]})))
    submit_all(m, 2)
    m.observe(obs("s-a", "RUNNING"), 1.0)
    m.request_cancel(Outcome.CANCELLED, 10.0)
    assert m.records["c"].outcome is Outcome.NOT_SUBMITTED
    interrupt, terminate, impossible = m.cancel_actions(10.0, grace=60, can_cancel_running=True)
    assert [r.name for r in interrupt] == ["a", "b"] and terminate == [] and impossible == []
    for r in interrupt:
        m.mark_cancel_sent(r, SEND_INTERRUPT, 10.0)
    assert m.cancel_actions(69.0, 60, True) == ([], [], [])
    _, terminate, _ = m.cancel_actions(70.0, 60, True)
    assert [r.name for r in terminate] == ["a"]  # b is still PENDING: nothing to terminate
    m.mark_cancel_sent(terminate[0], TERMINATE_PROCESS, 70.0)
    m.observe(obs("s-a", "CANCELLED"), 75.0)
    m.observe(obs("s-b", "CANCELLED"), 75.0)
    assert m.finished(75.0)
    assert m.outcome() is RunOutcome.CANCELLED


def test_old_release_cannot_cancel_running_steps():
    m = RunMachine(plan(("a", {}), ("b", {})))
    submit_all(m, 2)
    m.observe(obs("s-a", "RUNNING"), 1.0)
    m.request_cancel(Outcome.CANCELLED, 2.0)
    interrupt, _, impossible = m.cancel_actions(2.0, 60, can_cancel_running=False)
    assert [r.name for r in interrupt] == ["b"] and [r.name for r in impossible] == ["a"]
    m.abandon(impossible[0], "cannot cancel")
    assert m.records["a"].outcome is Outcome.STILL_ACTIVE


def test_step_timeout_counts_from_running_and_reports_timed_out():
    m = RunMachine(plan(("a", {"timeout": 60}), ("b", {"depends_on": "a"})))
    submit_all(m, 1)
    m.observe(obs("s-a", "PENDING"), 100.0)
    assert m.timed_out_steps(500.0) == []
    m.observe(obs("s-a", "RUNNING"), 500.0)
    assert m.timed_out_steps(559.0) == []
    (rec,) = m.timed_out_steps(560.0)
    m.cancel_step(rec, Outcome.TIMED_OUT, 560.0)
    m.observe(obs("s-a", "CANCELLED"), 570.0)
    assert rec.outcome is Outcome.TIMED_OUT
    assert m.records["b"].outcome is Outcome.SKIPPED
    assert m.outcome() is RunOutcome.TIMEOUT


def test_attach_adopts_existing_steps_without_resubmitting():
    m = RunMachine(plan(("a", {}), ("b", {"depends_on": "a"})))
    m.attach("a", [StepObservation("s-old", "a [run=r]", "COMPLETED")], 0.0)
    assert m.records["a"].outcome is Outcome.COMPLETED
    assert [s.name for s in m.to_submit(5)] == ["b"]


def test_cluster_death_ends_everything():
    m = RunMachine(plan(("a", {}), ("b", {"depends_on": "a"})))
    submit_all(m, 1)
    end = m.cluster_ended("TERMINATED_WITH_ERRORS", "INSTANCE_FAILURE", "Master instance failed")
    assert not end.expected
    assert m.records["a"].outcome is Outcome.INTERRUPTED
    assert m.records["b"].outcome is Outcome.NOT_SUBMITTED
    assert m.outcome() is RunOutcome.CLUSTER_DIED


def test_all_completed_is_success():
    m = RunMachine(plan(("a", {})))
    submit_all(m, 1)
    m.observe(obs("s-a", "COMPLETED"), 1.0)
    assert m.finished(1.0) and m.outcome() is RunOutcome.SUCCEEDED
