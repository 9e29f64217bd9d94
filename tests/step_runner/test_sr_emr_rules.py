"""The runner against the strict EMR fake (the rules local_emr enforces): each behaviour EMR imposes, with an
input that broke it before (issue 10's list), through the CLI or the library."""
from __future__ import annotations

import json
import signal
import xml.etree.ElementTree as ET

import pytest

from step_runner import cli
from step_runner.run import state_file
from step_runner.aws.emr_adapter import EmrAdapter
from step_runner.errors import ResumeError
from step_runner.report.run_report import RunReport, StepResult, to_junit
from step_runner.diagnosis.probable_cause import ProbableCause
from step_runner.run.runner import CancelToken, RunnerConfig, StepRunner
from step_runner.plan.spec import load_spec_file, parse_spec, parse_tag, tag_name

from .strict_emr import StrictEmr, run_cli, spec_file


@pytest.fixture
def emr(clock) -> StrictEmr:
    return StrictEmr(clock)


def names(report: dict) -> dict[str, str]:
    return {s["name"]: s["outcome"] for s in report["steps"]}


# --- 1. run ids ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("run_id", ["nightly 2026-11-25", "../x", "a/b", ".hidden", "-dash", "x" * 129, "é"])
def test_a_run_id_emr_or_the_run_token_cannot_carry_is_refused_before_any_aws_call(emr, tmp_path, run_id):
    c = emr.cluster()
    spec = spec_file(tmp_path, {"name": "a"})
    code, out, err = run_cli(emr, tmp_path / "state", spec, "--cluster-id", c.id, "--run-id", run_id, "--json")
    assert code == cli.EXIT_BAD_INPUT
    assert "--run-id" in err and emr.operations() == []
    assert json.loads(out)["exit_code"] == 2
    assert not (tmp_path / "x.json").exists() and not (tmp_path / "state").exists()


def test_a_run_id_that_pushes_a_step_name_past_256_characters_is_refused(emr, tmp_path):
    c = emr.cluster()
    spec = spec_file(tmp_path, {"name": "n" * 200})
    code, _, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "r" * 50)
    assert code == cli.EXIT_BAD_INPUT and "257 characters" in err and "256" in err
    assert emr.operations() == []
    code, _, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "r" * 49)
    assert code == cli.EXIT_OK, err
    assert len(emr.submitted_names()[0]) == 256


@pytest.mark.parametrize("run_id", ["nightly-2026-11-25", "20261125T120000-abc123", "R.1_x", "9" * 128])
def test_every_accepted_run_id_is_found_again_in_the_step_name(run_id):
    assert parse_tag(tag_name("ingest", run_id)) == ("ingest", run_id)


def test_resume_with_a_bad_run_id_is_refused(emr, tmp_path):
    code, _, err = run_cli(emr, tmp_path, "--resume", "../../etc/passwd")
    assert code == cli.EXIT_BAD_INPUT and "--resume" in err


# --- 2. a cluster that ends when no step is left ---------------------------------------------------------

def test_all_steps_completed_end_is_success_and_every_step_went_in_at_once(emr, tmp_path):
    c = emr.cluster(keep_alive=False)
    spec = spec_file(tmp_path, {"name": "a"}, {"name": "b"}, {"name": "c"})
    code, out, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "r1", "--json")
    assert code == cli.EXIT_OK, err
    report = json.loads(out)
    assert report["outcome"] == "SUCCEEDED" and set(names(report).values()) == {"COMPLETED"}
    assert report["message"] == "cluster TERMINATED: ALL_STEPS_COMPLETED: Steps completed"
    assert emr.operations().count("AddJobFlowSteps") == 1 and len(emr.submitted_names()) == 3
    assert c.state == "TERMINATED"


