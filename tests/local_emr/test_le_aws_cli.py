"""The AWS CLI (awscli 1.46, a pinned dev dependency) against the emulator, as a user types it: create-cluster,
add-steps Type=Spark, wait step-complete (and its failure on a failed step), cancel-steps, modify-instance-groups,
terminate-clusters, wait cluster-terminated. The CLI's waiters sleep 30 s between polls, so each wait is called
once the state is reached (its first poll then answers) and what is checked is that its acceptors read the
emulator's answers as EMR's. Spark steps run a stand-in spark-submit (plain Python): the client is under test."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import TERMINAL_STEP, cluster_state, wait_for, wait_step

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("aws", path=str(Path(sys.executable).parent)) is None,
                                 reason="the AWS CLI is a dev dependency (make test installs it)")]

def aws(endpoint: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="")
    done = subprocess.run([str(Path(sys.executable).parent / "aws"), "emr", *args, "--output", "json"], env=env,
                          capture_output=True, text=True, timeout=60)
    if check:
        assert done.returncode == 0, done.stderr
    return done


@pytest.mark.usefixtures("stand_in_spark_submit")
def test_the_aws_cli_runs_a_cluster_end_to_end(emulator: Any, emr: Any, s3: Any, log_bucket: str) -> None:
    for name, body in (("ok.py", "print('fine')"), ("bad.py", "raise SystemExit(3)"),
                       ("slow.py", "import time; time.sleep(60)")):
        s3.put_object(Bucket=log_bucket, Key=f"jobs/{name}", Body=body.encode())
    url = emulator.endpoint_url

    created = json.loads(aws(url, "create-cluster", "--name", "cli", "--release-label", "emr-7.5.0",
                             "--applications", "Name=Spark", "--service-role", "EMR_DefaultRole",
                             "--ec2-attributes", "InstanceProfile=EMR_EC2_DefaultRole", "--no-auto-terminate",
                             "--log-uri", f"s3://{log_bucket}/logs/", "--instance-groups",
                             "InstanceGroupType=MASTER,InstanceCount=1,InstanceType=m5.xlarge",
                             "InstanceGroupType=CORE,InstanceCount=1,InstanceType=m5.xlarge").stdout)
    cluster_id = created["ClusterId"]
    wait_for(lambda: cluster_state(emr, cluster_id) == "WAITING")
    aws(url, "wait", "cluster-running", "--cluster-id", cluster_id)

    steps = [f"Type=Spark,Name={n},ActionOnFailure=CONTINUE,Args=[s3://{log_bucket}/jobs/{n}.py]"
             for n in ("ok", "bad")]
    ok, bad = json.loads(aws(url, "add-steps", "--cluster-id", cluster_id, "--steps", *steps).stdout)["StepIds"]
    assert wait_step(emr, cluster_id, ok)["State"] == "COMPLETED"
    assert wait_step(emr, cluster_id, bad)["State"] == "FAILED"
    aws(url, "wait", "step-complete", "--cluster-id", cluster_id, "--step-id", ok)
    failed = aws(url, "wait", "step-complete", "--cluster-id", cluster_id, "--step-id", bad, check=False)
    assert failed.returncode != 0 and "terminal failure state" in failed.stderr

    slow = json.loads(aws(url, "add-steps", "--cluster-id", cluster_id, "--steps",
                          f"Type=Spark,Name=slow,ActionOnFailure=CONTINUE,Args=[s3://{log_bucket}/jobs/slow.py]"
                          ).stdout)["StepIds"][0]
    wait_step(emr, cluster_id, slow, {"RUNNING"})
    cancelled = json.loads(aws(url, "cancel-steps", "--cluster-id", cluster_id, "--step-ids", slow).stdout)
    assert cancelled["CancelStepsInfoList"][0]["Status"] == "SUBMITTED"
    assert wait_step(emr, cluster_id, slow, TERMINAL_STEP)["State"] == "CANCELLED"

    described = json.loads(aws(url, "describe-cluster", "--cluster-id", cluster_id).stdout)["Cluster"]
    core = next(g for g in described["InstanceGroups"] if g["InstanceGroupType"] == "CORE")
    aws(url, "modify-instance-groups", "--cluster-id", cluster_id, "--instance-groups",
        f"InstanceGroupId={core['Id']},InstanceCount=2")
    wait_for(lambda: next(g for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]
                          if g["Id"] == core["Id"])["RunningInstanceCount"] == 2)

    aws(url, "terminate-clusters", "--cluster-ids", cluster_id)
    wait_for(lambda: cluster_state(emr, cluster_id) == "TERMINATED")
    started = time.monotonic()
    aws(url, "wait", "cluster-terminated", "--cluster-id", cluster_id)
    assert time.monotonic() - started < 20  # answered on its first poll
