"""Apache Spark's own example programs failing on the emulator, explained end to end (issue 12).

``kmeans.py`` needs numpy, which the cluster lacks: ModuleNotFoundError (the steps run on a bare virtualenv of
the same interpreter: the test's own environment has numpy, through matplotlib). ``sql/basic.py`` reads
``examples/src/main/resources/people.json`` relative to its working directory, which is not there:
AnalysisException [PATH_NOT_FOUND]. In client deploy mode Spark's PythonRunner merges the Python
driver's stderr into its stdout, so both tracebacks are in the step's stdout, not its stderr. The CLI
(a subprocess with real boto3 clients) must name the module and the path in its table, its JUnit file,
its --json report, and `emr-steps explain --cluster-id --step-id`.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import uuid
import venv
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from local_emr import LocalEmr
from local_emr.steps.command import find_spark_submit

from .conftest import FAKE

pyspark = pytest.importorskip("pyspark", reason="needs pyspark in the emulator's Python (make test installs it)")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs java on PATH"),
    pytest.mark.skipif(find_spark_submit() is None, reason="no spark-submit found"),
]

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = Path(pyspark.__file__).parent / "examples" / "src" / "main" / "python"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """This module's emulator runs PySpark on a Python with none of our packages, as a cluster's python is:
    a virtualenv without site packages (spark-submit puts pyspark and py4j on its path)."""
    bare = tmp_path_factory.mktemp("bare-python")
    venv.create(bare, with_pip=False, system_site_packages=False)
    python = str(bare / "bin" / "python")
    with LocalEmr(port=0, boot_seconds=0.05, bootstrap_seconds=0.05, terminate_seconds=0.05, tick_seconds=0.02,
                  kill_grace_seconds=1.0, step_env={"PYSPARK_PYTHON": python, "PYSPARK_DRIVER_PYTHON": python}) as emr:
        yield emr


def _cli(emulator: Any, *args: str) -> tuple[int, str, str]:
    env = dict(os.environ, AWS_ENDPOINT_URL=emulator.endpoint_url, AWS_ACCESS_KEY_ID=FAKE["aws_access_key_id"],
               AWS_SECRET_ACCESS_KEY=FAKE["aws_secret_access_key"], AWS_DEFAULT_REGION=FAKE["region_name"])
    env.pop("AWS_PROFILE", None)
    proc = subprocess.run([sys.executable, "-m", "step_runner", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def failed_run(emulator: Any, emr: Any, s3: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("explain")
    bucket = f"le-explain-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    for name in ("kmeans.py", "sql/basic.py"):
        s3.put_object(Bucket=bucket, Key=f"examples/{name}", Body=(EXAMPLES / name).read_bytes())
    cluster_id = emr.run_job_flow(
        Name="le-explain", ReleaseLabel="emr-7.2.0", JobFlowRole="r", ServiceRole="s", LogUri=f"s3://{bucket}/logs/",
        StepConcurrencyLevel=2,
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1, "KeepJobFlowAliveWhenNoSteps": True},
    )["JobFlowId"]
    spec = tmp / "steps.yaml"
    spec.write_text(
        "defaults:\n  deploy_mode: client\n  conf: {spark.ui.enabled: 'false', spark.log.level: WARN}\n"
        "steps:\n"
        f"  - name: kmeans\n    entry_point: s3://{bucket}/examples/kmeans.py\n"
        f"    args: [s3://{bucket}/data/kmeans_data.txt, '2', '0.1']\n"
        f"  - name: basic\n    entry_point: s3://{bucket}/examples/sql/basic.py\n")
    junit = tmp / "junit.xml"
    state = tmp / "state"
    code, table, err = _cli(emulator, str(spec), "--cluster-id", cluster_id, "--run-id", "examples",
                            "--junit", str(junit), "--state-dir", str(state), "--details-wait", "5s")
    resumed = _cli(emulator, str(spec), "--resume", "examples", "--cluster-id", cluster_id, "--json",
                   "--state-dir", str(state), "--details-wait", "5s")
    yield {"bucket": bucket, "cluster_id": cluster_id, "code": code, "table": table, "err": err,
           "junit": junit.read_text() if junit.exists() else "", "json": resumed}
    emr.terminate_job_flows(JobFlowIds=[cluster_id])


def test_the_tracebacks_are_in_stdout_as_spark_writes_them(s3: Any, failed_run: dict[str, Any], emr: Any) -> None:
    steps = {s["Name"].split("__")[0].split(".")[-1]: s for s in emr.list_steps(ClusterId=failed_run["cluster_id"])["Steps"]}
    kmeans = next(s for n, s in steps.items() if "kmeans" in n)
    prefix = f"logs/{failed_run['cluster_id']}/steps/{kmeans['Id']}/"
    stdout = gzip.decompress(s3.get_object(Bucket=failed_run["bucket"], Key=prefix + "stdout.gz")["Body"].read())
    stderr = gzip.decompress(s3.get_object(Bucket=failed_run["bucket"], Key=prefix + "stderr.gz")["Body"].read())
    assert b"ModuleNotFoundError: No module named 'numpy'" in stdout
    assert b"ModuleNotFoundError" not in stderr
    assert kmeans["Status"]["FailureDetails"]["LogFile"].endswith("/stdout.gz")


def test_the_table_and_junit_name_the_module_and_the_path(failed_run: dict[str, Any]) -> None:
    assert failed_run["code"] == 3, failed_run["err"][-3000:]
    table = failed_run["table"]
    assert "hint: Python module numpy not found" in table
    assert "probable cause (python): ModuleNotFoundError: No module named 'numpy'" in table
    assert "hint: Input not found: file:" in table and "examples/src/main/resources/people.json" in table
    failures = {case.get("name"): case.find("failure") for case in ET.fromstring(failed_run["junit"]).iter("testcase")}
    messages = {name: (f.get("message") or "") + (f.text or "") for name, f in failures.items() if f is not None}
    assert any("No module named 'numpy'" in m and "Python module numpy not found" in m for m in messages.values())
    assert any("PATH_NOT_FOUND" in m and "people.json" in m for m in messages.values())


def test_the_json_report_has_the_kind_and_the_cause(failed_run: dict[str, Any]) -> None:
    code, out, err = failed_run["json"]
    assert code == 3, err[-3000:]
    steps = {s["name"]: s for s in json.loads(out)["steps"]}
    assert steps["kmeans"]["hint"]["kind"] == "missing_dependency"
    assert "No module named 'numpy'" in steps["kmeans"]["probable_cause"]["summary"]
    assert steps["basic"]["hint"]["kind"] == "input_missing"
    assert "examples/src/main/resources/people.json" in steps["basic"]["probable_cause"]["summary"]


def test_explain_reads_the_step_on_the_cluster(emulator: Any, emr: Any, failed_run: dict[str, Any]) -> None:
    step = next(s for s in emr.list_steps(ClusterId=failed_run["cluster_id"])["Steps"] if "basic" in s["Name"])
    code, out, err = _cli(emulator, "explain", "--cluster-id", failed_run["cluster_id"], "--step-id", step["Id"],
                          "--json")
    assert code == 0, err
    found = json.loads(out)
    assert found["kind"] == "input_missing" and "people.json" in found["cause"]["summary"]
    assert "s3 stdout" in found["sources"]
    code, text, _ = _cli(emulator, "explain", "--cluster-id", failed_run["cluster_id"], "--step-id", step["Id"])
    assert code == 0 and "kind: input_missing" in text
