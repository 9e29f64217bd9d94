"""--follow on moto 5.2.5: the fallback to S3 objects that grow between polls, and whole CLI runs that
read moto's CloudWatch Logs backend while steps run (the way the emulator will write step output).

These runs poll (--follow-mode poll): moto's StartLiveTail sends one snapshot of what is stored and ends, which is
not Live Tail. tests/step_runner/test_sr_follow_live.py tests Live Tail, against a stub and the emulator."""
from __future__ import annotations

import gzip
import io
import json
import re
import time
from datetime import datetime, timezone

import boto3
from moto.core import DEFAULT_ACCOUNT_ID
from moto.emr.models import emr_backends

from step_runner import cli
from step_runner.aws.cloudwatch_logs import CloudWatchLogs
from step_runner.follow import CloudWatchSource, FollowTarget, LogFollower
from step_runner.follow.s3_tail import S3TailSource
from emr_contract.log_naming import log_group_from_cluster_id, step_stream

from .test_sr_moto import REGION, aws, make_cluster  # noqa: F401  (aws is a fixture)

BUCKET = "example-logs"
SPEC = """
steps:
  - name: ingest
    entry_point: s3://example-jobs/ingest.py
  - name: report
    entry_point: s3://example-jobs/report.py
    depends_on: ingest
"""


def put(s3, key: str, body: bytes) -> None:
    s3.put_object(Bucket=BUCKET, Key=f"emr/j-1/steps/s-1/{key}", Body=body)


def test_falls_back_to_s3_and_reads_only_what_grew(aws, clock):  # noqa: F811
    _, s3 = aws
    s3.create_bucket(Bucket=BUCKET)
    logs = boto3.client("logs", region_name=REGION)  # no log group: CloudWatch is unavailable
    calls: list[str] = []
    lines, notices = [], []
    follower = LogFollower(
        [CloudWatchSource(CloudWatchLogs(logs), log_group_from_cluster_id("j-1"), "j-1", clock=clock),
         S3TailSource(s3, "s3n://example-logs/emr/", "j-1", interval=15.0, on_call=calls.append)],
        lines.append, clock=clock, on_notice=notices.append)
    step = FollowTarget("s-1", "ingest")
    put(s3, "stdout", b"line 1\nline 2\nhalf a li")
    put(s3, "stderr.gz", gzip.compress("26/11/25 12:00:01 INFO a\n26/11/25 12:00:02 INFO b – ü\n".encode()))
    follower.poll([step])
    assert "CloudWatch Logs unavailable" in notices[0] and "following S3 step logs instead" in notices[0]
    assert [(l.stream, l.line) for l in lines] == [
        ("stdout", "line 1"), ("stdout", "line 2"),
        ("stderr", "26/11/25 12:00:01 INFO a"), ("stderr", "26/11/25 12:00:02 INFO b – ü")]
    assert calls == ["ListObjectsV2", "GetObject", "GetObject"]

    clock.sleep(15)
    put(s3, "stdout", "line 1\nline 2\nhalf a line\nline 4 – ü\n".encode())
    put(s3, "stderr.gz", gzip.compress(b"26/11/25 12:00:01 INFO a\n26/11/25 12:00:02 INFO b \xe2\x80\x93 \xc3\xbc\n"
                                       b"26/11/25 12:00:09 ERROR c\n"))
    calls.clear()
    follower.poll([step])
    assert [l.line for l in lines[4:]] == ["half a line", "line 4 – ü", "26/11/25 12:00:09 ERROR c"]
    assert calls == ["ListObjectsV2", "GetObject", "GetObject"]

    clock.sleep(15)  # nothing grew: one ListObjectsV2, no GetObject
    calls.clear()
    follower.poll([step])
    assert calls == ["ListObjectsV2"] and len(lines) == 7

    # EMR replaces stdout by stdout.gz; a line without its newline comes out at the end of the step
    s3.delete_object(Bucket=BUCKET, Key="emr/j-1/steps/s-1/stdout")
    put(s3, "stdout.gz", gzip.compress(b"line 1\nline 2\nhalf a line\nline 4 \xe2\x80\x93 \xc3\xbc\nline 5\nno newline"))
    follower.finish([step])
    assert [l.line for l in lines[7:]] == ["line 5", "no newline"]
    assert all(l.source == "s3" and l.timestamp is None for l in lines)


