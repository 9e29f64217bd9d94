"""End to end, offline: the real emr-minimal stack deployed by terraform to the local emulator,
steps run through the step runner's CLI, logs read back from the emulator's S3, a running step
cancelled, and the stack destroyed cleanly.

Steps use a stand-in `spark-submit` that runs the entry point with plain Python: the point here
is the flow, not Spark (`make demo` runs real PySpark).
"""
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest


from .conftest import require_terraform_mirror
from scripts.local_stack import LocalStack
from scripts.shared_provider import PURE_METHODS, SharedProvider

pytestmark = pytest.mark.integration

require_terraform_mirror()

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
BUCKET = "e2e-artifacts"
JOBS = {
    "ok.py": "print('E2E-OK line one')\nprint('E2E-OK done')\n",
    "fail.py": ("import sys\nprint('about to fail', file=sys.stderr)\n"
                "raise ValueError('e2e failure: input partition is empty')\n"),
    "slow.py": "import time\nprint('slow started', flush=True)\ntime.sleep(120)\n",
    "chatty.py": "import time\nprint('E2E-FOLLOW-LINE while running', flush=True)\ntime.sleep(4)\nprint('done')\n",
}
FAKE_SPARK_SUBMIT = """#!{python}
import os, sys
args = sys.argv[1:]
while args and args[0].startswith("--"):
    args = args[2:]
os.execv({python!r}, [{python!r}] + args)
"""


def _spec(path: Path, steps: list[tuple[str, str]]) -> Path:
    lines = ["version: 1", "defaults:", "  deploy_mode: client", "steps:"]
    for name, job in steps:
        lines += [f"  - name: {name}", f"    entry_point: s3://{BUCKET}/jobs/{job}"]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """The emulator with a stand-in spark-submit, and the stack deployed to it."""
    from local_emr.server import LocalEmr

    tmp = tmp_path_factory.mktemp("e2e")
    fake = tmp / "spark-submit"
    fake.write_text(FAKE_SPARK_SUBMIT.format(python=sys.executable))
    fake.chmod(0o755)
    previous = os.environ.get("LOCAL_EMR_SPARK_SUBMIT")
    os.environ["LOCAL_EMR_SPARK_SUBMIT"] = str(fake)
    try:
        with LocalEmr(port=0) as emulator, SharedProvider() as provider:
            stack = LocalStack("emr-minimal", emulator.endpoint_url, tmp, terraform_env=provider.env())
            try:
                outputs = stack.apply()
                s3 = boto3.client("s3", endpoint_url=emulator.endpoint_url, region_name=REGION,
                                  aws_access_key_id="test", aws_secret_access_key="test")
                s3.create_bucket(Bucket=BUCKET)
                for name, body in JOBS.items():
                    s3.put_object(Bucket=BUCKET, Key=f"jobs/{name}", Body=body.encode())
                yield {"emulator": emulator, "stack": stack, "outputs": outputs, "tmp": tmp, "s3": s3,
                       "relay": provider.relay,
                       "outputs_file": stack.write_outputs(tmp / "outputs.json")}
            finally:
                stack.destroy()
    finally:
        if previous is None:
            os.environ.pop("LOCAL_EMR_SPARK_SUBMIT", None)
        else:
            os.environ["LOCAL_EMR_SPARK_SUBMIT"] = previous


