"""Real terraform + hashicorp/aws 5.100.0 against the emulator: apply, no drift, a step, destroy.

The provider waits a fixed 30 s before polling a new cluster and 30 s after TerminateJobFlows,
so this test takes about 1.5-2 minutes however short the emulator's delays are.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from local_emr import LocalEmr

from .conftest import FAKE, cluster_state, shell_step, wait_step

PLUGIN_DIR = Path("/opt/tf-plugins")
FIXTURE = Path(__file__).parent / "fixtures" / "stack"
ENDPOINT_SERVICES = ("emr", "s3", "iam", "sts", "ec2", "kms", "cloudwatch", "logs", "sns")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not PLUGIN_DIR.is_dir() and not os.environ.get("CI"),
                       reason="needs the offline provider mirror /opt/tf-plugins (always runs in CI)"),
]


def provider_config(endpoint: str) -> dict[str, Any]:
    return {
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": "5.100.0"}}},
        "provider": {"aws": {
            "region": "us-east-1", "access_key": "testing", "secret_key": "testing",
            "skip_credentials_validation": True, "skip_requesting_account_id": True,
            "skip_metadata_api_check": True, "skip_region_validation": True, "s3_use_path_style": True,
            "endpoints": {name: endpoint for name in ENDPOINT_SERVICES},
        }},
    }


def terraform(workdir: Path, *args: str, ok_codes: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1",
           "TF_CLI_CONFIG_FILE": str(workdir / "terraformrc"), "TF_DATA_DIR": str(workdir / ".terraform")}
    for secret in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(secret, None)
    flags = ["-no-color"] + (["-input=false"] if args[0] in ("init", "plan", "apply", "destroy") else [])
    proc = subprocess.run(["terraform", *args, *flags], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode in ok_codes, f"terraform {args[0]} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


def test_terraform_apply_plan_step_destroy(tmp_path: Path) -> None:
    if shutil.which("terraform") is None:
        pytest.fail("terraform is not installed")
    with LocalEmr(port=0, boot_seconds=0.2, bootstrap_seconds=0.2, terminate_seconds=0.2,
                  log_requests=bool(os.environ.get("LOCAL_EMR_TEST_VERBOSE"))) as local:
        shutil.copy(FIXTURE / "main.tf.json", tmp_path / "main.tf.json")
        (tmp_path / "provider.tf.json").write_text(json.dumps(provider_config(local.endpoint_url)))
        (tmp_path / "terraformrc").write_text("")
        terraform(tmp_path, "init", f"-plugin-dir={PLUGIN_DIR}")

        started = time.monotonic()
        terraform(tmp_path, "apply", "-auto-approve")
        apply_seconds = time.monotonic() - started
        outputs = json.loads(terraform(tmp_path, "output", "-json").stdout)
        cluster_id, bucket = outputs["cluster_id"]["value"], outputs["log_bucket"]["value"]

        emr = boto3.client("emr", endpoint_url=local.endpoint_url, **FAKE)
        s3 = boto3.client("s3", endpoint_url=local.endpoint_url, **FAKE)
        cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
        assert cluster["Status"]["State"] == "WAITING"
        assert cluster["StepConcurrencyLevel"] == 2
        assert emr.get_managed_scaling_policy(ClusterId=cluster_id)["ManagedScalingPolicy"]["ComputeLimits"][
            "MaximumCapacityUnits"] == 4

        # Reads match what was written: no drift, so the lead's stacks re-plan clean.
        plan = terraform(tmp_path, "plan", "-detailed-exitcode", ok_codes=(0, 2))
        assert plan.returncode == 0, plan.stdout[-4000:]

        # The terraform-made cluster runs a step and ships its logs to the terraform-made bucket.
        step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[shell_step("echo from-terraform")])["StepIds"][0]
        assert wait_step(emr, cluster_id, step_id)["State"] == "COMPLETED"
        key = f"emr/{cluster_id}/steps/{step_id}/stdout.gz"
        assert gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) == b"from-terraform\n"

        started = time.monotonic()
        terraform(tmp_path, "destroy", "-auto-approve")
        destroy_seconds = time.monotonic() - started
        assert cluster_state(emr, cluster_id) == "TERMINATED"
        state = json.loads((tmp_path / "terraform.tfstate").read_text())
        assert state["resources"] == []
        print(f"terraform apply {apply_seconds:.1f}s, destroy {destroy_seconds:.1f}s")