def test_s3_fallback_without_log_uri_says_so_and_stops(aws, clock):  # noqa: F811
    _, s3 = aws
    notices = []
    follower = LogFollower([S3TailSource(s3, None, "j-1")], lambda line: None, clock=clock, on_notice=notices.append)
    follower.poll([FollowTarget("s-1", "ingest")])
    assert "no LogUri" in notices[0] and "no more log sources" in notices[0] and follower.source is None


class StepWriter:
    """What the emulator will do: write each running step's output to moto's CloudWatch Logs with the
    shared stream names, one line per (fake) sleep, then finish the step after `lines` sleeps."""

    def __init__(self, logs, cluster_id: str, outputs: dict[str, list[tuple[str, str]]], finals: dict[str, str]):
        self.logs = logs
        self.cluster_id = cluster_id
        self.outputs = outputs
        self.finals = finals
        self.group = log_group_from_cluster_id(cluster_id)
        self.written: dict[str, int] = {}
        logs.create_log_group(logGroupName=self.group)

    def __call__(self, _clock) -> None:
        cluster = emr_backends[DEFAULT_ACCOUNT_ID][REGION].clusters[self.cluster_id]
        now = datetime.now(timezone.utc)
        for step in cluster.steps:
            name = step.name.split(" [run=")[0]
            if step.state == "RUNNING":
                k = self.written.get(step.id, 0)
                todo = self.outputs[name]
                if k < len(todo):
                    stream, text = todo[k]
                    self._write(step.id, stream, text)
                    self.written[step.id] = k + 1
                else:
                    step.state, step.end_date_time = self.finals.get(name, "COMPLETED"), now
        for step in cluster.steps:
            if step.state == "PENDING" and not any(s.state == "RUNNING" for s in cluster.steps):
                step.state, step.start_date_time = "RUNNING", now
                break

    def _write(self, step_id: str, stream: str, text: str) -> None:
        name = step_stream(self.cluster_id, step_id, stream)
        try:
            self.logs.create_log_stream(logGroupName=self.group, logStreamName=name)
        except self.logs.exceptions.ResourceAlreadyExistsException:
            pass
        self.logs.put_log_events(logGroupName=self.group, logStreamName=name,
                                 logEvents=[{"timestamp": int(time.time() * 1000), "message": text}])


def run(argv, emr, s3, logs, clock, tmp_path, *, combined: bool):
    out = io.StringIO()
    err = out if combined else io.StringIO()
    deps = cli.Deps(make_clients=lambda region, profile: (emr, s3), make_logs_client=lambda region, profile: logs,
                    clock=clock, sleep=clock.sleep, rand=lambda: 0.5,
                    now=lambda: datetime(2026, 11, 25, 12, tzinfo=timezone.utc), stdout=out, stderr=err,
                    install_signals=False)
    code = cli.main([*argv, "--state-dir", str(tmp_path / "state")], deps)
    return code, out.getvalue(), err.getvalue()


OUTPUTS = {
    "ingest": [("stdout", "DEMO-LOG-LINE from ingest"), ("stderr", "26/11/25 12:00:05 INFO SparkContext: ok"),
               ("stdout", "ingest line 3"), ("stdout", "ingest line 4")],
    "report": [("stderr", "Traceback (most recent call last):\n  File \"/mnt/tmp/report.py\", line 9, in <module>\n"
                          "    import geohash2\nModuleNotFoundError: No module named 'geohash2'")],
}


