"""Bootstrap actions run during BOOTSTRAPPING, in order, in a per-cluster sandbox; a failed or
missing one ends the cluster like EMR; steps then run with what the actions installed.

``pip install`` works offline: the test builds a tiny wheel and the action installs that file.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from local_emr import LocalEmr
from local_emr.cluster.bootstrap import DOWNLOAD_MESSAGE, NONZERO_MESSAGE

from .conftest import cluster_state, shell_step, wait_for, wait_step

pytestmark = pytest.mark.integration

GROUPS = [{"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
          {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 1}]


def make_wheel(folder: Path, name: str = "leping", version: str = "0.1") -> Path:
    """A pure-Python wheel built by hand: pip installs it with no index and no build backend."""
    info = f"{name}-{version}.dist-info"
    files = {f"{name}/__init__.py": "def ping():\n    return 'pong'\n",
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
             f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = [f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b'=').decode()},"
              f"{len(text.encode())}" for path, text in files.items()]
    files[f"{info}/RECORD"] = "\n".join(record + [f"{info}/RECORD,,"]) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def _action(name: str, path: str, *args: str) -> dict[str, Any]:
    return {"Name": name, "ScriptBootstrapAction": {"Path": path, "Args": list(args)}}


def _master_id(emr: Any, cluster_id: str) -> str:
    master = next(g["Id"] for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]
                  if g["InstanceGroupType"] == "MASTER")
    return next(i["Ec2InstanceId"] for i in emr.list_instances(ClusterId=cluster_id)["Instances"]
                if i["InstanceGroupId"] == master)


def _gz(s3: Any, bucket: str, key: str) -> str:
    return gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).decode()


def test_actions_run_in_order_and_steps_get_what_they_installed(emr: Any, s3: Any, make_cluster: Any,
                                                                log_bucket: str, tmp_path: Path) -> None:
    """emr-production's two actions: the step-log shipper (yum is refused: it exits 0) and install-deps."""
    from emr_constructs.logs.step_logs import bootstrap_script

    wheel = make_wheel(tmp_path)
    first = "#!/bin/bash\necho first > \"$HOME/marker\"\n"
    install_deps = ("#!/bin/bash\nset -euo pipefail\n"
                    'echo "install-deps args: $*"\n'
                    '[ "$1" = --requirements ] && [ -f "$HOME/marker" ]\n'
                    'echo "LOCAL_EMR=$LOCAL_EMR TMPDIR=$TMPDIR"\n'
                    f'sudo -E -H pip3 install --no-index --quiet "{wheel}"\n'
                    'python3 -c "import leping, moto"\n')  # what it installed, beside the emulator's own
    for key, body in {"ba/first.sh": first, "ba/step-logs.sh": bootstrap_script("/aws/emr/le-test"),
                      "ba/install-deps.sh": install_deps}.items():
        s3.put_object(Bucket=log_bucket, Key=key, Body=body.encode())
    bucket = f"s3://{log_bucket}"
    cluster_id = make_cluster(log_bucket, wait=False, Instances={"InstanceGroups": GROUPS,
                                                                 "KeepJobFlowAliveWhenNoSteps": True},
                              BootstrapActions=[
                                  _action("first", f"{bucket}/ba/first.sh"),
                                  _action("emr-step-logs", f"{bucket}/ba/step-logs.sh"),
                                  _action("python-deps", f"{bucket}/ba/install-deps.sh",
                                          "--requirements", f"{bucket}/requirements.txt")],
                              Steps=[shell_step('python3 -c "import leping; print(leping.ping())"; '
                                                'echo "$PYSPARK_PYTHON $LOCAL_EMR"')])
    assert cluster_state(emr, cluster_id) in ("STARTING", "BOOTSTRAPPING")
    booted = wait_for(lambda: (s := cluster_state(emr, cluster_id)) not in ("STARTING", "BOOTSTRAPPING") and s,
                      timeout=60)
    assert booted in ("RUNNING", "WAITING")
    listed = emr.list_bootstrap_actions(ClusterId=cluster_id)["BootstrapActions"]
    assert [a["Name"] for a in listed] == ["first", "emr-step-logs", "python-deps"]

    node = f"logs/{cluster_id}/node/{_master_id(emr, cluster_id)}/bootstrap-actions"
    assert "local_emr: yum is not emulated" in _gz(s3, log_bucket, f"{node}/2/stderr.gz")
    assert "step logs stay in S3 only" in _gz(s3, log_bucket, f"{node}/2/stderr.gz")
    stdout = _gz(s3, log_bucket, f"{node}/3/stdout.gz")
    assert f"install-deps args: --requirements {bucket}/requirements.txt" in stdout and "LOCAL_EMR=1" in stdout
    assert "return code 0" in _gz(s3, log_bucket, f"{node}/3/controller.gz")

    step_id = emr.list_steps(ClusterId=cluster_id)["Steps"][0]["Id"]
    assert wait_step(emr, cluster_id, step_id)["State"] == "COMPLETED"
    pong, python, local = _gz(s3, log_bucket, f"logs/{cluster_id}/steps/{step_id}/stdout.gz").split()
    assert pong == "pong" and python.endswith("/venv/bin/python") and local == "1"


