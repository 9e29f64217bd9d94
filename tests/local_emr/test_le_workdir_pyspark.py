"""Real PySpark on the emulator: a job of the shape of Spark's own examples reads a relative
``examples/...`` path from ``--archives s3://...#examples``, calls a package the cluster's bootstrap
action installed from a Python UDF, and writes s3:// output; a job reading a missing s3:// path
fails with Spark's own message, naming the s3:// URI.

Both steps run side by side on one cluster (StepConcurrencyLevel 2) to keep the suite fast.
"""

from __future__ import annotations

import gzip
import io
import shutil
import uuid
import zipfile
from typing import Any

import pytest

from local_emr.steps.command import find_spark_submit

from .conftest import wait_for, wait_step
from .test_le_bootstrap import make_wheel

pytest.importorskip("pyspark", reason="needs pyspark in the emulator's Python (make demo installs it)")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs java on PATH"),
    pytest.mark.skipif(find_spark_submit() is None, reason="no spark-submit found"),
]

PEOPLE_JOB = b"""
import sys
from leping import ping
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("people").getOrCreate()
people = spark.read.json("examples/src/main/resources/people.json")
people.filter(people.age > 20).show()
pinged = F.udf(lambda name: ping() + ":" + name)  # runs in a Python worker: PYSPARK_PYTHON
print("UDF", sorted(r[0] for r in people.select(pinged("name")).collect()))
people.write.json(sys.argv[1])
print("PEOPLE-ROWS", spark.read.json(sys.argv[1]).count())
spark.stop()
"""

MISSING_JOB = b"""
import sys
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("missing").getOrCreate()
spark.read.json(sys.argv[1]).show()
"""

SPARK_CONF = ["--conf", "spark.ui.enabled=false", "--conf", "spark.sql.shuffle.partitions=2",
              "--conf", "spark.log.level=WARN"]


def _step(name: str, *args: str) -> dict[str, Any]:
    return {"Name": name, "ActionOnFailure": "CONTINUE", "HadoopJarStep": {
        "Jar": "command-runner.jar", "Args": ["spark-submit", "--deploy-mode", "cluster", *SPARK_CONF, *args]}}


@pytest.fixture(scope="module")
def spark_run(emr: Any, s3: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    bucket = f"le-spark-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    wheel = make_wheel(tmp_path_factory.mktemp("wheel"))
    s3.put_object(Bucket=bucket, Key="bootstrap/deps.sh",
                  Body=f"#!/bin/sh\nsudo pip3 install --no-index --quiet {wheel}\n".encode())
    resources = io.BytesIO()
    with zipfile.ZipFile(resources, "w") as archive:
        archive.writestr("src/main/resources/people.json",
                         '{"name":"Michael"}\n{"name":"Andy", "age":30}\n{"name":"Justin", "age":19}\n')
    s3.put_object(Bucket=bucket, Key="resources.zip", Body=resources.getvalue())
    s3.put_object(Bucket=bucket, Key="jobs/people.py", Body=PEOPLE_JOB)
    s3.put_object(Bucket=bucket, Key="jobs/missing.py", Body=MISSING_JOB)
    cluster_id = emr.run_job_flow(
        Name="le-spark", ReleaseLabel="emr-7.2.0", JobFlowRole="r", ServiceRole="s", LogUri=f"s3://{bucket}/logs/",
        StepConcurrencyLevel=2,
        BootstrapActions=[{"Name": "deps", "ScriptBootstrapAction": {"Path": f"s3://{bucket}/bootstrap/deps.sh"}}],
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
        Steps=[_step("people", "--archives", f"s3://{bucket}/resources.zip#examples", f"s3://{bucket}/jobs/people.py",
                     f"s3://{bucket}/out/people/"),
               _step("missing", f"s3://{bucket}/jobs/missing.py", f"s3://{bucket}/missing/input.json")],
    )["JobFlowId"]
    ids = {s["Name"]: s["Id"] for s in emr.list_steps(ClusterId=cluster_id)["Steps"]}
    yield {"bucket": bucket, "cluster_id": cluster_id, "ids": ids}
    emr.terminate_job_flows(JobFlowIds=[cluster_id])


def _logs(s3: Any, run: dict[str, Any], step: str) -> str:
    prefix = f"logs/{run['cluster_id']}/steps/{run['ids'][step]}/"
    return "".join(gzip.decompress(s3.get_object(Bucket=run["bucket"], Key=f"{prefix}{name}.gz")["Body"].read())
                   .decode() for name in ("stdout", "stderr"))


def _spark_step_done(emr: Any, run: dict[str, Any], step: str) -> dict[str, Any]:
    wait_for(lambda: emr.describe_step(ClusterId=run["cluster_id"], StepId=run["ids"][step])["Step"]["Status"][
        "State"] not in ("PENDING", "RUNNING"), timeout=180, interval=0.5)
    return wait_step(emr, run["cluster_id"], run["ids"][step])


def test_a_spark_example_reads_an_archive_alias_and_uses_a_bootstrapped_package(emr: Any, s3: Any,
                                                                     spark_run: dict[str, Any]) -> None:
    status = _spark_step_done(emr, spark_run, "people")
    logs = _logs(s3, spark_run, "people")
    assert status["State"] == "COMPLETED", logs[-3000:]
    assert "| 30|Andy|" in logs and "PEOPLE-ROWS 3" in logs
    assert "UDF ['pong:Andy', 'pong:Justin', 'pong:Michael']" in logs
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=spark_run["bucket"], Prefix="out/people/")["Contents"]]
    assert "out/people/_SUCCESS" in keys and any(k.startswith("out/people/part-") for k in keys)
    assert not any(k.endswith(".crc") for k in keys)


def test_a_missing_s3_input_fails_with_sparks_message_naming_the_s3_uri(emr: Any, s3: Any,
                                                                        spark_run: dict[str, Any]) -> None:
    status = _spark_step_done(emr, spark_run, "missing")
    logs = _logs(s3, spark_run, "missing")
    assert status["State"] == "FAILED"
    assert (f"pyspark.errors.exceptions.captured.AnalysisException: [PATH_NOT_FOUND] Path does not exist: "
            f"s3://{spark_run['bucket']}/missing/input.json.") in logs
    assert 'No FileSystem for scheme "s3"' not in logs and "/container/" not in logs
