"""End-to-end CLI runs against botocore Stubber: exact EMR/S3 call sequences and exit codes."""
import json
import signal
import xml.etree.ElementTree as ET

from botocore.stub import ANY

from step_runner import cli
from step_runner.run.state_file import load as load_state, state_path

from .conftest import cluster, gz, stderr_sample, summary
from .helpers import EXAMPLE, configs, run_cli

RUN = "r1"
J = "j-TEST"


def describe(stub, state="RUNNING", **kw):
    stub.add_response("describe_cluster", cluster(state, **kw), {"ClusterId": J})


def list_steps(stub, *steps, ids):
    stub.add_response("list_steps", {"Steps": list(steps)}, {"ClusterId": J, "StepIds": ids})


def add_steps(stub, names, ids):
    stub.add_response("add_job_flow_steps", {"StepIds": ids}, {"JobFlowId": J, "Steps": configs(RUN, *names)})


def test_end_to_end_three_steps_one_depending_on_another(emr_stub, s3_stub, clock, tmp_path):
    (emr, stub), (s3, _) = emr_stub, s3_stub
    describe(stub, "WAITING", concurrency=2)
    add_steps(stub, ["ingest", "dimensions"], ["s-1", "s-2"])
    list_steps(stub, summary("s-1", "ingest [run=r1]", "RUNNING"), summary("s-2", "dimensions [run=r1]", "RUNNING"),
               ids=["s-1", "s-2"])
    describe(stub, concurrency=2)
    list_steps(stub, summary("s-1", "ingest [run=r1]", "COMPLETED"), summary("s-2", "dimensions [run=r1]", "RUNNING"),
               ids=["s-1", "s-2"])
    describe(stub, concurrency=2)
    add_steps(stub, ["report"], ["s-3"])
    list_steps(stub, summary("s-2", "dimensions [run=r1]", "COMPLETED"),
               summary("s-3", "report [run=r1]", "COMPLETED", created=9, started=10, ended=14), ids=["s-2", "s-3"])
    describe(stub, "WAITING", concurrency=2)

    code, out, err = run_cli([str(EXAMPLE), "--cluster-id", J, "--run-id", RUN, "--json"], emr, s3, clock, tmp_path)

    assert code == cli.EXIT_OK, err
    report = json.loads(out)
    assert report["outcome"] == "SUCCEEDED" and report["exit_code"] == 0
    assert [(s["name"], s["step_id"], s["outcome"]) for s in report["steps"]] == [
        ("ingest", "s-1", "COMPLETED"), ("dimensions", "s-2", "COMPLETED"), ("report", "s-3", "COMPLETED")]
    assert report["steps"][2]["duration_seconds"] == 240.0
    assert report["steps"][2]["log_location"] == "s3://example-logs/emr/j-TEST/steps/s-3/"
    # Each step's spark-submit command, the one AddJobFlowSteps sent: emr-scaling replays a run from it.
    ingest = report["steps"][0]["command"]
    assert ingest[:5] == ["spark-submit", "--deploy-mode", "cluster", "--master", "yarn"]
    assert "s3://example-spark-artifacts/jobs/ingest_events.py" in ingest
    from emr_scaling.workload.from_run import workload_from_report
    replay = workload_from_report(report, "run.json")
    assert [a.name for a in replay.applications][-1] == "report"
    assert dict(replay.applications[0].conf)["spark.executor.memory"] == "4g"
    saved = load_state(state_path(tmp_path, RUN))
    assert saved.finished and saved.step_ids == {"ingest": ["s-1"], "dimensions": ["s-2"], "report": ["s-3"]}
    assert "[report] submitted as s-3" in err


def test_waits_through_starting_and_bootstrapping(emr_stub, s3_stub, clock, tmp_path):
    (emr, stub), (s3, _) = emr_stub, s3_stub
    for state in ("STARTING", "BOOTSTRAPPING"):
        describe(stub, state)
    describe(stub, "RUNNING", concurrency=2)
    stub.add_response("list_steps", {"Steps": [summary("s-x", "someone else", "RUNNING")]},
                      {"ClusterId": J, "StepStates": ["CANCEL_PENDING", "PENDING", "RUNNING"]})
    code, out, _ = run_cli([str(EXAMPLE), "--cluster-id", J, "--run-id", RUN, "--validate"], emr, s3, clock, tmp_path)
    assert code == 0  # --validate never calls AWS; now wait for real:
    from step_runner.aws.emr_adapter import EmrAdapter
    from step_runner.run.runner import StepRunner
    info = StepRunner(EmrAdapter(emr), clock=clock, sleep=clock.sleep).wait_for_cluster(J)
    assert info.state == "RUNNING" and clock.sleeps == [20.0, 20.0]