def test_a_starting_cluster_that_ends_when_idle_takes_the_steps_before_it_comes_up(emr, tmp_path):
    c = emr.cluster(state="STARTING", keep_alive=False)
    emr.hooks.append(lambda e: setattr(c, "state", "WAITING") if c.state == "STARTING" else None)
    spec = spec_file(tmp_path, {"name": "a"})
    code, _, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "r1")
    assert code == cli.EXIT_OK, err
    assert emr.operations()[:2] == ["DescribeCluster", "AddJobFlowSteps"]


def test_a_dependency_emr_cannot_honour_on_a_cluster_that_ends_when_idle_is_refused(emr, tmp_path):
    c = emr.cluster(keep_alive=False)
    spec = spec_file(tmp_path, {"name": "a"}, {"name": "b", "depends_on": "a"})
    code, _, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "r1")
    assert code == cli.EXIT_BAD_INPUT and "steps[a].action_on_failure" in err
    assert "AddJobFlowSteps" not in emr.operations() and not (tmp_path / "r1.json").exists()
    ok = spec_file(tmp_path, {"name": "a", "action_on_failure": "CANCEL_AND_WAIT"}, {"name": "b", "depends_on": "a"},
                   name="ok.yaml")
    emr.script["a"] = ["FAILED"]
    code, out, err = run_cli(emr, tmp_path, ok, "--cluster-id", emr.cluster(keep_alive=False).id, "--run-id", "r2",
                             "--json")
    assert code == cli.EXIT_STEP_FAILED, err
    assert names(json.loads(out)) == {"a": "FAILED", "b": "CANCELLED"}  # EMR's CANCEL_AND_WAIT stopped b


def test_a_user_terminating_the_cluster_after_the_run_s_steps_ended_is_not_a_death(emr, tmp_path):
    c = emr.cluster()
    emr.script["a"] = ["FAILED"]

    def terminate_once_failed(e):
        if c.book.steps and c.book.steps[0].state == "FAILED" and c.state in ("RUNNING", "WAITING"):
            c.end("USER_REQUEST", "Terminated by user request", False)
    emr.hooks.append(terminate_once_failed)
    spec = spec_file(tmp_path, {"name": "a"})
    code, out, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "r1", "--json")
    assert code == cli.EXIT_STEP_FAILED, err  # the run waited for FailureDetails; the step's failure decides
    assert names(json.loads(out)) == {"a": "FAILED"}


def test_a_cluster_that_dies_under_running_steps_is_still_exit_5(emr, tmp_path):
    c = emr.cluster(step_concurrency_level=2)
    emr.hold.add("a")
    emr.hooks.append(lambda e: c.end("INSTANCE_FAILURE", "Master instance failed", True) if e.clock.t > 20 else None)
    spec = spec_file(tmp_path, {"name": "a"}, {"name": "b"})
    code, out, _ = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "r1", "--json")
    assert code == cli.EXIT_CLUSTER_DIED
    assert names(json.loads(out)) == {"a": "CANCELLED", "b": "COMPLETED"}


# --- 3. ActionOnFailure at StepConcurrencyLevel 1 -------------------------------------------------------

def test_cancel_and_wait_stops_the_run_s_unsubmitted_steps(emr, tmp_path):
    c = emr.cluster()
    emr.script["a"] = ["FAILED"]
    spec = spec_file(tmp_path, {"name": "a", "action_on_failure": "CANCEL_AND_WAIT"}, {"name": "b"}, {"name": "c"})
    code, out, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "r1", "--json")
    assert code == cli.EXIT_STEP_FAILED, err
    report = json.loads(out)
    assert names(report) == {"a": "FAILED", "b": "NOT_SUBMITTED", "c": "NOT_SUBMITTED"}
    assert "CANCEL_AND_WAIT" in report["steps"][1]["note"]
    assert emr.submitted_names() == ["a [run=r1]"]


