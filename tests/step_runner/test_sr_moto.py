"""Functional tests on moto 5.2.5. moto lacks CancelSteps and never moves steps on its own, so this
file fills both: a CancelSteps handler and a progress hook run on every (fake) sleep, in the spirit
of mrjob's mock EMR `_simulate_progress`."""
from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.responses import ActionResult
from moto.emr.models import emr_backends
from moto.emr.responses import ElasticMapReduceResponse

from step_runner import cli
from step_runner.diagnosis.probable_cause import probable_cause
from step_runner.aws.s3_logs import S3StepLogs

from .conftest import stderr_sample
from .helpers import EXAMPLE, run_cli

REGION = "us-east-1"


def _cancel_steps(self: ElasticMapReduceResponse) -> ActionResult:
    """CancelSteps as EMR documents it: PENDING -> CANCELLED now, RUNNING -> CANCEL_PENDING."""
    cluster = self.backend.clusters[self._get_param("ClusterId")]
    wanted = set(self._get_param("StepIds", []))
    infos = []
    for step in cluster.steps:
        if step.id not in wanted:
            continue
        if step.state == "PENDING":
            step.state = "CANCELLED"
        elif step.state == "RUNNING":
            step.state = "CANCEL_PENDING"
            step.cancel_option = self._get_param("StepCancellationOption")
        infos.append({"StepId": step.id, "Status": "SUBMITTED", "Reason": ""})
    return ActionResult({"CancelStepsInfoList": infos})