def test_cluster_wait_timeout_exits_6(emr_stub, s3_stub, clock, tmp_path):
    (emr, stub), (s3, _) = emr_stub, s3_stub
    for _ in range(4):
        describe(stub, "STARTING")
    code, _, err = run_cli([str(EXAMPLE), "--cluster-id", J, "--cluster-timeout", "50s"], emr, s3, clock, tmp_path)
    assert code == cli.EXIT_TIMEOUT == 6
    assert clock.sleeps == [20.0, 20.0, 10.0]
    assert "still STARTING after 50s" in err


def test_dead_cluster_fails_fast_with_reason_exit_5(emr_stub, s3_stub, clock, tmp_path):
    (emr, stub), (s3, _) = emr_stub, s3_stub
    describe(stub, "TERMINATED_WITH_ERRORS", reason=("BOOTSTRAP_FAILURE", "On the master instance, bootstrap action 1 "
                                                     "returned a non-zero return code"))
    code, _, err = run_cli([str(EXAMPLE), "--cluster-id", J], emr, s3, clock, tmp_path)
    assert code == cli.EXIT_CLUSTER_DIED == 5
    assert "TERMINATED_WITH_ERRORS: BOOTSTRAP_FAILURE: On the master instance" in err
    assert clock.sleeps == []


def test_cluster_dies_mid_run_exit_5(emr_stub, s3_stub, clock, tmp_path):
    (emr, stub), (s3, _) = emr_stub, s3_stub
    describe(stub, "WAITING")
    add_steps(stub, ["ingest"], ["s-1"])
    list_steps(stub, summary("s-1", "ingest [run=r1]", "CANCELLED"), ids=["s-1"])
    describe(stub, "TERMINATED_WITH_ERRORS", reason=("INSTANCE_FAILURE", "Master instance failed"))
    code, out, _ = run_cli([str(EXAMPLE), "--cluster-id", J, "--run-id", RUN, "--no-logs"], emr, s3, clock, tmp_path)
    assert code == cli.EXIT_CLUSTER_DIED
    assert "cluster TERMINATED_WITH_ERRORS: INSTANCE_FAILURE: Master instance failed" in out


def test_bad_spec_exits_2_without_any_aws_call(emr_stub, s3_stub, clock, tmp_path):
    (emr, _), (s3, _) = emr_stub, s3_stub
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps:\n  - name: a\n    entry_point: s3://b/a.py\n    depends_on: [a]\n    retries: many\n")
    code, _, err = run_cli([str(bad), "--cluster-id", J], emr, s3, clock, tmp_path)
    assert code == cli.EXIT_BAD_INPUT == 2
    assert "2 problems" in err and "retries" in err and "cannot depend on itself" in err


def test_concurrency_rule_is_bad_input(emr_stub, s3_stub, clock, tmp_path):
    (emr, stub), (s3, _) = emr_stub, s3_stub
    spec = tmp_path / "s.toml"
    spec.write_text('[[steps]]\nname = "a"\nentry_point = "s3://b/a.py"\naction_on_failure = "TERMINATE_CLUSTER"\n')
    describe(stub, "WAITING", concurrency=3)
    code, _, err = run_cli([str(spec), "--cluster-id", J], emr, s3, clock, tmp_path)
    assert code == 2 and "StepConcurrencyLevel is 3" in err


def test_access_denied_exits_7(emr_stub, s3_stub, clock, tmp_path):
    (emr, stub), (s3, _) = emr_stub, s3_stub
    stub.add_client_error("describe_cluster", "AccessDeniedException", "not authorized", 403)
    code, _, err = run_cli([str(EXAMPLE), "--cluster-id", J], emr, s3, clock, tmp_path)
    assert code == cli.EXIT_AWS_ERROR == 7


