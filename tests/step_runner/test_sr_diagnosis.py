"""Where the evidence is: stdout (PySpark's traceback in client mode), the driver container's log (cluster
mode), every S3 part; `emr-steps explain` on files and stdin with no AWS call."""
from __future__ import annotations

import gzip
import io
import json
import time
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from step_runner import cli
from step_runner.diagnosis import Evidence, diagnose
from step_runner.run.machine import StepRecord
from step_runner.run.results import step_result
from step_runner.aws.s3_logs import S3StepLogs
from step_runner.plan.spec import StepSpec
from step_runner.report.step_evidence import EvidenceReader, LogPlace
from step_runner.state import FailureInfo, Outcome

from .conftest import FIXTURES

TRACEBACK_IN_STDOUT = """Traceback (most recent call last):
  File "/mnt/tmp/spark-1/kmeans.py", line 28, in <module>
    import numpy as np
ModuleNotFoundError: No module named 'numpy'
"""
CLUSTER_MODE_STDERR = """26/11/25 13:14:40 INFO Client: Application report for application_1764072000000_0011 (state: FINISHED)
26/11/25 13:14:40 INFO Client:
\t diagnostics: User application exited with status 1
\t final status: FAILED
Exception in thread "main" org.apache.spark.SparkException: Application application_1764072000000_0011 finished with failed status
\tat org.apache.spark.deploy.yarn.Client.run(Client.scala:1336)
"""


class FakeLogs:
    """A StepLogSource with stdout and the driver's log."""

    def __init__(self, stderr=None, stdout=None, driver=(None, None)):
        self.stderr, self.stdout, self.driver, self.driver_reads = stderr, stdout, driver, []

    def location(self, cluster_id, step_id):
        return f"s3://logs/{cluster_id}/steps/{step_id}/"

    def read_stderr(self, cluster_id, step_id):
        return self.stderr

    def read_stdout(self, cluster_id, step_id):
        return self.stdout

    def read_driver(self, cluster_id, application_id):
        self.driver_reads.append(application_id)
        return self.driver


def s3_only(logs) -> EvidenceReader:
    return EvidenceReader([LogPlace("s3", logs)])


def failed(failure=None) -> StepRecord:
    return StepRecord(StepSpec(name="job", entry_point="s3://code/job.py"), step_ids=["s-1"], state="FAILED",
                      outcome=Outcome.FAILED, failure=failure)


def test_a_traceback_in_stdout_is_found_when_stderr_has_none():
    logs = FakeLogs(stderr="26/11/25 12:01:07 INFO SparkContext: Running Spark version 3.5.2\n",
                    stdout=TRACEBACK_IN_STDOUT)
    res = step_result(failed(FailureInfo("Unknown Error.")), "j-1", s3_only(logs), True)
    assert res.hint.kind == "missing_dependency" and res.hint.title == "Python module numpy not found"
    assert res.probable_cause.summary == "ModuleNotFoundError: No module named 'numpy'"


def test_cluster_mode_reads_the_driver_log_when_stderr_only_says_the_application_failed():
    logs = FakeLogs(stderr=CLUSTER_MODE_STDERR, driver=(TRACEBACK_IN_STDOUT, "INFO driver started"))
    res = step_result(failed(), "j-1", s3_only(logs), True)
    assert logs.driver_reads == ["application_1764072000000_0011"]
    assert res.hint.kind == "missing_dependency"
    assert "No module named 'numpy'" in res.probable_cause.summary


def test_without_the_driver_log_the_hint_says_where_to_look():
    res = step_result(failed(), "j-1", s3_only(FakeLogs(stderr=CLUSTER_MODE_STDERR)), True)
    assert res.hint.kind == "see_driver_log"
    assert "containers/<application>" in res.hint.advice and "emr-steps explain" in res.hint.advice
    assert "finished with failed status" in res.probable_cause.summary


def test_failure_details_alone_still_give_a_hint_and_unknown_error_is_no_evidence():
    assert diagnose(Evidence(failure_reason="Unknown Error.")).hint is None
    d = diagnose(Evidence(failure_reason="java.lang.OutOfMemoryError: Java heap space"))
    assert d.hint.kind == "oom"


@pytest.fixture
def s3(monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="example-logs")
        yield client


def put(s3, key, text, gz=True):
    s3.put_object(Bucket="example-logs", Key=key, Body=gzip.compress(text.encode()) if gz else text.encode())