def test_terminate_cluster_ends_the_run_as_a_step_failure_not_a_cluster_death(emr, tmp_path):
    c = emr.cluster()
    emr.script["a"] = ["FAILED"]
    spec = spec_file(tmp_path, {"name": "a", "action_on_failure": "TERMINATE_CLUSTER"}, {"name": "b"})
    code, out, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "r1", "--json")
    assert code == cli.EXIT_STEP_FAILED, err
    report = json.loads(out)
    assert names(report) == {"a": "FAILED", "b": "NOT_SUBMITTED"}
    assert report["steps"][0]["failure_details"]["reason"] == "Unknown Error."
    assert "STEP_FAILURE" in report["message"] and c.state == "TERMINATED_WITH_ERRORS"


def test_terminate_job_flow_is_accepted_as_emr_accepts_it():
    plan = parse_spec({"steps": [{"name": "a", "entry_point": "s3://b/a.py", "action_on_failure": "TERMINATE_JOB_FLOW"}]})
    assert plan.steps[0].action_on_failure == "TERMINATE_JOB_FLOW"


# --- 4. the 256 active steps are every client's ---------------------------------------------------------

def test_five_foreign_running_steps_and_a_batch_of_256(emr, tmp_path):
    c = emr.cluster(step_concurrency_level=256)
    emr.other_client_steps(c, 5, until=30)
    spec = spec_file(tmp_path, *[{"name": f"s{i}"} for i in range(256)])
    code, out, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "big", "--json")
    assert code == cli.EXIT_OK, err
    assert set(names(json.loads(out)).values()) == {"COMPLETED"}
    batches = [len(p["Steps"]) for op, p in emr.fake.calls if op == "AddJobFlowSteps"][1:]  # [0]: the other client
    assert batches[:2] == [256, 251] and sum(batches[1:]) == 256  # refused whole, then what fits, then the rest
    assert "251 now" in err


# --- 5. and 6. output files --------------------------------------------------------------------------------

def test_a_junit_path_in_a_missing_directory_is_refused_before_any_aws_call(emr, tmp_path):
    c = emr.cluster()
    spec = spec_file(tmp_path, {"name": "a"})
    code, out, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--junit", str(tmp_path / "no" / "x.xml"),
                             "--json")
    assert code == cli.EXIT_BAD_INPUT and "--junit" in err and "does not exist" in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert json.loads(out)["error"]["type"] == "SpecError"
    assert emr.operations() == []


def test_junit_is_well_formed_whatever_the_logs_hold():
    dirty = "\x1b[31mERROR\x1b[0m boom \x00\x07 \ud800 end"
    step = StepResult(name="a\x1b[1m", step_id="s-1", outcome="FAILED", state="FAILED", note=dirty,
                      probable_cause=ProbableCause("python", dirty, (dirty, "ok")))
    xml = to_junit(RunReport("r", "j-1", "STEP_FAILED", [step], message=dirty,
                             error={"type": "X", "message": dirty}))
    root = ET.fromstring(xml.encode("utf-8"))
    failure = root.find("testcase[@name='a']/failure")
    assert failure is not None and "\x1b" not in failure.get("message") and "ERROR boom" in failure.get("message")


def test_junit_is_written_for_a_run_that_ended_early(emr, tmp_path):
    spec = spec_file(tmp_path, {"name": "a"})
    junit = tmp_path / "j.xml"
    code, _, _ = run_cli(emr, tmp_path, spec, "--cluster-id", "j-NOPE", "--junit", str(junit))
    assert code == cli.EXIT_BAD_INPUT  # DescribeCluster: no such cluster
    root = ET.parse(junit).getroot()
    assert root.get("errors") == "1" and root.find("testcase/error") is not None


# --- 7. resume ------------------------------------------------------------------------------------------