def test_failure_details_arrive_late_then_stderr_probable_cause(emr_stub, s3_stub, clock, tmp_path):
    (emr, stub), (s3, s3stub) = emr_stub, s3_stub
    spec = tmp_path / "one.yaml"
    spec.write_text("steps:\n  - name: ingest\n    entry_point: s3://b/ingest.py\n"
                    "  - name: report\n    entry_point: s3://b/report.py\n    depends_on: ingest\n")
    describe(stub, "WAITING")
    stub.add_response("add_job_flow_steps", {"StepIds": ["s-1"]}, {"JobFlowId": J, "Steps": ANY})
    list_steps(stub, summary("s-1", "ingest [run=r1]", "FAILED"), ids=["s-1"])
    describe(stub)
    list_steps(stub, summary("s-1", "ingest [run=r1]", "FAILED"), ids=["s-1"])
    describe(stub)
    details = {"Reason": "Unknown Error.", "Message": "Step failed with exitCode 1",
               "LogFile": "s3://example-logs/emr/j-TEST/steps/s-1/stderr.gz"}
    list_steps(stub, summary("s-1", "ingest [run=r1]", "FAILED", failure=details), ids=["s-1"])
    describe(stub, "WAITING")
    prefix = {"Bucket": "example-logs", "Prefix": "emr/j-TEST/steps/s-1/"}
    s3stub.add_response("list_objects_v2", {"Contents": [
        {"Key": "emr/j-TEST/steps/s-1/controller.gz", "Size": 10},
        {"Key": "emr/j-TEST/steps/s-1/stderr.gz", "Size": 900},
        {"Key": "emr/j-TEST/steps/s-1/stdout.gz", "Size": 10}]}, prefix)
    from io import BytesIO
    from botocore.response import StreamingBody
    body = gz(stderr_sample())
    s3stub.add_response("get_object", {"Body": StreamingBody(BytesIO(body), len(body))},
                        {"Bucket": "example-logs", "Key": "emr/j-TEST/steps/s-1/stderr.gz"})
    junit = tmp_path / "junit.xml"

    code, out, err = run_cli([str(spec), "--cluster-id", J, "--run-id", RUN, "--junit", str(junit)],
                             emr, s3, clock, tmp_path)

    assert code == cli.EXIT_STEP_FAILED == 3
    assert "reason: Unknown Error." in out and "log file: s3://example-logs/emr/j-TEST/steps/s-1/stderr.gz" in out
    assert "probable cause (python): pyspark.errors.exceptions.captured.AnalysisException: [PATH_NOT_FOUND]" in out
    assert "dependency ingest did not complete" in out
    case = ET.parse(junit).getroot().find("testcase[@name='ingest']/failure")
    assert case.get("message").startswith("pyspark.errors.exceptions.captured.AnalysisException")
    assert "Step failed with exitCode 1" in err


def test_step_timeout_cancels_and_exits_6(emr_stub, s3_stub, clock, tmp_path):
    (emr, stub), (s3, _) = emr_stub, s3_stub
    spec = tmp_path / "t.yaml"
    spec.write_text("steps:\n  - name: slow\n    entry_point: s3://b/slow.py\n    timeout: 8s\n")
    describe(stub, "WAITING")
    stub.add_response("add_job_flow_steps", {"StepIds": ["s-1"]}, {"JobFlowId": J, "Steps": ANY})
    list_steps(stub, summary("s-1", "slow [run=r1]", "RUNNING"), ids=["s-1"])    # t=5: RUNNING since 5
    describe(stub)
    list_steps(stub, summary("s-1", "slow [run=r1]", "RUNNING"), ids=["s-1"])    # t=10
    describe(stub)
    list_steps(stub, summary("s-1", "slow [run=r1]", "RUNNING"), ids=["s-1"])    # t=15 -> timed out
    describe(stub)
    stub.add_response("cancel_steps", {"CancelStepsInfoList": [{"StepId": "s-1", "Status": "SUBMITTED"}]},
                      {"ClusterId": J, "StepIds": ["s-1"], "StepCancellationOption": "SEND_INTERRUPT"})
    list_steps(stub, summary("s-1", "slow [run=r1]", "CANCELLED"), ids=["s-1"])
    describe(stub, "WAITING")
    code, out, _ = run_cli([str(spec), "--cluster-id", J, "--run-id", RUN, "--json"], emr, s3, clock, tmp_path)
    assert code == cli.EXIT_TIMEOUT
    assert json.loads(out)["steps"][0]["outcome"] == "TIMED_OUT"


def test_ctrl_c_sends_interrupt_then_terminate_process_exit_4(emr_stub, s3_stub, clock, tmp_path, restore_signals):
    (emr, stub), (s3, _) = emr_stub, s3_stub
    describe(stub, "WAITING", concurrency=2)
    add_steps(stub, ["ingest", "dimensions"], ["s-1", "s-2"])
    list_steps(stub, summary("s-1", "ingest [run=r1]", "RUNNING"), summary("s-2", "dimensions [run=r1]", "PENDING"),
               ids=["s-1", "s-2"])
    describe(stub, concurrency=2)
    stub.add_response("cancel_steps", {"CancelStepsInfoList": [
        {"StepId": "s-1", "Status": "SUBMITTED"}, {"StepId": "s-2", "Status": "SUBMITTED"}]},
        {"ClusterId": J, "StepIds": ["s-1", "s-2"], "StepCancellationOption": "SEND_INTERRUPT"})
    list_steps(stub, summary("s-1", "ingest [run=r1]", "RUNNING"), summary("s-2", "dimensions [run=r1]", "CANCELLED"),
               ids=["s-1", "s-2"])
    describe(stub, concurrency=2)
    stub.add_response("cancel_steps", {"CancelStepsInfoList": [{"StepId": "s-1", "Status": "SUBMITTED"}]},
                      {"ClusterId": J, "StepIds": ["s-1"], "StepCancellationOption": "TERMINATE_PROCESS"})
    list_steps(stub, summary("s-1", "ingest [run=r1]", "CANCELLED"), ids=["s-1"])
    describe(stub, "WAITING", concurrency=2)

    def press_ctrl_c_once(c):
        if len(c.sleeps) == 1:
            signal.raise_signal(signal.SIGINT)
    clock.hooks.append(press_ctrl_c_once)

    code, out, err = run_cli([str(EXAMPLE), "--cluster-id", J, "--run-id", RUN, "--cancel-grace", "5s", "--json"],
                             emr, s3, clock, tmp_path, signals=True)
    assert code == cli.EXIT_CANCELLED == 4, err
    steps = {s["name"]: s["outcome"] for s in json.loads(out)["steps"]}
    assert steps == {"ingest": "CANCELLED", "dimensions": "CANCELLED", "report": "NOT_SUBMITTED"}
    assert "SIGINT: cancelling steps of run r1" in err