def test_s3_reads_every_part_of_stdout_and_the_last_driver_attempt(s3):
    put(s3, "emr/j-1/steps/s-1/stdout.gz", "part one\n")
    put(s3, "emr/j-1/steps/s-1/stdout.1.gz", "part two\n")
    put(s3, "emr/j-1/steps/s-1/stderr.gz", "the stderr\n")
    app = "application_1764072000000_0011"
    put(s3, f"emr/j-1/containers/{app}/container_1764072000000_0011_01_000001/stdout.gz", "attempt one\n")
    put(s3, f"emr/j-1/containers/{app}/container_1764072000000_0011_02_000001/stdout.gz", "attempt two\n")
    put(s3, f"emr/j-1/containers/{app}/container_1764072000000_0011_02_000001/stderr.gz", "driver stderr\n")
    put(s3, f"emr/j-1/containers/{app}/container_1764072000000_0011_02_000002/stdout.gz", "an executor\n")
    logs = S3StepLogs(s3, "s3://example-logs/emr/")
    stdout = logs.read_stdout("j-1", "s-1")
    assert "part one" in stdout and "part two" in stdout and "stderr" not in stdout
    assert logs.read_driver("j-1", app) == ("attempt two\n", "driver stderr\n")
    assert logs.read_driver("j-1", "application_1_0002") == (None, None)


# --- explain, offline -------------------------------------------------------------------------------------

def run(argv, stdin=""):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, cli.Deps(stdout=out, stderr=err, stdin=io.StringIO(stdin), install_signals=False,
                                   make_clients=lambda *a: pytest.fail("explain FILE makes no AWS call")))
    return code, out.getvalue(), err.getvalue()


def test_explain_a_file_and_stdin_with_no_aws_call(tmp_path):
    path = tmp_path / "stderr.log"
    path.write_bytes(gzip.compress((FIXTURES / "pyspark_stderr.log").read_bytes()))
    code, out, _ = run(["explain", str(path)])
    assert code == 0 and "kind: input_missing" in out and "Path does not exist" in out
    code, out, _ = run(["explain", "-", "--json"], stdin=TRACEBACK_IN_STDOUT)
    found = json.loads(out)
    assert code == 0 and found["kind"] == "missing_dependency"
    assert found["cause"]["summary"] == "ModuleNotFoundError: No module named 'numpy'"
    assert set(found) >= {"kind", "title", "advice", "evidence", "cause", "application_id"}


def test_explain_a_log_with_no_known_failure():
    code, out, _ = run(["explain", "-", "--json"], stdin="26/11/25 12:00:00 INFO SparkContext: all good\n")
    assert code == 0 and json.loads(out)["kind"] is None


@pytest.mark.parametrize("argv", [["explain"], ["explain", "x.log", "--step-id", "s-1"], ["explain", "--step-id", "s-1"],
                                  ["explain", "/nonexistent/log"]])
def test_explain_bad_input_is_exit_2_with_json(argv):
    code, out, err = run([*argv, "--json"])
    assert code == 2 and "emr-steps: error:" in err
    assert json.loads(out)["error"]["type"] in ("InputError", "SpecError")


def _moto_step(monkeypatch) -> tuple:
    """A cluster on moto with one spark-submit step (call inside mock_aws): (emr, s3, cluster id, step id)."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    emr = boto3.client("emr", region_name="us-east-1")
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="example-logs")
    cluster_id = emr.run_job_flow(
        Name="c", ReleaseLabel="emr-7.2.0", LogUri="s3://example-logs/emr/", JobFlowRole="r", ServiceRole="s",
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
    )["JobFlowId"]
    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[{
        "Name": "kmeans", "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["spark-submit", "kmeans.py"]}}])["StepIds"][0]
    return emr, s3, cluster_id, step_id


def test_explain_a_step_reads_cloudwatch_when_s3_has_nothing_yet(monkeypatch):
    """S3 gets step logs minutes after the end; step_logs ships them to CloudWatch Logs as they are written."""
    with mock_aws():
        emr, s3, cluster_id, step_id = _moto_step(monkeypatch)
        logs = boto3.client("logs", region_name="us-east-1")
        group, stream = f"/aws/emr/{cluster_id}", f"{cluster_id}/steps/{step_id}/stdout"
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
            {"timestamp": int(time.time() * 1000) + i, "message": line}  # CloudWatch refuses events over 14 days old
            for i, line in enumerate(TRACEBACK_IN_STDOUT.splitlines())])
        out, err = io.StringIO(), io.StringIO()
        code = cli.main(["explain", "--cluster-id", cluster_id, "--step-id", step_id, "--json"],
                        cli.Deps(stdout=out, stderr=err, install_signals=False,
                                 make_clients=lambda region, profile: (emr, s3),
                                 make_logs_client=lambda region, profile: logs))
    found = json.loads(out.getvalue())
    assert code == 0, err.getvalue()
    assert found["kind"] == "missing_dependency" and "numpy" in found["cause"]["summary"], found
    assert "cloudwatch stdout" in found["sources"]


def test_explain_says_which_log_it_could_not_read_and_still_explains(monkeypatch):
    """One error behaviour with the run's report: a log that cannot be read is a note, never a failed explain."""
    def no_logs_client(region, profile):
        raise RuntimeError("no region for CloudWatch Logs")

    with mock_aws():
        emr, s3, cluster_id, step_id = _moto_step(monkeypatch)
        out, err = io.StringIO(), io.StringIO()
        code = cli.main(["explain", "--cluster-id", cluster_id, "--step-id", step_id, "--json"],
                        cli.Deps(stdout=out, stderr=err, install_signals=False,
                                 make_clients=lambda region, profile: (emr, s3), make_logs_client=no_logs_client))
    found = json.loads(out.getvalue())
    assert code == 0, err.getvalue()
    assert found["notes"][0] == "could not read the step's stderr (cloudwatch): no region for CloudWatch Logs"