def _runner(env, spec: Path, *extra: str, as_json: bool = True) -> subprocess.Popen:
    """The CLI as a user runs it; without --json, stderr is merged so the order of lines holds."""
    aws = dict(os.environ, AWS_ENDPOINT_URL=env["emulator"].endpoint_url, AWS_ACCESS_KEY_ID="test",
               AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION=REGION)
    command = [sys.executable, "-m", "step_runner", str(spec), "--outputs", str(env["outputs_file"]),
               "--state-dir", str(env["tmp"] / "state"), "--details-wait", "5s", *extra]
    if as_json:
        return subprocess.Popen(command + ["--json"], cwd=ROOT, env=aws, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    return subprocess.Popen(command, cwd=ROOT, env=aws, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _emr(env):
    return boto3.client("emr", endpoint_url=env["emulator"].endpoint_url, region_name=REGION,
                        aws_access_key_id="test", aws_secret_access_key="test")


def test_stack_outputs_name_a_waiting_cluster(env):
    outputs = env["outputs"]
    assert outputs["cluster_id"].startswith("j-")
    assert outputs["log_uri"].startswith("s3://spark-minimal-logs-")
    state = _emr(env).describe_cluster(ClusterId=outputs["cluster_id"])["Cluster"]["Status"]["State"]
    assert state in ("STARTING", "BOOTSTRAPPING", "WAITING")


def test_terraform_reused_only_the_providers_pure_answers(env):
    """The commands shared one provider process (scripts/shared_provider.py): its config validation was answered
    once, and everything that decides resources reached the provider every time."""
    relay = env["relay"]
    if relay is None:
        pytest.skip("the shared provider relay is off (EMR_SHARED_PROVIDER=0)")
    assert {method for method, _ in relay.answers} <= PURE_METHODS
    assert relay.calls["/tfplugin5.Provider/PrepareProviderConfig"] >= 2
    assert len([m for m, _ in relay.answers if m == "/tfplugin5.Provider/PrepareProviderConfig"]) == 1
    assert relay.calls["/tfplugin5.Provider/ApplyResourceChange"] >= 30


def test_runner_reports_a_completed_and_a_failed_step(env):
    spec = _spec(env["tmp"] / "two.yaml", [("ok", "ok.py"), ("bad", "fail.py")])
    runner = _runner(env, spec)
    stdout, stderr = runner.communicate(timeout=180)
    assert runner.returncode == 3, stderr
    report = json.loads(stdout)
    steps = {s["name"]: s for s in report["steps"]}
    assert steps["ok"]["state"] == "COMPLETED"
    assert steps["bad"]["state"] == "FAILED"
    assert "e2e failure: input partition is empty" in json.dumps(steps["bad"])
    env["steps"] = steps


def test_step_logs_are_in_the_emulators_s3(env):
    steps = env.get("steps") or pytest.skip("needs the previous test's steps")
    bucket, _, prefix = env["outputs"]["log_uri"][len("s3://"):].partition("/")
    key = f"{prefix}{env['outputs']['cluster_id']}/steps/{steps['ok']['step_id']}/stdout.gz"
    body = gzip.decompress(env["s3"].get_object(Bucket=bucket, Key=key)["Body"].read()).decode()
    assert "E2E-OK line one" in body
    key = f"{prefix}{env['outputs']['cluster_id']}/steps/{steps['bad']['step_id']}/stderr.gz"
    assert "ValueError: e2e failure" in gzip.decompress(env["s3"].get_object(Bucket=bucket, Key=key)["Body"].read()).decode()


def test_follow_prints_a_running_steps_line_before_its_completed_line(env):
    """The emulator writes step output to CloudWatch Logs as it is printed; --follow shows it."""
    spec = _spec(env["tmp"] / "chatty.yaml", [("chatty", "chatty.py")])
    runner = _runner(env, spec, "--follow", as_json=False)
    output, _ = runner.communicate(timeout=180)
    assert runner.returncode == 0, output
    lines = output.splitlines()
    followed = next(i for i, line in enumerate(lines) if "[chatty] E2E-FOLLOW-LINE while running" in line)
    completed = next(i for i, line in enumerate(lines) if "[chatty]" in line and line.rstrip().endswith("COMPLETED"))
    assert followed < completed
    assert any("CloudWatch Logs group /aws/emr/" in line for line in lines), "followed CloudWatch, not S3"


def test_ctrl_c_cancels_a_running_step(env):
    spec = _spec(env["tmp"] / "slow.yaml", [("slow", "slow.py")])
    runner = _runner(env, spec, "--cancel-grace", "3s")
    emr, cluster = _emr(env), env["outputs"]["cluster_id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        running = emr.list_steps(ClusterId=cluster, StepStates=["RUNNING"])["Steps"]
        if any(s["Name"].startswith("slow ") for s in running):
            break
        time.sleep(0.5)
    else:
        runner.kill()
        pytest.fail("the slow step never reached RUNNING")
    runner.send_signal(signal.SIGINT)
    stdout, stderr = runner.communicate(timeout=120)
    assert runner.returncode == 4, stderr
    (step,) = json.loads(stdout)["steps"]
    assert step["state"] == "CANCELLED"
    state = emr.describe_step(ClusterId=cluster, StepId=step["step_id"])["Step"]["Status"]["State"]
    assert state == "CANCELLED"


def test_destroy_is_clean(env):
    assert env["stack"].destroy() is None
    state = _emr(env).describe_cluster(ClusterId=env["outputs"]["cluster_id"])["Cluster"]["Status"]["State"]
    assert state in ("TERMINATING", "TERMINATED")