def test_second_ctrl_c_abandons_and_resume_attaches_without_resubmitting(emr_stub, s3_stub, clock, tmp_path):
    (emr, stub), (s3, _) = emr_stub, s3_stub
    describe(stub, "WAITING", concurrency=2)
    add_steps(stub, ["ingest", "dimensions"], ["s-1", "s-2"])

    def crash(_c):
        raise KeyboardInterrupt
    clock.hooks.append(crash)
    code, _, err = run_cli([str(EXAMPLE), "--cluster-id", J, "--run-id", RUN], emr, s3, clock, tmp_path)
    assert code == cli.EXIT_ABANDONED == 130 and "--resume" in err
    assert load_state(state_path(tmp_path, RUN)).step_ids == {"ingest": ["s-1"], "dimensions": ["s-2"]}
    clock.hooks.clear()

    # Second invocation: only --resume; the cluster and spec come from the state file.
    describe(stub, "RUNNING", concurrency=2)
    stub.add_response("list_steps", {"Steps": [summary("s-2", "dimensions [run=r1]", "RUNNING", created=2),
                                               summary("s-9", "someone else's step", "RUNNING", created=2)],
                                     "Marker": "page2"}, {"ClusterId": J})
    stub.add_response("list_steps", {"Steps": [summary("s-1", "ingest [run=r1]", "COMPLETED", created=1),
                                               summary("s-0", "old [run=r0]", "COMPLETED", created=-60)]},
                      {"ClusterId": J, "Marker": "page2"})
    add_steps(stub, ["report"], ["s-3"])  # only the step never submitted before
    list_steps(stub, summary("s-2", "dimensions [run=r1]", "COMPLETED"), summary("s-3", "report [run=r1]", "COMPLETED"),
               ids=["s-2", "s-3"])
    describe(stub, "WAITING", concurrency=2)

    code, out, err = run_cli(["--resume", RUN, "--json"], emr, s3, clock, tmp_path)
    assert code == 0, err
    report = json.loads(out)
    assert [(s["name"], s["step_ids"]) for s in report["steps"]] == [
        ("ingest", ["s-1"]), ("dimensions", ["s-2"]), ("report", ["s-3"])]
    assert "[ingest] attached to s-1 (COMPLETED, attempt 1)" in err


def test_run_timeout_cancels_everything_exit_6(emr_stub, s3_stub, clock, tmp_path):
    (emr, stub), (s3, _) = emr_stub, s3_stub
    describe(stub, "WAITING", concurrency=2, release="emr-5.20.0")
    add_steps(stub, ["ingest", "dimensions"], ["s-1", "s-2"])
    list_steps(stub, summary("s-1", "ingest [run=r1]", "RUNNING"), summary("s-2", "dimensions [run=r1]", "PENDING"),
               ids=["s-1", "s-2"])
    describe(stub, concurrency=2)
    # emr-5.20: no StepCancellationOption, and only the PENDING step can be cancelled.
    stub.add_response("cancel_steps", {"CancelStepsInfoList": [{"StepId": "s-2", "Status": "SUBMITTED"}]},
                      {"ClusterId": J, "StepIds": ["s-2"]})
    list_steps(stub, summary("s-2", "dimensions [run=r1]", "CANCELLED"), ids=["s-2"])
    describe(stub, concurrency=2)
    code, out, err = run_cli([str(EXAMPLE), "--cluster-id", J, "--run-id", RUN, "--timeout", "5s", "--json"],
                             emr, s3, clock, tmp_path)
    assert code == cli.EXIT_TIMEOUT
    steps = {s["name"]: s["outcome"] for s in json.loads(out)["steps"]}
    assert steps == {"ingest": "STILL_ACTIVE", "dimensions": "TIMED_OUT", "report": "NOT_SUBMITTED"}
    assert "cannot cancel a RUNNING step" in err and "emr-5.28.0" in err