def test_the_report_keeps_the_runs_note_beside_a_log_it_could_not_read():
    class Broken(FakeLogs):
        def read_stderr(self, cluster_id, step_id):
            raise OSError("AccessDenied")

    rec = failed()
    rec.note = "retried once"
    res = step_result(rec, "j-1", s3_only(Broken(stdout=TRACEBACK_IN_STDOUT)), True)
    assert res.note == "retried once; could not read the step's stderr (s3): AccessDenied"
    assert res.hint.kind == "missing_dependency"


def test_explain_a_step_refuses_an_invalid_log_group_as_the_run_does(monkeypatch):
    """One resolver (log_naming.choose_log_group), one error: a bad --log-group is bad input, not ignored."""
    with mock_aws():
        emr, s3, cluster_id, step_id = _moto_step(monkeypatch)
        out, err = io.StringIO(), io.StringIO()
        code = cli.main(["explain", "--cluster-id", cluster_id, "--step-id", step_id, "--log-group", "bad group",
                         "--json"], cli.Deps(stdout=out, stderr=err, install_signals=False,
                                             make_clients=lambda region, profile: (emr, s3),
                                             make_logs_client=lambda region, profile: None))
    assert code == 2 and "--log-group: log group 'bad group' is not a valid" in err.getvalue()


@pytest.mark.integration
def test_explain_into_a_pipe_closed_early_stops_quietly():
    """`emr-steps explain log | head -1`: the reader goes away; no 'internal error', no traceback."""
    import subprocess
    import sys

    corpus = sorted((Path(__file__).parent / "corpus").glob("a-*.log"))[0]
    proc = subprocess.Popen([sys.executable, "-m", "step_runner", "explain", str(corpus)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # before the interpreter has even started: its first write meets a closed pipe
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141
    assert err == ""


def test_a_reader_gone_is_exit_141_and_nothing_on_stderr():
    import io

    from step_runner import cli

    class ClosedPipe(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    corpus = sorted((Path(__file__).parent / "corpus").glob("a-*.log"))[0]
    err = io.StringIO()
    code = cli.main(["explain", str(corpus)], cli.Deps(stdout=ClosedPipe(), stderr=err, install_signals=False))
    assert (code, err.getvalue()) == (cli.EXIT_READER_GONE, "")


def test_a_log_group_that_cannot_be_read_is_asked_once():
    """Its stderr, stdout and driver reads share one refusal: each is a note, one FilterLogEvents call."""
    from step_runner.aws.cloudwatch_logs import LogsUnavailable
    from step_runner.report.step_evidence import CloudWatchStepLogs

    class Refusing:
        calls = 0

        def filter_events(self, *args):
            Refusing.calls += 1
            raise LogsUnavailable("log group /aws/emr/j-1 not found")

    reader = EvidenceReader([LogPlace("cloudwatch", CloudWatchStepLogs(Refusing, "/aws/emr/j-1"))])
    explained = reader.explain("j-1", "s-1", note=CLUSTER_MODE_STDERR)
    assert Refusing.calls == 1
    assert explained.notes == ("could not read the step's stderr (cloudwatch): log group /aws/emr/j-1 not found",
                               "could not read the step's stdout (cloudwatch): log group /aws/emr/j-1 not found",
                               "could not read the driver's log (cloudwatch): log group /aws/emr/j-1 not found")
