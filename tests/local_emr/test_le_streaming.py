"""command-runner.jar's hadoop-streaming on the emulator (local_emr/steps/streaming.py): the word count of Hadoop
Streaming's documentation with a Python mapper and reducer shipped by -files, inputs and output in S3; the
output directory must not exist; a failing mapper fails the step with Hadoop's PipeMapRed message."""
from __future__ import annotations

import gzip
from typing import Any

import pytest

from local_emr.steps.command import StepCommandError, build_command

from .conftest import wait_step

MAPPER = "import sys\nfor line in sys.stdin:\n    for word in line.split():\n        print(f'{word}\\t1')\n"
REDUCER = ("import sys\nfrom itertools import groupby\n"
           "pairs = (line.rstrip('\\n').split('\\t') for line in sys.stdin)\n"
           "for word, group in groupby(pairs, key=lambda p: p[0]):\n"
           "    print(f'{word}\\t{sum(int(c) for _, c in group)}')\n")


def _streaming(bucket: str, output: str, mapper: str = "python3 mapper.py") -> dict[str, Any]:
    return {"Name": "wordcount", "ActionOnFailure": "CONTINUE", "HadoopJarStep": {"Jar": "command-runner.jar", "Args": [
        "hadoop-streaming", "-D", "mapreduce.job.reduces=1", "-files",
        f"s3://{bucket}/code/mapper.py,s3://{bucket}/code/reducer.py", "-mapper", mapper,
        "-reducer", "python3 reducer.py", "-input", f"s3://{bucket}/in/", "-output", f"s3://{bucket}/{output}/"]}}


def test_the_command_runs_streaming_on_the_mirror() -> None:
    mirror = {"s3://b/in/": "/w/s3/b/in/", "s3://b/out/": "/w/s3/b/out/"}
    command = build_command("command-runner.jar", [
        "hadoop-streaming", "-files", "s3://b/m.py#mapper.py", "-mapper", "python3 mapper.py", "-input", "s3://b/in/",
        "-output", "s3://b/out/", "-numReduceTasks", "0"], None, fetch=mirror.get)
    assert command.argv[2:] == ["-mapper", "python3 mapper.py", "-input", "/w/s3/b/in/", "-output", "/w/s3/b/out/",
                                "-numReduceTasks", "0"]
    assert command.argv[1].endswith("local_emr/steps/streaming.py")
    assert [(r.kind, r.source, r.name) for r in command.resources] == [("file", "s3://b/m.py", "mapper.py")]
    with pytest.raises(StepCommandError, match="-inputformat is not emulated"):
        build_command("command-runner.jar", ["hadoop-streaming", "-inputformat", "x", "-mapper", "cat"], None,
                      fetch=mirror.get)


@pytest.mark.integration
def test_word_count_through_hadoop_streaming(emr: Any, s3: Any, log_bucket: str, make_cluster: Any) -> None:
    s3.put_object(Bucket=log_bucket, Key="code/mapper.py", Body=MAPPER.encode())
    s3.put_object(Bucket=log_bucket, Key="code/reducer.py", Body=REDUCER.encode())
    s3.put_object(Bucket=log_bucket, Key="in/a.txt", Body=b"to be or not to be\n")
    s3.put_object(Bucket=log_bucket, Key="in/b.txt.gz", Body=gzip.compress(b"be quick"))
    s3.put_object(Bucket=log_bucket, Key="in/_SUCCESS", Body=b"")
    cluster_id = make_cluster(log_bucket=log_bucket)
    ok, again, broken = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[
        _streaming(log_bucket, "out"), _streaming(log_bucket, "out"),
        _streaming(log_bucket, "broken", mapper="python3 -c 'import sys; sys.exit(3)'")])["StepIds"]
    assert wait_step(emr, cluster_id, ok)["State"] == "COMPLETED"
    body = s3.get_object(Bucket=log_bucket, Key="out/part-00000")["Body"].read().decode()
    assert body.splitlines() == ["be\t3", "not\t1", "or\t1", "quick\t1", "to\t2"]
    assert s3.get_object(Bucket=log_bucket, Key="out/_SUCCESS")["Body"].read() == b""
    status = wait_step(emr, cluster_id, again)
    assert status["State"] == "FAILED" and "FileAlreadyExistsException" in status["FailureDetails"]["Reason"]
    status = wait_step(emr, cluster_id, broken)
    assert status["State"] == "FAILED" and "subprocess failed with code 3" in status["FailureDetails"]["Reason"]