def test_resume_of_a_mistyped_run_submits_nothing(emr, tmp_path):
    c = emr.cluster()
    spec = spec_file(tmp_path, {"name": "a"}, {"name": "b"})
    assert run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "nightly")[0] == cli.EXIT_OK
    submitted = len(emr.submitted_names())
    code, out, err = run_cli(emr, tmp_path, "--resume", "nightyl", spec, "--cluster-id", c.id, "--json")
    assert code == cli.EXIT_BAD_INPUT and "no step of run nightyl" in err
    assert len(emr.submitted_names()) == submitted
    assert not state_file.state_path(tmp_path, "nightyl").exists()
    assert json.loads(out)["error"]["type"] == "ResumeError"


def test_library_resume_attaches_and_submits_only_what_never_went_in(emr, clock, tmp_path):
    c = emr.cluster()
    client = emr.client()
    client.add_job_flow_steps(JobFlowId=c.id, Steps=[
        {"Name": "a [run=r7]", "ActionOnFailure": "CONTINUE", "HadoopJarStep": {"Jar": "command-runner.jar"}}])
    plan = parse_spec({"steps": [{"name": "a", "entry_point": "s3://b/a.py"}, {"name": "b", "entry_point": "s3://b/b.py"}]})
    runner = StepRunner(EmrAdapter(client), clock=clock, sleep=clock.sleep, rand=lambda: 0.5)
    report = runner.resume(plan, runner.wait_for_cluster(c.id), "r7")
    assert report.outcome == "SUCCEEDED" and [s.attempts for s in report.steps] == [1, 1]
    assert emr.submitted_names() == ["a [run=r7]", "b [run=r7]"]
    with pytest.raises(ResumeError):
        runner.resume(plan, runner.wait_for_cluster(c.id), "r8")


# --- 8. CancelSteps refused ----------------------------------------------------------------------------

def test_a_refused_cancel_escalates_at_once_and_gives_up_with_emr_s_reason(emr, tmp_path, restore_signals,
                                                                             monkeypatch):
    c = emr.cluster()
    emr.hold.add("a")
    monkeypatch.setattr(type(c.book), "_cancel", lambda self, step, option, label: f"refused by EMR ({option})")
    emr.hooks.append(lambda e: signal.raise_signal(signal.SIGINT) if e.clock.t == 5.0 else None)
    spec = spec_file(tmp_path, {"name": "a"})
    code, out, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "r1", "--json", signals=True)
    assert code == cli.EXIT_CANCELLED, err
    step = json.loads(out)["steps"][0]
    assert step["outcome"] == "STILL_ACTIVE" and "refused by EMR (TERMINATE_PROCESS)" in step["note"]
    options = [p.get("StepCancellationOption") for op, p in emr.fake.calls if op == "CancelSteps"]
    assert options == ["SEND_INTERRUPT", "TERMINATE_PROCESS"]
    assert emr.clock.t < 60  # no cancel grace, no 600 s wait


def test_cancel_wait_bounds_the_wait_for_cancelled(emr, tmp_path, restore_signals):
    c = emr.cluster()
    emr.hold.add("a")
    emr.ignore_cancel.add("a")
    emr.hooks.append(lambda e: signal.raise_signal(signal.SIGINT) if e.clock.t == 5.0 else None)
    spec = spec_file(tmp_path, {"name": "a"})
    code, out, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "r1", "--json",
                             "--cancel-grace", "10s", "--cancel-wait", "30s", signals=True)
    assert code == cli.EXIT_CANCELLED, err
    assert json.loads(out)["steps"][0]["outcome"] == "STILL_ACTIVE"
    assert emr.clock.t < 10 + 30 + 60


# --- 9. a failed step that could not be retried -----------------------------------------------------------

def test_retries_with_terminate_cluster_report_the_failure(emr, tmp_path):
    c = emr.cluster()
    emr.script["a"] = ["FAILED"]
    spec = spec_file(tmp_path, {"name": "a", "retries": 1, "action_on_failure": "TERMINATE_CLUSTER"})
    code, out, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "r1", "--json")
    assert code == cli.EXIT_STEP_FAILED, err
    step = json.loads(out)["steps"][0]
    assert step["outcome"] == "FAILED" and step["state"] == "FAILED" and step["failure_details"]
    assert step["attempts"] == 1