@pytest.fixture
def aws(monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setattr(ElasticMapReduceResponse, "cancel_steps", _cancel_steps, raising=False)
    with mock_aws():
        emr = boto3.client("emr", region_name=REGION)
        s3 = boto3.client("s3", region_name=REGION)
        yield emr, s3


def make_cluster(emr, concurrency=2, release="emr-7.5.0") -> str:
    return emr.run_job_flow(
        Name="spark", ReleaseLabel=release, LogUri="s3://example-logs/emr/", StepConcurrencyLevel=concurrency,
        Instances={"MasterInstanceType": "m5.xlarge", "SlaveInstanceType": "m5.xlarge", "InstanceCount": 3,
                   "KeepJobFlowAliveWhenNoSteps": True},
        JobFlowRole="EMR_EC2_DefaultRole", ServiceRole="EMR_DefaultRole",
    )["JobFlowId"]


class Progress:
    """Moves moto's steps one state per sleep: PENDING -> RUNNING (within concurrency) -> final."""

    def __init__(self, cluster_id: str, finals: dict[str, list[str]] | None = None, hold_running: bool = False):
        self.cluster_id = cluster_id
        self.finals = finals or {}
        self.hold_running = hold_running

    def cluster(self):
        return emr_backends[DEFAULT_ACCOUNT_ID][REGION].clusters[self.cluster_id]

    def __call__(self, _clock) -> None:
        cluster = self.cluster()
        now = datetime.now(timezone.utc)
        for step in cluster.steps:
            if step.state == "CANCEL_PENDING":
                step.state, step.end_date_time = "CANCELLED", now
            elif step.state == "RUNNING" and not self.hold_running:
                name = step.name.split(" [run=")[0]
                outcomes = self.finals.get(name) or ["COMPLETED"]
                step.state, step.end_date_time = (outcomes.pop(0) if len(outcomes) > 1 else outcomes[0]), now
        free = cluster.step_concurrency_level - sum(s.state == "RUNNING" for s in cluster.steps)
        for step in cluster.steps:
            if step.state == "PENDING" and free > 0:
                step.state, step.start_date_time = "RUNNING", now
                free -= 1


def test_example_spec_runs_to_completion_on_moto(aws, clock, tmp_path):
    emr, s3 = aws
    cid = make_cluster(emr)
    progress = Progress(cid)
    clock.hooks.append(progress)
    code, out, err = run_cli([str(EXAMPLE), "--cluster-id", cid, "--run-id", "m1", "--json"], emr, s3, clock, tmp_path)
    assert code == cli.EXIT_OK, err
    report = json.loads(out)
    assert [s["outcome"] for s in report["steps"]] == ["COMPLETED"] * 3
    names = [s.name for s in progress.cluster().steps]
    assert sorted(names) == ["dimensions [run=m1]", "ingest [run=m1]", "report [run=m1]"]
    args = progress.cluster().steps[0].args
    assert args[:3] == ["spark-submit", "--deploy-mode", "cluster"]


def test_interrupted_step_is_retried_then_reported(aws, clock, tmp_path):
    emr, s3 = aws
    cid = make_cluster(emr)
    progress = Progress(cid, finals={"ingest": ["INTERRUPTED", "INTERRUPTED"]})
    clock.hooks.append(progress)
    code, out, _ = run_cli([str(EXAMPLE), "--cluster-id", cid, "--run-id", "m2", "--json", "--no-logs"],
                           emr, s3, clock, tmp_path)
    assert code == cli.EXIT_STEP_FAILED
    steps = {s["name"]: s for s in json.loads(out)["steps"]}
    assert steps["ingest"]["outcome"] == "INTERRUPTED" and steps["ingest"]["attempts"] == 2  # retries: 1
    assert steps["report"]["outcome"] == "SKIPPED"
    assert steps["dimensions"]["outcome"] == "COMPLETED"


def test_cancel_through_filled_cancel_steps(aws, clock, tmp_path):
    emr, s3 = aws
    cid = make_cluster(emr, concurrency=1)
    progress = Progress(cid, hold_running=True)
    from step_runner.aws.emr_adapter import EmrAdapter
    from step_runner.run.runner import CancelToken, RunnerConfig, StepRunner
    from step_runner.plan.spec import load_spec_file
    token = CancelToken()
    clock.hooks += [progress, lambda c: token.cancel() if len(c.sleeps) == 2 else None]
    runner = StepRunner(EmrAdapter(emr), clock=clock, sleep=clock.sleep, rand=lambda: 0.5, cancel=token,
                        config=RunnerConfig(cancel_grace=30))
    report = runner.run(load_spec_file(EXAMPLE), runner.wait_for_cluster(cid), "m3")
    assert report.outcome == "CANCELLED"
    assert {s.name: s.outcome for s in report.steps} == {
        "ingest": "CANCELLED", "dimensions": "NOT_SUBMITTED", "report": "NOT_SUBMITTED"}
    (step,) = progress.cluster().steps
    assert (step.state, step.cancel_option) == ("CANCELLED", "SEND_INTERRUPT")


def test_resume_never_duplicates_steps(aws, clock, tmp_path):
    emr, s3 = aws
    cid = make_cluster(emr)
    progress = Progress(cid)

    def crash_after_first_sleep(c):
        if len(c.sleeps) == 1:
            raise KeyboardInterrupt
    clock.hooks += [progress, crash_after_first_sleep]
    code, _, _ = run_cli([str(EXAMPLE), "--cluster-id", cid, "--run-id", "m4"], emr, s3, clock, tmp_path)
    assert code == cli.EXIT_ABANDONED
    assert len(progress.cluster().steps) == 2
    clock.hooks.remove(crash_after_first_sleep)
    code, out, err = run_cli(["--resume", "m4", "--json"], emr, s3, clock, tmp_path)
    assert code == cli.EXIT_OK, err
    names = sorted(s.name for s in progress.cluster().steps)
    assert names == ["dimensions [run=m4]", "ingest [run=m4]", "report [run=m4]"]


def test_s3_step_logs_reads_rotated_stderr_in_order(aws):
    _, s3 = aws
    s3.create_bucket(Bucket="example-logs")
    prefix = "emr/j-1/steps/s-1/"
    s3.put_object(Bucket="example-logs", Key=prefix + "stderr.1.gz", Body=gzip.compress(b"old part\n"))
    s3.put_object(Bucket="example-logs", Key=prefix + "stderr.txt.gz", Body=gzip.compress(stderr_sample().encode()))
    s3.put_object(Bucket="example-logs", Key=prefix + "stdout.gz", Body=gzip.compress(b"not this"))
    s3.put_object(Bucket="example-logs", Key=prefix + "controller", Body=b"nor this")
    logs = S3StepLogs(s3, "s3n://example-logs/emr")
    assert logs.location("j-1", "s-1") == "s3://example-logs/emr/j-1/steps/s-1/"
    text = logs.read_stderr("j-1", "s-1")
    assert text.startswith("old part") and "not this" not in text
    assert probable_cause(text).summary.startswith("pyspark.errors.exceptions.captured.AnalysisException")
    assert logs.read_stderr("j-1", "s-2") is None
