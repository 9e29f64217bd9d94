"""The strict step model, rule by rule, through a real botocore client (FakeEmr): each rule has an input
that EMR accepts and one it refuses. The AWS source of each rule is cited in emr_contract/steps.py."""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from emr_contract import steps as facts
from local_emr.api.fake_emr import FakeEmr

T0 = 1_764_072_000.0


def step(name: str = "s", action: str = "CONTINUE", args: list[str] | None = None) -> dict:
    return {"Name": name, "ActionOnFailure": action,
            "HadoopJarStep": {"Jar": "command-runner.jar", "Args": args or ["spark-submit", "job.py"]}}


@pytest.fixture
def fake() -> FakeEmr:
    return FakeEmr(now=lambda: T0)


@pytest.fixture
def emr(fake: FakeEmr):
    client = boto3.client("emr", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    return fake.attach(client)


def refused(call, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    err = info.value.response["Error"]
    return err["Code"], err["Message"]


def add(emr, cluster_id: str, n: int, **kw) -> list[str]:
    return emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[step(f"s{i}", **kw) for i in range(n)])["StepIds"]


# --- ListSteps -------------------------------------------------------------------------------------------

def test_list_steps_pages_of_50_with_marker(fake, emr):
    c = fake.add_cluster()
    ids = add(emr, c.id, 60)
    first = emr.list_steps(ClusterId=c.id)
    assert len(first["Steps"]) == 50 and first["Marker"]
    assert first["Steps"][0]["Id"] == ids[-1]  # newest first without a filter
    second = emr.list_steps(ClusterId=c.id, Marker=first["Marker"])
    assert len(second["Steps"]) == 10 and "Marker" not in second
    assert [s["Id"] for s in first["Steps"] + second["Steps"]] == ids[::-1]
    assert refused(emr.list_steps, ClusterId=c.id, Marker="not-a-marker")[0] == "ValidationException"


def test_list_steps_takes_at_most_10_step_ids(fake, emr):
    c = fake.add_cluster()
    ids = add(emr, c.id, 11)
    assert [s["Id"] for s in emr.list_steps(ClusterId=c.id, StepIds=ids[:10])["Steps"]] == ids[:10]
    code, message = refused(emr.list_steps, ClusterId=c.id, StepIds=ids)
    assert code == "ValidationException" and "less than or equal to 10" in message


def test_list_steps_refuses_ids_with_states_and_unknown_ids(fake, emr):
    c = fake.add_cluster()
    ids = add(emr, c.id, 1)
    assert refused(emr.list_steps, ClusterId=c.id, StepIds=ids, StepStates=["PENDING"]) == \
        ("InvalidRequestException", "Cannot specify both StepIds and StepStates.")
    assert refused(emr.list_steps, ClusterId=c.id, StepIds=["s-NOPE"]) == \
        ("InvalidRequestException", "Step id 's-NOPE' is not valid.")
    assert refused(emr.list_steps, ClusterId=c.id, StepStates=["DONE"])[0] == "ValidationException"


def test_list_steps_shows_the_newest_1000_only(fake, emr):
    c = fake.add_cluster()
    for _ in range(5):
        ids = add(emr, c.id, 250)
        emr.cancel_steps(ClusterId=c.id, StepIds=ids)  # PENDING -> CANCELLED, so more can be added
    listed, marker = [], None
    while True:
        page = emr.list_steps(ClusterId=c.id, **({"Marker": marker} if marker else {}))
        listed += page["Steps"]
        marker = page.get("Marker")
        if not marker:
            break
    assert len(listed) == facts.LIST_STEPS_VISIBLE


def test_unknown_cluster_wording_depends_on_the_operation(emr):
    assert refused(emr.add_job_flow_steps, JobFlowId="j-NOPE", Steps=[step()]) == \
        ("ValidationException", "Specified job flow ID not valid")
    assert refused(emr.list_steps, ClusterId="j-NOPE") == \
        ("InvalidRequestException", "Cluster id 'j-NOPE' is not valid.")


# --- AddJobFlowSteps ------------------------------------------------------------------------------------

def test_at_most_256_active_steps_counting_every_client(fake, emr):
    c = fake.add_cluster(step_concurrency_level=5)
    foreign = add(emr, c.id, 5)
    fake.tick()  # the other client's five steps are RUNNING
    assert {s.state for s in c.book.steps} == {"RUNNING"}
    assert refused(add, emr, c.id, 252) == facts.ERR_MAX_ACTIVE
    add(emr, c.id, 251)  # 5 + 251 = 256 is allowed
    assert refused(add, emr, c.id, 1) == facts.ERR_MAX_ACTIVE
    emr.cancel_steps(ClusterId=c.id, StepIds=foreign[:1])  # CANCEL_PENDING still counts
    assert refused(add, emr, c.id, 1) == facts.ERR_MAX_ACTIVE
    fake.finish(foreign[0], "CANCELLED")
    add(emr, c.id, 1)


def test_step_name_at_most_256_characters_of_the_allowed_pattern(fake, emr):
    c = fake.add_cluster()
    emr.add_job_flow_steps(JobFlowId=c.id, Steps=[step("n" * 256)])
    code, message = refused(emr.add_job_flow_steps, JobFlowId=c.id, Steps=[step("n" * 257)])
    assert code == "ValidationException" and "steps.1.member.name" in message and "256" in message
    assert refused(emr.add_job_flow_steps, JobFlowId=c.id, Steps=[step("bell\x07")])[0] == "ValidationException"
    emr.add_job_flow_steps(JobFlowId=c.id, Steps=[step("tab\tand unicode é ✓")])


@pytest.mark.parametrize("action", ["CANCEL_AND_WAIT", "TERMINATE_CLUSTER", "TERMINATE_JOB_FLOW", None])
def test_action_on_failure_must_be_continue_when_steps_run_concurrently(fake, emr, action):
    c = fake.add_cluster(step_concurrency_level=2)
    config = step()
    config.pop("ActionOnFailure")
    if action:
        config["ActionOnFailure"] = action
    code, message = refused(emr.add_job_flow_steps, JobFlowId=c.id, Steps=[config])
    assert code == "ValidationException" and "is invalid" in message
    emr.add_job_flow_steps(JobFlowId=c.id, Steps=[step(action="CONTINUE")])
    one = fake.add_cluster(step_concurrency_level=1)
    emr.add_job_flow_steps(JobFlowId=one.id, Steps=[config])


def test_action_on_failure_enum_is_checked_by_emr(fake, emr):
    c = fake.add_cluster()
    assert refused(emr.add_job_flow_steps, JobFlowId=c.id, Steps=[step(action="RETRY")])[0] == "ValidationException"


def test_hadoop_jar_step_strings_total_at_most_10240_characters(fake, emr):
    c = fake.add_cluster()
    jar = "command-runner.jar"
    fits = [("a" * (facts.MAX_HADOOP_JAR_STEP_CHARS - len(jar)))]
    emr.add_job_flow_steps(JobFlowId=c.id, Steps=[step(args=fits)])
    code, message = refused(emr.add_job_flow_steps, JobFlowId=c.id, Steps=[step(args=[fits[0] + "b"])])
    assert code == "ValidationException" and "10240" in message


@pytest.mark.parametrize("state,accepted", [("STARTING", True), ("BOOTSTRAPPING", True), ("RUNNING", True),
                                            ("WAITING", True), ("TERMINATING", False), ("TERMINATED", False),
                                            ("TERMINATED_WITH_ERRORS", False)])
def test_steps_are_accepted_only_while_the_cluster_is_alive(fake, emr, state, accepted):
    c = fake.add_cluster(state=state)
    if accepted:
        add(emr, c.id, 1)
    else:
        assert refused(add, emr, c.id, 1) == facts.ERR_CLUSTER_SHUTTING_DOWN


def test_steps_start_in_order_within_the_concurrency_level_and_only_once_the_cluster_is_up(fake, emr):
    c = fake.add_cluster(state="BOOTSTRAPPING", step_concurrency_level=2)
    ids = add(emr, c.id, 3)
    fake.tick()
    assert [s.state for s in c.book.steps] == ["PENDING"] * 3
    c.state = "WAITING"
    fake.tick()
    assert [s.state for s in c.book.steps] == ["RUNNING", "RUNNING", "PENDING"]
    assert c.state == "RUNNING"
    fake.finish(ids[1], "COMPLETED")
    fake.tick()
    assert [s.state for s in c.book.steps] == ["RUNNING", "COMPLETED", "RUNNING"]


# --- ActionOnFailure and auto-termination ---------------------------------------------------------------

def test_cancel_and_wait_cancels_the_pending_steps_when_its_step_fails(fake, emr):
    c = fake.add_cluster()
    first = add(emr, c.id, 1, action="CANCEL_AND_WAIT")
    rest = add(emr, c.id, 2)
    fake.tick()
    fake.finish(first[0], "FAILED", failure={"Reason": "boom"})
    assert [s.state for s in c.book.steps] == ["FAILED", "CANCELLED", "CANCELLED"]
    fake.tick()
    assert c.state == "WAITING"
    add(emr, c.id, 1)  # the cluster takes new steps again
    assert rest


def test_continue_leaves_the_pending_steps(fake, emr):
    c = fake.add_cluster()
    first = add(emr, c.id, 1)
    add(emr, c.id, 1)
    fake.tick()
    fake.finish(first[0], "FAILED")
    assert [s.state for s in c.book.steps] == ["FAILED", "PENDING"]


@pytest.mark.parametrize("action", ["TERMINATE_CLUSTER", "TERMINATE_JOB_FLOW"])
def test_terminate_cluster_shuts_the_cluster_down(fake, emr, action):
    c = fake.add_cluster()
    first = add(emr, c.id, 1, action=action)
    add(emr, c.id, 1)
    fake.tick()
    fake.finish(first[0], "FAILED")
    status = emr.describe_cluster(ClusterId=c.id)["Cluster"]["Status"]
    assert status["State"] == "TERMINATING" and status["StateChangeReason"]["Code"] == "STEP_FAILURE"
    assert [s.state for s in c.book.steps] == ["FAILED", "CANCELLED"]
    fake.tick()
    assert c.state == "TERMINATED_WITH_ERRORS"


def test_a_failure_does_not_act_once_steps_run_concurrently(fake, emr):
    """CFG: after StepConcurrencyLevel went above 1, CANCEL_AND_WAIT cancels nothing and TERMINATE_CLUSTER
    does not terminate."""
    c = fake.add_cluster()
    first = add(emr, c.id, 1, action="TERMINATE_CLUSTER")
    add(emr, c.id, 1)
    fake.tick()
    emr.modify_cluster(ClusterId=c.id, StepConcurrencyLevel=2)
    fake.finish(first[0], "FAILED")
    assert c.state == "RUNNING" and c.book.steps[1].state == "PENDING"


def test_a_cluster_that_keeps_no_idle_time_ends_when_no_step_is_left(fake, emr):
    c = fake.add_cluster(keep_alive=False)
    ids = add(emr, c.id, 2)
    fake.tick()
    fake.finish(ids[0], "COMPLETED")
    fake.tick()
    assert c.state == "RUNNING"  # the second step still runs
    fake.finish(ids[1], "FAILED")
    status = emr.describe_cluster(ClusterId=c.id)["Cluster"]
    assert status["AutoTerminate"] is True
    assert status["Status"]["StateChangeReason"] == {"Code": "ALL_STEPS_COMPLETED", "Message": "Steps completed"}
    fake.tick()
    assert c.state == "TERMINATED"


def test_a_kept_alive_cluster_waits(fake, emr):
    c = fake.add_cluster(keep_alive=True)
    ids = add(emr, c.id, 1)
    fake.tick()
    fake.finish(ids[0], "COMPLETED")
    fake.tick()
    assert c.state == "WAITING"


def test_user_termination_interrupts_running_steps_and_cancels_pending_ones(fake, emr):
    c = fake.add_cluster()
    add(emr, c.id, 2)
    fake.tick()
    emr.terminate_job_flows(JobFlowIds=[c.id])
    fake.tick()
    assert [s.state for s in c.book.steps] == ["INTERRUPTED", "CANCELLED"]
    assert c.state == "TERMINATED" and c.reason_code == "USER_REQUEST"


# --- CancelSteps ----------------------------------------------------------------------------------------

def test_cancel_of_a_finished_step_fails_with_a_reason(fake, emr):
    c = fake.add_cluster()
    ids = add(emr, c.id, 1)
    fake.tick()
    fake.finish(ids[0], "COMPLETED")
    [info] = emr.cancel_steps(ClusterId=c.id, StepIds=ids)["CancelStepsInfoList"]
    assert info["Status"] == "FAILED" and "COMPLETED" in info["Reason"]


@pytest.mark.parametrize("release,running_cancellable", [
    ("emr-5.27.1", False), ("emr-5.28.0", True), ("emr-6.0.0", True), ("emr-7.5.0", True)])
def test_running_steps_can_be_cancelled_from_release_5_28_0(fake, emr, release, running_cancellable):
    c = fake.add_cluster(release_label=release)
    ids = add(emr, c.id, 2)
    fake.tick()
    infos = emr.cancel_steps(ClusterId=c.id, StepIds=ids, StepCancellationOption="SEND_INTERRUPT")
    running, pending = infos["CancelStepsInfoList"]
    assert pending["Status"] == "SUBMITTED" and c.book.steps[1].state == "CANCELLED"
    if running_cancellable:
        assert running["Status"] == "SUBMITTED" and c.book.steps[0].state == "CANCEL_PENDING"
    else:
        assert running["Status"] == "FAILED" and "5.28.0" in running["Reason"]
        assert c.book.steps[0].state == "RUNNING"


@pytest.mark.parametrize("release,available", [("emr-4.7.2", False), ("emr-4.8.0", True), ("emr-5.0.0", False),
                                               ("emr-5.0.3", True)])
def test_cancel_steps_exists_from_4_8_0_except_5_0_0(fake, emr, release, available):
    c = fake.add_cluster(release_label=release)
    ids = add(emr, c.id, 1)
    if available:
        emr.cancel_steps(ClusterId=c.id, StepIds=ids)
    else:
        assert refused(emr.cancel_steps, ClusterId=c.id, StepIds=ids)[0] == "ValidationException"


def test_cancel_steps_checks_its_option_and_its_size(fake, emr):
    c = fake.add_cluster()
    ids = add(emr, c.id, 1)
    assert refused(emr.cancel_steps, ClusterId=c.id, StepIds=ids, StepCancellationOption="KILL")[0] == \
        "ValidationException"
    assert refused(emr.cancel_steps, ClusterId=c.id, StepIds=ids * 257)[0] == "ValidationException"
    [unknown] = emr.cancel_steps(ClusterId=c.id, StepIds=["s-NOPE"])["CancelStepsInfoList"]
    assert unknown["Status"] == "FAILED"


def test_terminate_process_escalates_a_cancel_pending_step(fake, emr):
    c = fake.add_cluster()
    ids = add(emr, c.id, 1)
    fake.tick()
    emr.cancel_steps(ClusterId=c.id, StepIds=ids)
    [info] = emr.cancel_steps(ClusterId=c.id, StepIds=ids, StepCancellationOption="TERMINATE_PROCESS")[
        "CancelStepsInfoList"]
    assert info["Status"] == "SUBMITTED" and c.book.steps[0].cancel_option == "TERMINATE_PROCESS"