def test_follow_prints_lines_while_steps_run_and_before_their_final_state(aws, clock, tmp_path):  # noqa: F811
    emr, s3 = aws
    logs = boto3.client("logs", region_name=REGION)
    cid = make_cluster(emr, concurrency=1)
    clock.hooks.append(StepWriter(logs, cid, OUTPUTS, {"report": "FAILED"}))
    (tmp_path / "steps.yaml").write_text(SPEC)
    code, out, _ = run([str(tmp_path / "steps.yaml"), "--cluster-id", cid, "--run-id", "f1", "--follow",
                        "--follow-mode", "poll", "--details-wait", "0s", "--no-logs"], emr, s3, logs, clock, tmp_path,
                       combined=True)
    assert code == cli.EXIT_STEP_FAILED, out
    text = out.splitlines()
    printed = [line for line in text if line.startswith("[")]
    assert printed == [
        "[ingest] DEMO-LOG-LINE from ingest", "[ingest] 26/11/25 12:00:05 INFO SparkContext: ok",
        "[ingest] ingest line 3", "[ingest] ingest line 4",
        "[report] Traceback (most recent call last):", '[report]   File "/mnt/tmp/report.py", line 9, in <module>',
        "[report]     import geohash2", "[report] ModuleNotFoundError: No module named 'geohash2'"]

    def index(pattern: str) -> int:
        return next(i for i, line in enumerate(text) if re.search(pattern, line))

    assert index(r"^\[ingest\] DEMO-LOG-LINE") < index(r"\[ingest\] s-\w+: RUNNING$") + 3
    assert index(r"^\[ingest\] ingest line 4") < index(r"\[ingest\] s-\w+: COMPLETED$")
    assert index(r"^\[report\] ModuleNotFoundError") < index(r"\[report\] s-\w+: FAILED$")
    assert any("following step logs in CloudWatch Logs group /aws/emr/" in line for line in text)


def test_follow_with_json_writes_log_events_then_the_report(aws, clock, tmp_path):  # noqa: F811
    emr, s3 = aws
    logs = boto3.client("logs", region_name=REGION)
    cid = make_cluster(emr, concurrency=1)
    clock.hooks.append(StepWriter(logs, cid, OUTPUTS, {"report": "FAILED"}))
    (tmp_path / "steps.yaml").write_text(SPEC)
    code, out, err = run([str(tmp_path / "steps.yaml"), "--cluster-id", cid, "--run-id", "f2", "--follow",
                        "--follow-mode", "poll", "--json",
                          "--details-wait", "0s"], emr, s3, logs, clock, tmp_path, combined=False)
    assert code == cli.EXIT_STEP_FAILED, err
    objects = [json.loads(line) for line in out.splitlines()]
    events, report = objects[:-1], objects[-1]
    assert {e["event"] for e in events} == {"log"} and report["event"] == "report"
    first = events[0]
    assert first["step"] == "ingest" and first["stream"] == "stdout" and first["line"] == "DEMO-LOG-LINE from ingest"
    assert first["source"] == "cloudwatch" and first["timestamp"].endswith("+00:00")
    failed = {s["name"]: s for s in report["steps"]}["report"]
    # S3 has no stderr yet: the probable cause and the hint come from the followed lines
    assert failed["probable_cause"]["summary"] == "ModuleNotFoundError: No module named 'geohash2'"
    assert failed["hint"]["kind"] == "missing_dependency"
    assert failed["hint"]["title"] == "Python module geohash2 not found"


def test_log_group_comes_from_the_stack_outputs(aws, clock, tmp_path):  # noqa: F811
    emr, s3 = aws
    logs = boto3.client("logs", region_name=REGION)
    cid = make_cluster(emr, concurrency=1)
    clock.hooks.append(StepWriter(logs, cid, OUTPUTS, {}))
    (tmp_path / "steps.yaml").write_text(SPEC)
    (tmp_path / "outputs.json").write_text(json.dumps({"emr-dev": {"cluster_id": cid, "log_group": "/aws/emr/spark"}}))
    code, out, _ = run([str(tmp_path / "steps.yaml"), "--outputs", str(tmp_path / "outputs.json"), "--run-id", "f3",
                        "--follow",
                        "--follow-mode", "poll"], emr, s3, logs, clock, tmp_path, combined=True)
    assert code == cli.EXIT_OK
    # the writer used /aws/emr/<cluster-id>, the stack says /aws/emr/spark, which does not exist: S3 fallback
    assert "following step logs in CloudWatch Logs group /aws/emr/spark" in out
    assert "log group /aws/emr/spark not found" in out and "following S3 step logs instead" in out


def test_bad_log_group_is_bad_input(aws, clock, tmp_path):  # noqa: F811
    emr, s3 = aws
    cid = make_cluster(emr)
    (tmp_path / "steps.yaml").write_text(SPEC)
    code, _, err = run([str(tmp_path / "steps.yaml"), "--cluster-id", cid, "--follow",
                        "--follow-mode", "poll", "--log-group", "no spaces"],
                       emr, s3, None, clock, tmp_path, combined=False)
    assert code == cli.EXIT_BAD_INPUT and "--log-group" in err
