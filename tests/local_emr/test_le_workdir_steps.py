"""Steps run as on EMR: s3:// arguments read and written through the mirror, ``--files`` and
``--archives`` in the working directory, output naming s3:// URIs. A stand-in spark-submit (plain
Python) keeps these fast; test_le_workdir_pyspark.py runs real Spark."""

from __future__ import annotations

import gzip
import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from local_emr import LocalEmr

from .conftest import wait_step

pytestmark = pytest.mark.integration

# Prints the argv it got and its working directory, then runs the application with this Python.
STAND_IN_SPARK_SUBMIT = """#!{python}
import json, os, sys
args = sys.argv[1:]
print("SPARK-SUBMIT " + json.dumps(args), flush=True)
while args and args[0].startswith("-"):
    args = args[2:]
os.execv({python!r}, [{python!r}] + args)
"""

# Reads a relative path from the archive, the --files alias, writes to the s3:// output argument.
JOB = """
import json, os, sys
out = sys.argv[1]
people = [json.loads(line) for line in open("examples/src/main/resources/people.json")]
print("cwd has " + json.dumps(sorted(os.listdir("."))))
print("conf " + open("app.conf").read().strip())
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "part-00000"), "w") as fh:
    fh.writelines(p["name"] + "\\n" for p in people)
open(os.path.join(out, ".part-00000.crc"), "w").write("checksum")
open(os.path.join(out, "_SUCCESS"), "w").close()
print("wrote " + out)
"""

# Reads the output of the first step through its s3:// prefix, fails naming a missing input.
READER = """
import os, sys
names = sorted(n for n in os.listdir(sys.argv[1]) if not n.startswith(("_", ".")))
print("read " + sys.argv[1] + " " + ",".join(open(os.path.join(sys.argv[1], n)).read().strip() for n in names))
if not os.path.exists(sys.argv[2]):
    raise FileNotFoundError("Path does not exist: file:" + sys.argv[2])
"""


@pytest.fixture()
def stand_in_spark_submit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    fake = tmp_path / "spark-submit"
    fake.write_text(STAND_IN_SPARK_SUBMIT.format(python=sys.executable))
    fake.chmod(0o755)
    monkeypatch.setenv("LOCAL_EMR_SPARK_SUBMIT", str(fake))
    return fake


def _resources_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("src/main/resources/people.json", '{"name": "Michael"}\n{"name": "Andy", "age": 30}\n')
    return buf.getvalue()


def _log(s3: Any, bucket: str, cluster_id: str, step_id: str, name: str) -> str:
    key = f"logs/{cluster_id}/steps/{step_id}/{name}.gz"
    return gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).decode()


def _keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []))


