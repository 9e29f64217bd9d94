"""amazon-emr-cli (`emr run --build --wait --show-stdout`, its default use) against the emulator, unchanged: it
uploads the entry point, submits `spark-submit --deploy-mode client "" s3://…/main.py` (the empty argument is
its `"".split(" ")`, which EMR's command-runner.jar drops), waits with boto3's step_complete waiter and prints the
step's stdout from the cluster's LogUri (which EMR returns as s3n://). A failing job fails `emr run`.

A project of several .py files is emr-cli's PythonFilesProject: the modules other than the entry point are zipped
and passed as `--conf spark.submit.pyFiles=s3://…/pyfiles.zip`, which the emulator mirrors like EMR's Spark reads
it from S3.

emr-cli's waiter polls every 30 s, so each run takes about 30 s; the three run side by side. Spark steps run a
stand-in spark-submit (plain Python that puts the py-files on the PYTHONPATH, as Spark does): the client is under
test.
"""
from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

EMR_CLI = Path(__file__).resolve().parents[2] / ".venv-emrcli" / "bin" / "emr"

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not EMR_CLI.exists() and not os.environ.get("CI"),
                                 reason="make test installs amazon-emr-cli into .venv-emrcli (always runs in CI)")]


def _emr_run(endpoint: str, project: Path, cluster_id: str, code_uri: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_DEFAULT_REGION="us-east-1")
    return subprocess.run([str(EMR_CLI), "run", "--entry-point", "main.py", "--cluster-id", cluster_id,
                           "--s3-code-uri", code_uri, "--build", "--wait", "--show-stdout"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=120)


PROJECTS = {
    "good": {"main.py": "print('hello from emr-cli')\n"},
    "bad": {"main.py": "raise SystemExit('no such table')\n"},
    "multi": {"main.py": "from jobs.words import count\nprint('words:', count('a b c'))\n",
              "jobs/__init__.py": "", "jobs/words.py": "def count(text):\n    return len(text.split())\n"},
}


@pytest.mark.usefixtures("stand_in_spark_submit")
def test_emr_run_builds_submits_waits_and_shows_stdout(emulator: Any, emr: Any, log_bucket: str, make_cluster: Any,
                                                       tmp_path: Path) -> None:
    for name, files in PROJECTS.items():
        for relative, code in files.items():
            (tmp_path / name / relative).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name / relative).write_text(code)
    cluster_id = make_cluster(log_bucket=log_bucket, concurrency=3)
    with ThreadPoolExecutor(len(PROJECTS)) as pool:
        ran, failed, multi = pool.map(lambda name: _emr_run(emulator.endpoint_url, tmp_path / name, cluster_id,
                                                            f"s3://{log_bucket}/code/{name}/"), PROJECTS)
    assert ran.returncode == 0, ran.stderr
    assert "Job completed successfully!" in ran.stdout and "hello from emr-cli" in ran.stdout
    assert failed.returncode != 0
    assert multi.returncode == 0, multi.stderr
    assert "words: 3" in multi.stdout
    steps = {s["Config"]["Args"][-1]: s for s in emr.list_steps(ClusterId=cluster_id)["Steps"]}
    assert steps[f"s3://{log_bucket}/code/good/main.py"]["Status"]["State"] == "COMPLETED"
    assert steps[f"s3://{log_bucket}/code/bad/main.py"]["Status"]["State"] == "FAILED"
    multi_args = steps[f"s3://{log_bucket}/code/multi/main.py"]["Config"]["Args"]
    assert f"spark.submit.pyFiles=s3://{log_bucket}/code/multi/pyfiles.zip" in multi_args
