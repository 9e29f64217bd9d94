"""Fault catalogue (real processes): `python -m step_runner` SIGKILLed right after AddJobFlowSteps
returned and before the step ids reached the state file, then `--resume <run-id>`.

EMR is moto's ThreadedMotoServer on 127.0.0.1 (a free port), in this process; the runner reaches it
through AWS_ENDPOINT_URL. moto never moves steps on its own, so, as in test_sr_moto, the test moves
them: here on every ListSteps the server answers. The fault seam is a `sitecustomize.py` that only
the subprocesses load (PYTHONPATH): it wraps `state_file.save` to SIGKILL the process when step ids
are about to be written, and shortens the runner's sleeps. Production code has no test hook.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import requests
from moto.emr.responses import ElasticMapReduceResponse
from moto.server import ThreadedMotoServer

from step_runner.run import state_file

from .helpers import EXAMPLE
from .test_sr_moto import REGION, Progress, make_cluster

pytestmark = pytest.mark.integration  # kill -9 of a real CLI process

REPO = Path(__file__).resolve().parents[2]
RUN = "k1"

SITECUSTOMIZE = '''\
"""Fault injection for test_sr_faults_sigkill; only its subprocesses load this file."""
import os
import signal
import time

from step_runner import cli
from step_runner.cli import run_command
from step_runner.run import state_file

if os.environ.get("SR_FAULT") == "kill-before-saving-step-ids":
    _save = state_file.save

    def save(state, path):
        if state.step_ids:  # AddJobFlowSteps has returned; die before its ids reach the disk
            os.kill(os.getpid(), signal.SIGKILL)
        _save(state, path)

    state_file.save = save

# Poll every few ms instead of every 5 s (the runner sleeps through run_command._interruptible_sleep).
run_command._interruptible_sleep = lambda cancel: (lambda seconds: time.sleep(min(seconds, 0.01)))
'''


@pytest.fixture
def emr_server(monkeypatch):
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        yield url
    finally:
        requests.post(f"{url}/moto-api/reset", timeout=5)
        server.stop()


def _env(url: str, hooks: Path, fault: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    env.update({
        "PYTHONPATH": os.pathsep.join([str(hooks), str(REPO)]), "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true",
    })
    if fault:
        env["SR_FAULT"] = fault
    return env


def test_sigkill_after_add_job_flow_steps_then_resume_no_duplicate_no_orphan(emr_server, tmp_path, monkeypatch):
    emr = boto3.client("emr", region_name=REGION, endpoint_url=emr_server,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    cid = make_cluster(emr, concurrency=2)
    progress = Progress(cid)
    real_list_steps = ElasticMapReduceResponse.list_steps

    def list_steps_with_progress(self):
        progress(None)
        return real_list_steps(self)
    monkeypatch.setattr(ElasticMapReduceResponse, "list_steps", list_steps_with_progress)

    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE)
    state_dir = tmp_path / "state"
    common = ["--state-dir", str(state_dir), "--no-logs", "--json"]

    first = subprocess.run([sys.executable, "-m", "step_runner", str(EXAMPLE), "--cluster-id", cid, "--run-id", RUN,
                            *common], cwd=REPO, env=_env(emr_server, hooks, "kill-before-saving-step-ids"),
                           capture_output=True, text=True, timeout=60)
    assert first.returncode == -signal.SIGKILL, first.stderr
    submitted = {s.name: s.id for s in progress.cluster().steps}
    assert sorted(submitted) == ["dimensions [run=k1]", "ingest [run=k1]"]  # EMR has them...
    saved = state_file.load(state_file.state_path(state_dir, RUN))
    assert (saved.cluster_id, saved.step_ids, saved.finished) == (cid, {}, False)  # ...the state file does not
    assert os.listdir(state_dir) == [f"{RUN}.json"]  # and no torn temp file

    second = subprocess.run([sys.executable, "-m", "step_runner", "--resume", RUN, *common], cwd=REPO,
                            env=_env(emr_server, hooks, None), capture_output=True, text=True, timeout=60)
    assert second.returncode == 0, second.stderr
    assert "[ingest] attached to" in second.stderr and "[dimensions] attached to" in second.stderr

    steps = emr.list_steps(ClusterId=cid)["Steps"]
    names = [s["Name"] for s in steps]
    assert sorted(names) == ["dimensions [run=k1]", "ingest [run=k1]", "report [run=k1]"]  # each exactly once
    assert {s["Status"]["State"] for s in steps} == {"COMPLETED"}
    report = json.loads(second.stdout)
    reported = {s["name"]: s["step_ids"] for s in report["steps"]}
    assert reported["ingest"] == [submitted["ingest [run=k1]"]]
    assert reported["dimensions"] == [submitted["dimensions [run=k1]"]]
    assert sorted(i for ids in reported.values() for i in ids) == sorted(s["Id"] for s in steps)  # no orphan
    saved = state_file.load(state_file.state_path(state_dir, RUN))
    assert saved.finished and saved.step_ids == reported
