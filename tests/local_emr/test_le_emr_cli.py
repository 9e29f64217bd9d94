"""amazon-emr-cli (`emr run --build --wait --show-stdout`, its default use) against the emulator, unchanged: it
uploads the entry point, submits `spark-submit --deploy-mode client "" s3://…/main.py` (the empty argument is
its `"".split(" ")`, which EMR's command-runner.jar drops), waits with boto3's step_complete waiter and prints the
step's stdout from the cluster's LogUri (which EMR returns as s3n://). A failing job fails `emr run`.

emr-cli's waiter polls every 30 s, so each run takes about 30 s; the two run side by side. Spark steps run a
stand-in spark-submit (plain Python): the client is under test.
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


@pytest.mark.usefixtures("stand_in_spark_submit")
def test_emr_run_builds_submits_waits_and_shows_stdout(emulator: Any, emr: Any, log_bucket: str, make_cluster: Any,
                                                       tmp_path: Path) -> None:
    good, bad = tmp_path / "good", tmp_path / "bad"
    for project, code in ((good, "print('hello from emr-cli')\n"), (bad, "raise SystemExit('no such table')\n")):
        project.mkdir()
        (project / "main.py").write_text(code)
    cluster_id = make_cluster(log_bucket=log_bucket, concurrency=2)
    with ThreadPoolExecutor(2) as pool:
        ran, failed = pool.map(lambda p: _emr_run(emulator.endpoint_url, p, cluster_id,
                                                  f"s3://{log_bucket}/code/{p.name}/"), (good, bad))
    assert ran.returncode == 0, ran.stderr
    assert "Job completed successfully!" in ran.stdout and "hello from emr-cli" in ran.stdout
    assert failed.returncode != 0
    steps = {s["Config"]["Args"][-1]: s for s in emr.list_steps(ClusterId=cluster_id)["Steps"]}
    assert steps[f"s3://{log_bucket}/code/good/main.py"]["Status"]["State"] == "COMPLETED"
    assert steps[f"s3://{log_bucket}/code/bad/main.py"]["Status"]["State"] == "FAILED"