def test_ctrl_c_between_a_failure_and_its_retry_reports_the_failure(emr, tmp_path, restore_signals):
    c = emr.cluster()
    emr.script["a"] = ["FAILED"]
    list_steps, pressed = emr.fake._op_ListSteps, []

    def ctrl_c_when_the_failure_is_seen(params):
        answer = list_steps(params)
        if not pressed and any(s["Status"]["State"] == "FAILED" for s in answer["Steps"]):
            pressed.append(True)
            signal.raise_signal(signal.SIGINT)
        return answer
    emr.fake._op_ListSteps = ctrl_c_when_the_failure_is_seen
    spec = spec_file(tmp_path, {"name": "a", "retries": 2})
    code, out, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "r1", "--json", signals=True)
    step = json.loads(out)["steps"][0]
    assert step["outcome"] == "FAILED" and step["failure_details"]["reason"] == "Unknown Error.", err
    assert "not retried" in step["note"] and emr.submitted_names() == ["a [run=r1]"]
    assert code == cli.EXIT_CANCELLED


# --- 10. configuration and environment errors -----------------------------------------------------------

@pytest.fixture
def no_aws_config(monkeypatch, tmp_path):
    for key in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    from step_runner.aws import emr_adapter
    emr_adapter._session.cache_clear()
    yield
    emr_adapter._session.cache_clear()


def real_clients_cli(tmp_path, *argv):
    import io

    out, err = io.StringIO(), io.StringIO()
    code = cli.main([*argv, "--state-dir", str(tmp_path / "state")], cli.Deps(stdout=out, stderr=err,
                                                                              install_signals=False))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("extra,code,words", [
    ((), cli.EXIT_BAD_INPUT, "no AWS region"),
    (("--profile", "nosuch"), cli.EXIT_BAD_INPUT, "--profile nosuch"),
    (("--region", "eu-west-1"), cli.EXIT_AWS_ERROR, "NoCredentialsError"),
])
def test_aws_configuration_errors_are_one_line_and_an_exit_code(no_aws_config, tmp_path, extra, code, words):
    spec = spec_file(tmp_path, {"name": "a"})
    got, out, err = real_clients_cli(tmp_path, spec, "--cluster-id", "j-X", *extra, "--json")
    assert got == code, err
    assert words in err and "Traceback" not in err and err.count("\n") == 1
    assert json.loads(out)["exit_code"] == code


def test_an_unusable_state_dir_is_refused_before_any_aws_call(emr, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    spec = spec_file(tmp_path, {"name": "a"})
    code, _, err = run_cli(emr, blocker / "sub", spec, "--cluster-id", "j-X")
    assert code == cli.EXIT_BAD_INPUT and "--state-dir" in err and emr.operations() == []


# --- 11. smaller ---------------------------------------------------------------------------------------

def test_a_step_timeout_on_a_release_that_cannot_cancel_running_steps_exits_6(emr, tmp_path):
    c = emr.cluster(release_label="emr-5.27.0")
    emr.hold.add("a")
    spec = spec_file(tmp_path, {"name": "a", "timeout": "10s"})
    code, out, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "r1", "--json")
    assert code == cli.EXIT_TIMEOUT, err
    step = json.loads(out)["steps"][0]
    assert step["outcome"] == "STILL_ACTIVE" and "5.28.0" in step["note"]
    assert "CancelSteps" not in emr.operations()