def test_a_missing_script_fails_the_cluster_like_emr(emr: Any, s3: Any, make_cluster: Any, log_bucket: str) -> None:
    cluster_id = make_cluster(log_bucket, wait=False, Instances={"InstanceGroups": GROUPS,
                                                                 "KeepJobFlowAliveWhenNoSteps": True},
                              BootstrapActions=[_action("deps", f"s3://{log_bucket}/bootstrap/install-deps.sh")],
                              Steps=[shell_step("true")])
    wait_for(lambda: cluster_state(emr, cluster_id) == "TERMINATED_WITH_ERRORS")
    status = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]
    master = _master_id(emr, cluster_id)
    assert status["StateChangeReason"] == {"Code": "BOOTSTRAP_FAILURE",
                                           "Message": DOWNLOAD_MESSAGE.format(instance=master, n=1)}
    assert status["StateChangeReason"]["Message"] == \
        f"Master instance ({master}) failed attempting to download bootstrap action 1 file from S3"
    assert emr.list_steps(ClusterId=cluster_id)["Steps"][0]["Status"]["State"] == "CANCELLED"
    stderr = _gz(s3, log_bucket, f"logs/{cluster_id}/node/{master}/bootstrap-actions/1/stderr.gz")
    assert "install-deps.sh does not exist" in stderr


def test_a_failing_action_stops_the_rest(emr: Any, s3: Any, make_cluster: Any, log_bucket: str,
                                         tmp_path: Path) -> None:
    s3.put_object(Bucket=log_bucket, Key="ba/fail.sh", Body=b"#!/bin/sh\necho 'cannot reach the mirror' >&2\nexit 3\n")
    s3.put_object(Bucket=log_bucket, Key="ba/never.sh", Body=f"#!/bin/sh\ntouch {tmp_path}/ran\n".encode())
    cluster_id = make_cluster(log_bucket, wait=False, BootstrapActions=[
        _action("fail", f"s3://{log_bucket}/ba/fail.sh"), _action("never", f"s3://{log_bucket}/ba/never.sh")])
    wait_for(lambda: cluster_state(emr, cluster_id) == "TERMINATED_WITH_ERRORS")
    reason = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["StateChangeReason"]
    assert reason["Code"] == "BOOTSTRAP_FAILURE"
    instance = reason["Message"].split("(")[1].split(")")[0]  # no instance groups: a made-up, stable id
    assert reason["Message"] == NONZERO_MESSAGE.format(instance=instance, n=1)
    assert reason["Message"].endswith("bootstrap action 1 returned a non-zero return code")
    stderr = _gz(s3, log_bucket, f"logs/{cluster_id}/node/{instance}/bootstrap-actions/1/stderr.gz")
    assert stderr == "cannot reach the mirror\n" and not (tmp_path / "ran").exists()


def test_terminating_while_bootstrapping_kills_the_action_and_removes_the_sandbox(
        emr: Any, s3: Any, make_cluster: Any, log_bucket: str, tmp_path: Path) -> None:
    script = f'#!/bin/sh\necho "$$ $HOME" > {tmp_path}/pid\nexec sleep 60\n'
    s3.put_object(Bucket=log_bucket, Key="ba/slow.sh", Body=script.encode())
    cluster_id = make_cluster(log_bucket, wait=False,
                              BootstrapActions=[_action("slow", f"s3://{log_bucket}/ba/slow.sh")])
    pid_file = tmp_path / "pid"
    wait_for(lambda: pid_file.exists() and pid_file.read_text().count(" ") == 1)
    pid, home = pid_file.read_text().split()
    assert cluster_state(emr, cluster_id) == "BOOTSTRAPPING"
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    wait_for(lambda: cluster_state(emr, cluster_id) == "TERMINATED")

    def gone() -> bool:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        return False

    wait_for(gone)
    assert not Path(home).exists()


def test_a_cluster_without_actions_gets_no_sandbox(emr: Any, s3: Any, emulator: LocalEmr, make_cluster: Any,
                                                   log_bucket: str) -> None:
    cluster_id = make_cluster(log_bucket)
    assert emulator.lifecycle.bootstrap.sandbox_for(cluster_id) is None
    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[shell_step('echo "$PYSPARK_PYTHON"')])["StepIds"][0]
    assert wait_step(emr, cluster_id, step_id)["State"] == "COMPLETED"
    assert _gz(s3, log_bucket, f"logs/{cluster_id}/steps/{step_id}/stdout.gz").strip() == \
        os.environ.get("PYSPARK_PYTHON", sys.executable)