def _spark_step(*args: str, name: str = "spark") -> dict[str, Any]:
    return {"Name": name, "ActionOnFailure": "CONTINUE",
            "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["spark-submit", *args]}}


def test_a_step_writes_s3_output_the_next_step_reads_it(emr: Any, s3: Any, emulator: LocalEmr, make_cluster: Any,
                                                        log_bucket: str, stand_in_spark_submit: Path) -> None:
    s3.put_object(Bucket=log_bucket, Key="code/job.py", Body=JOB.encode())
    s3.put_object(Bucket=log_bucket, Key="code/reader.py", Body=READER.encode())
    s3.put_object(Bucket=log_bucket, Key="resources.zip", Body=_resources_zip())
    s3.put_object(Bucket=log_bucket, Key="conf/settings.conf", Body=b"threads=4\n")
    s3.put_object(Bucket=log_bucket, Key="out/people/stale-part", Body=b"from an earlier run")
    seen: list[str] = []

    def sink(cluster: Any, step: Any, stream: str, line: str) -> None:
        seen.append(line)

    cluster_id = make_cluster(log_bucket)
    bucket = f"s3://{log_bucket}"
    emulator.lifecycle.line_sinks.append(sink)  # what CloudWatch Logs gets
    try:
        ids = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[
            _spark_step("--deploy-mode", "cluster", "--archives", f"{bucket}/resources.zip#examples",
                        "--files", f"{bucket}/conf/settings.conf#app.conf", f"{bucket}/code/job.py",
                        f"{bucket}/out/people/"),
            {"Name": "read", "ActionOnFailure": "CONTINUE", "HadoopJarStep": {"Jar": "command-runner.jar", "Args": [
                "python3", f"{bucket}/code/reader.py", f"{bucket}/out/people", f"{bucket}/missing/input"]}},
        ])["StepIds"]
        assert wait_step(emr, cluster_id, ids[0])["State"] == "COMPLETED"
        status = wait_step(emr, cluster_id, ids[1])
    finally:
        emulator.lifecycle.line_sinks.remove(sink)

    stdout = _log(s3, log_bucket, cluster_id, ids[0], "stdout")
    submitted = json.loads(stdout.splitlines()[0].removeprefix("SPARK-SUBMIT "))
    assert submitted == ["--master", "local[*]", "--files", "app.conf",
                         f"{bucket}/code/job.py", f"{bucket}/out/people/"]
    assert 'cwd has ["app.conf", "examples"]' in stdout and "conf threads=4" in stdout
    assert f"wrote {bucket}/out/people/" in stdout and f"wrote {bucket}/out/people/" in seen
    # what the job wrote is in S3, without Hadoop's .crc files; an object it left alone stays
    assert _keys(s3, log_bucket, "out/") == ["out/people/_SUCCESS", "out/people/part-00000", "out/people/stale-part"]

    assert status["State"] == "FAILED"
    assert status["FailureDetails"]["Reason"] == f"FileNotFoundError: Path does not exist: {bucket}/missing/input"
    reader_out = _log(s3, log_bucket, cluster_id, ids[1], "stdout")
    assert f"read {bucket}/out/people Michael\nAndy,from an earlier run" in reader_out
    assert "upload" not in _log(s3, log_bucket, cluster_id, ids[1], "controller")


def test_a_step_that_replaces_its_output_deletes_what_it_deleted(emr: Any, s3: Any, make_cluster: Any,
                                                                 log_bucket: str) -> None:
    for name in ("part-0", "part-1"):
        s3.put_object(Bucket=log_bucket, Key=f"table/{name}", Body=b"old")
    script = 'rm -r "$1" && mkdir "$1" && echo new > "$1/part-9" && echo done'
    cluster_id = make_cluster(log_bucket)
    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[{
        "Name": "overwrite", "ActionOnFailure": "CONTINUE", "HadoopJarStep": {
            "Jar": "command-runner.jar", "Args": ["bash", "-c", script, "overwrite", f"s3://{log_bucket}/table/"]}}],
    )["StepIds"][0]
    assert wait_step(emr, cluster_id, step_id)["State"] == "COMPLETED"
    assert _keys(s3, log_bucket, "table/") == ["table/part-9"]
    controller = _log(s3, log_bucket, cluster_id, step_id, "controller")
    assert f"delete s3://{log_bucket}/table/part-0" in controller
    assert f"upload s3://{log_bucket}/table/part-9" in controller


def test_a_missing_files_resource_fails_before_the_step_starts(emr: Any, s3: Any, make_cluster: Any, log_bucket: str,
                                                               stand_in_spark_submit: Path) -> None:
    cluster_id = make_cluster(log_bucket)
    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[_spark_step(
        "--files", f"s3://{log_bucket}/conf/nope.conf", f"s3://{log_bucket}/code/job.py")])["StepIds"][0]
    status = wait_step(emr, cluster_id, step_id)
    assert status["State"] == "FAILED"
    assert status["FailureDetails"]["Reason"] == \
        f"java.io.FileNotFoundException: File s3://{log_bucket}/conf/nope.conf does not exist"