def test_yaml_values_reach_spark_submit_as_written(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("steps:\n  - name: a\n    entry_point: s3://b/a.py\n"
                    "    args: [0012, 12:30, 2026-11-25, 1e3, yes, 0x1F, 3]\n"
                    "    conf: {spark.x: 0012, spark.y: true, spark.z: 1.50}\n")
    cmd = load_spec_file(spec).steps[0].spark_submit_command()
    assert cmd[-7:] == ["0012", "12:30", "2026-11-25", "1e3", "yes", "0x1F", "3"]
    assert {"spark.x=0012", "spark.y=true", "spark.z=1.50"} <= set(cmd)


def test_yaml_1_1_numbers_in_other_fields_are_refused_not_reinterpreted(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("steps:\n  - name: a\n    entry_point: s3://b/a.py\n    timeout: 1:30\n    retries: 010\n")
    from step_runner.errors import SpecError
    with pytest.raises(SpecError) as info:
        load_spec_file(spec)
    assert {p.field for p in info.value.problems} == {"steps[0].timeout", "steps[0].retries"}


@pytest.mark.parametrize("death", ["at start", "AccessDenied"])
def test_json_prints_one_object_when_the_run_ends_early(emr, tmp_path, death):
    c = emr.cluster(state="TERMINATED" if death == "at start" else "WAITING")
    if death == "AccessDenied":
        from local_emr.steps.model import EmrApiError

        def deny(params):
            raise EmrApiError("AccessDeniedException", "User is not authorized to perform AddJobFlowSteps")
        emr.fake._op_AddJobFlowSteps = deny
    spec = spec_file(tmp_path, {"name": "a"})
    code, out, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "r1", "--json")
    report = json.loads(out)  # exactly one JSON document
    assert report["exit_code"] == code == (cli.EXIT_CLUSTER_DIED if death == "at start" else cli.EXIT_AWS_ERROR)
    assert report["error"]["message"] and names(report) == {"a": "NOT_SUBMITTED"}


def test_the_concurrency_rule_is_checked_before_the_state_file_is_written(emr, tmp_path):
    c = emr.cluster(step_concurrency_level=4)
    spec = spec_file(tmp_path, {"name": "a", "action_on_failure": "CANCEL_AND_WAIT"})
    code, _, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "r1")
    assert code == cli.EXIT_BAD_INPUT and "StepConcurrencyLevel is 4" in err
    assert not state_file.state_path(tmp_path, "r1").exists() and "AddJobFlowSteps" not in emr.operations()


@pytest.mark.parametrize("entry", ["s3://x/job.txt", "s3://x/jobs/", "job.PY"])
def test_entry_point_must_be_a_py_or_a_jar(entry):
    from step_runner.errors import SpecError
    with pytest.raises(SpecError):
        parse_spec({"steps": [{"name": "a", "entry_point": entry}]})


def test_a_spark_submit_command_past_emr_s_10240_characters_is_refused():
    from step_runner.errors import SpecError
    with pytest.raises(SpecError) as info:
        parse_spec({"steps": [{"name": "a", "entry_point": "s3://b/a.py", "args": ["x" * 10240]}]})
    assert "10240" in str(info.value)


def test_library_run_takes_its_settings_as_arguments(emr, clock):
    c = emr.cluster()
    runner = StepRunner(EmrAdapter(emr.client()), clock=clock, sleep=clock.sleep, rand=lambda: 0.5,
                        config=RunnerConfig(details_wait=0), cancel=CancelToken())
    seen = []
    report = runner.run(parse_spec({"steps": [{"name": "a", "entry_point": "s3://b/a.py"}]}),
                        runner.wait_for_cluster(c.id), "lib", on_progress=lambda m: seen.append(len(m.active())))
    assert report.outcome == "SUCCEEDED" and seen


def test_the_last_step_ending_between_list_steps_and_describe_cluster_is_still_success(emr, tmp_path):
    """ListSteps says RUNNING, then the step completes and EMR ends the cluster (ALL_STEPS_COMPLETED) before
    DescribeCluster: one more ListSteps shows the step COMPLETED, so the run succeeded."""
    c = emr.cluster(keep_alive=False)
    emr.hold.add("a")
    describe = emr.fake._op_DescribeCluster

    def complete_then_describe(params):
        running = [s for s in c.book.steps if s.state == "RUNNING"]
        if running and emr.clock.t >= 10:
            c.book.finish(running[0], "COMPLETED")
        return describe(params)
    emr.fake._op_DescribeCluster = complete_then_describe
    spec = spec_file(tmp_path, {"name": "a"})
    code, out, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "r1", "--json", "--no-cost")
    assert code == cli.EXIT_OK, err
    assert names(json.loads(out)) == {"a": "COMPLETED"}
    assert emr.operations()[-3:] == ["ListSteps", "DescribeCluster", "ListSteps"]


