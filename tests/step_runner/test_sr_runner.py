"""StepRunner loop details with Stubber: throttling backoff, batching in one poll cycle."""
import pytest
from botocore.stub import ANY

from step_runner.aws.emr_adapter import EmrAdapter
from step_runner.run.machine import RunMachine
from step_runner.run.runner import RunnerConfig, StepRunner, poll_calls
from step_runner.plan.spec import parse_spec
from step_runner.state import ClusterInfo

from .conftest import cluster, summary

J = "j-TEST"


def runner(emr, clock, **config):
    return StepRunner(EmrAdapter(emr), clock=clock, sleep=clock.sleep, rand=lambda: 0.5,
                      config=RunnerConfig(**config))


def plan(n, **kw):
    return parse_spec({"steps": [{"name": f"s{i}", "entry_point": f"s3://b/s{i}.py", **kw} for i in range(n)]})


def test_throttled_polls_back_off_exponentially_then_recover(emr_stub, clock):
    emr, stub = emr_stub
    stub.add_client_error("describe_cluster", "ThrottlingException", "Rate exceeded", 400)
    stub.add_response("describe_cluster", cluster("WAITING"), {"ClusterId": J})
    stub.add_response("add_job_flow_steps", {"StepIds": ["s-1"]}, {"JobFlowId": J, "Steps": ANY})
    stub.add_client_error("list_steps", "ThrottlingException", "Rate exceeded", 400)
    stub.add_client_error("list_steps", "ThrottlingException", "Rate exceeded", 400)
    stub.add_response("list_steps", {"Steps": [summary("s-1", "s0 [run=r]", "COMPLETED")]},
                      {"ClusterId": J, "StepIds": ["s-1"]})
    stub.add_response("describe_cluster", cluster("WAITING"), {"ClusterId": J})
    r = runner(emr, clock)
    info = r.wait_for_cluster(J)
    assert clock.sleeps == [1.5]
    report = r.run(plan(1), info, "r")
    assert report.outcome == "SUCCEEDED"
    assert clock.sleeps == [1.5, 5.0, 1.5, 5.0, 3.0, 5.0]


def test_one_poll_cycle_batches_ids_and_checks_the_cluster_once(emr_stub, clock):
    emr, stub = emr_stub
    m = RunMachine(plan(23))
    for i, spec in enumerate(m.to_submit(256)):
        m.mark_submitted(spec.name, f"s-{i:02d}", 0.0)
    ids = [f"s-{i:02d}" for i in range(23)]
    for batch in (ids[:10], ids[10:20], ids[20:]):
        stub.add_response("list_steps", {"Steps": [summary(i, "x", "RUNNING") for i in batch]},
                          {"ClusterId": J, "StepIds": batch})
    stub.add_response("describe_cluster", cluster("RUNNING"), {"ClusterId": J})
    r = runner(emr, clock)
    assert r.poll_once(m, J) is None
    assert r.emr.calls == poll_calls(23) == 4


def test_submission_respects_concurrency_and_batches_in_one_call(emr_stub, clock):
    emr, stub = emr_stub
    stub.add_response("add_job_flow_steps", {"StepIds": ["s-0", "s-1", "s-2"]}, {"JobFlowId": J, "Steps": ANY})
    stub.add_response("list_steps", {"Steps": [summary("s-0", "x", "COMPLETED"), summary("s-1", "x", "RUNNING"),
                                                summary("s-2", "x", "RUNNING")]},
                      {"ClusterId": J, "StepIds": ["s-0", "s-1", "s-2"]})
    stub.add_response("describe_cluster", cluster("RUNNING", concurrency=3), {"ClusterId": J})
    stub.add_response("add_job_flow_steps", {"StepIds": ["s-3"]}, {"JobFlowId": J, "Steps": ANY})
    stub.add_response("list_steps", {"Steps": [summary("s-1", "x", "COMPLETED"), summary("s-2", "x", "COMPLETED"),
                                                summary("s-3", "x", "COMPLETED")]},
                      {"ClusterId": J, "StepIds": ["s-1", "s-2", "s-3"]})
    stub.add_response("describe_cluster", cluster("WAITING", concurrency=3), {"ClusterId": J})
    r = runner(emr, clock)
    report = r.run(plan(4), ClusterInfo(J, "c", "WAITING", step_concurrency_level=3), "r")
    machine = r.machine
    assert report.outcome == "SUCCEEDED"
    assert [s.step_id for s in report.steps] == ["s-0", "s-1", "s-2", "s-3"]


@pytest.mark.parametrize("tracked,calls", [(0, 1), (1, 2), (10, 2), (11, 3), (256, 27)])
def test_poll_calls_formula(tracked, calls):
    assert poll_calls(tracked) == calls