def test_log_reads_happen_when_due_not_at_the_next_poll(clock):
    """A read due during the runner's poll sleep happens then (reads every 5 s stay every 5 s)."""
    from step_runner.follow import LogFollower
    from step_runner.run.machine import RunMachine

    class Source:
        name, interval, reads = "test", 5.0, []

        def fetch(self, targets, *, final=False):
            self.reads.append(clock.t)
            return []

        def forget(self, step_id):
            pass

    source = Source()
    follower = LogFollower([source], lambda line: None, clock=clock)
    machine = RunMachine(parse_spec({"steps": [{"name": "a", "entry_point": "s3://b/a.py"}]}))
    machine.mark_submitted("a", "s-1", 0.0)
    machine.records["a"].state = "RUNNING"
    follower._next_at = 3.0  # the last read was at -2
    runner = StepRunner(EmrAdapter(None), clock=clock, sleep=clock.sleep)
    runner._sleep_following(15.0, machine, follower)
    assert source.reads == [3.0, 8.0, 13.0] and clock.t == 15.0


def test_steps_refused_for_room_go_in_before_a_cluster_that_ends_when_idle_runs_dry(clock, tmp_path):
    """Five other steps and 256 of ours on a cluster that ends when no step is left: 251 go in, the other
    five must go in as room frees, between polls (a 256-step poll cycle is ~27 s, by which time the
    cluster could have run dry and ended)."""
    emr = StrictEmr(clock, per_second=True)
    c = emr.cluster(step_concurrency_level=32, keep_alive=False)
    emr.other_client_steps(c, 5, until=3)
    spec = spec_file(tmp_path, *[{"name": f"s{i}"} for i in range(256)])
    code, out, err = run_cli(emr, tmp_path, spec, "--cluster-id", c.id, "--run-id", "dry", "--json")
    assert code == cli.EXIT_OK, err
    assert set(names(json.loads(out)).values()) == {"COMPLETED"}
    assert c.reason_code == "ALL_STEPS_COMPLETED"


def test_every_client_of_a_run_comes_from_one_session(no_aws_config, monkeypatch):
    """EMR, S3, the submit client and CloudWatch Logs share one boto3 session: an assume-role profile with MFA
    asks once, not once per client."""
    import boto3

    from step_runner.aws import cloudwatch_logs
    from step_runner.aws import emr_adapter

    made = []
    real = boto3.session.Session

    def counting(*args, **kwargs):
        made.append(kwargs)
        return real(*args, **kwargs)
    monkeypatch.setattr(boto3.session, "Session", counting)
    emr, s3 = emr_adapter.make_clients("eu-west-1", None)
    submit = emr_adapter.make_submit_client("eu-west-1", None)
    logs = cloudwatch_logs.make_logs_client("eu-west-1", None)
    assert len(made) == 1
    assert {c.meta.service_model.service_name for c in (emr, s3, submit, logs)} == {"emr", "s3", "logs"}


def test_operation_names_map_to_client_methods_as_botocore_names_them():
    """ListSteps -> list_steps, but AddJobFlowSteps -> add_job_flow_steps: botocore's own xform_name."""
    from botocore.stub import Stubber

    import boto3

    client = boto3.client("emr", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response("add_job_flow_steps", {"StepIds": ["s-1"]})
        assert EmrAdapter(client)._call("AddJobFlowSteps", JobFlowId="j-1", Steps=[]) == {"StepIds": ["s-1"]}
