"""The real emr-fleets and emr-autoscaling stacks on the emulator: apply, re-plan clean, run a step, destroy.

Both stacks are synthesized for the local target and deployed side by side (one terraform working
dir each, in parallel). Together they use every resource type of the shipped stacks except
emr-production's log group and bootstrap object; the lead's end-to-end test covers emr-minimal.
The provider's own fixed waits (about 55 s for S3 lifecycle rules to settle, 30 s after
RunJobFlow and after TerminateJobFlows) make this test take about 2.5 minutes.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from local_emr import LocalEmr
from scripts.shared_provider import SharedProvider
from scripts.terraform import PLUGIN_DIR, cli_config
from emr_contract.log_naming import LOG_GROUP_TAG, log_group_for, step_stream

from .conftest import FAKE, cluster_state, shell_step, wait_for, wait_step

STACKS = ("emr-fleets", "emr-autoscaling")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not PLUGIN_DIR.is_dir() and not os.environ.get("CI"),
                       reason=f"needs the offline provider mirror {PLUGIN_DIR} (always runs in CI)"),
]


def planned_changes(plan: dict[str, Any]) -> list[str]:
    """Every resource or output a re-plan would touch: after an apply there must be none."""
    problems = [f"{c['address']}: {c['change']['actions']}" for c in plan.get("resource_changes", [])
                if c["change"]["actions"] != ["no-op"]]
    return problems + [f"output {name}: {c['actions']}" for name, c in plan.get("output_changes", {}).items()
                       if c["actions"] != ["no-op"]]


# ---- terraform ----------------------------------------------------------------------------------

def terraform(workdir: Path, *args: str, ok_codes: tuple[int, ...] = (0,),
              provider: SharedProvider | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    env.update(provider.env() if provider else {})
    env.update({"CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_INPUT": "0",
                "TF_CLI_CONFIG_FILE": str(cli_config(workdir)), "TF_DATA_DIR": str(workdir / ".terraform")})
    proc = subprocess.run(["terraform", *args, "-no-color"], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode not in ok_codes:
        raise AssertionError(f"terraform {args[0]} in {workdir.name} failed ({proc.returncode}):\n"
                             f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def prepare(stack_dir: Path, workdir: Path) -> None:
    """The synthesized stack, its state kept in ``workdir`` (the stack's local backend points into the repo)."""
    workdir.mkdir(parents=True)
    shutil.copy(stack_dir / "cdk.tf.json", workdir / "cdk.tf.json")
    backend = {"terraform": {"backend": {"local": {"path": str(workdir / "terraform.tfstate")}}}}
    (workdir / "backend_override.tf.json").write_text(json.dumps(backend))
    cli_config(workdir)
    terraform(workdir, "init", "-input=false")


class Deployment(threading.Thread):
    """apply, plan, then (after the main thread's checks) destroy one stack; records what happened. Its
    commands share one provider process (scripts/shared_provider.py)."""

    def __init__(self, workdir: Path, provider: SharedProvider) -> None:
        super().__init__(name=f"tf-{workdir.name}", daemon=True)
        self.workdir = workdir
        self.provider = provider
        self.applied = threading.Event()
        self.may_destroy = threading.Event()
        self.timings: dict[str, float] = {}
        self.outputs: dict[str, Any] = {}
        self.drift: list[str] = []
        self.error: BaseException | None = None

    def _timed(self, name: str, *args: str, ok_codes: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        try:
            return terraform(self.workdir, *args, ok_codes=ok_codes, provider=self.provider)
        finally:
            self.timings[name] = round(time.monotonic() - started, 1)

    def run(self) -> None:
        try:
            self._timed("apply", "apply", "-auto-approve", "-input=false")
            outputs = terraform(self.workdir, "output", "-json", provider=self.provider).stdout
            self.outputs = {k: v["value"] for k, v in json.loads(outputs).items()}
            plan = self._timed("plan", "plan", "-detailed-exitcode", "-input=false", "-out=replan.tfplan",
                               ok_codes=(0, 2))
            if plan.returncode == 2:
                shown = json.loads(terraform(self.workdir, "show", "-json", "replan.tfplan",
                                             provider=self.provider).stdout)
                self.drift = planned_changes(shown) + [plan.stdout[-6000:]]
        except BaseException as exc:  # reported by the test thread
            self.error = exc
        finally:
            self.applied.set()
        if self.error is None:
            self.may_destroy.wait(timeout=300)
            try:
                # The re-plan refreshed every resource moments ago: destroy needs no second refresh.
                self._timed("destroy", "destroy", "-auto-approve", "-input=false", "-refresh=false")
            except BaseException as exc:
                self.error = exc


def test_shipped_stacks_apply_replan_clean_and_destroy(tmp_path: Path) -> None:
    if shutil.which("terraform") is None:
        pytest.fail("terraform is not installed")
    from cdktf import App

    from stacks.app_builder import build_app

    with LocalEmr(port=0, boot_seconds=0.2, bootstrap_seconds=0.2, terminate_seconds=0.2,
                  log_requests=bool(os.environ.get("LOCAL_EMR_TEST_VERBOSE"))) as local, \
            SharedProvider() as fleets_provider, SharedProvider() as autoscaling_provider:
        providers = {"emr-fleets": fleets_provider, "emr-autoscaling": autoscaling_provider}
        build_app(App(outdir=str(tmp_path / "out")), env={
            "EMR_TARGET": "local", "EMR_LOCAL_ENDPOINT": local.endpoint_url, "EMR_STACKS": ",".join(STACKS)}).synth()
        deployments = {}
        for name in STACKS:
            prepare(tmp_path / "out" / "stacks" / name, tmp_path / name)
            deployments[name] = Deployment(tmp_path / name, providers[name])
        for deployment in deployments.values():
            deployment.start()
        try:
            for deployment in deployments.values():
                assert deployment.applied.wait(timeout=600)
                assert deployment.error is None, deployment.error
                assert not deployment.drift, "\n".join(deployment.drift)
            _check_fleets_cluster(local, deployments["emr-fleets"].outputs)
            _check_autoscaling_cluster(local, deployments["emr-autoscaling"].outputs)
        finally:
            for deployment in deployments.values():
                deployment.may_destroy.set()
            for deployment in deployments.values():
                deployment.join(timeout=600)
        for name, deployment in deployments.items():
            assert deployment.error is None, deployment.error
            state = json.loads((tmp_path / name / "terraform.tfstate").read_text())
            assert state["resources"] == [], f"{name} left {[r['type'] for r in state['resources']]}"
        emr = boto3.client("emr", endpoint_url=local.endpoint_url, **FAKE)
        for deployment in deployments.values():
            assert cluster_state(emr, deployment.outputs["cluster_id"]) == "TERMINATED"
        print({name: d.timings for name, d in deployments.items()})


def _check_fleets_cluster(local: LocalEmr, outputs: dict[str, Any]) -> None:
    """Fleets as written; a step on the terraform-made cluster logs to its bucket and to CloudWatch Logs."""
    emr = boto3.client("emr", endpoint_url=local.endpoint_url, **FAKE)
    s3 = boto3.client("s3", endpoint_url=local.endpoint_url, **FAKE)
    logs = boto3.client("logs", endpoint_url=local.endpoint_url, **FAKE)
    cluster_id = outputs["cluster_id"]
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert cluster["Status"]["State"] == "WAITING" and cluster["InstanceCollectionType"] == "INSTANCE_FLEET"
    fleets = {f["InstanceFleetType"]: f for f in emr.list_instance_fleets(ClusterId=cluster_id)["InstanceFleets"]}
    assert sorted(fleets) == ["CORE", "MASTER", "TASK"]
    limits = emr.get_managed_scaling_policy(ClusterId=cluster_id)["ManagedScalingPolicy"]["ComputeLimits"]
    assert limits["UnitType"] == "InstanceFleetUnits"
    # Managed scaling may already have moved the task fleet off the 8 units it was written with (the
    # stack ignores that drift); what it may not do is leave the policy's limits.
    task_units = fleets["TASK"]["TargetSpotCapacity"] + fleets["TASK"]["TargetOnDemandCapacity"]
    assert task_units <= limits["MaximumCapacityUnits"], fleets["TASK"]

    step_id = emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=[shell_step("echo from-terraform")])["StepIds"][0]
    assert wait_step(emr, cluster_id, step_id)["State"] == "COMPLETED"
    bucket, prefix = cluster["LogUri"].removeprefix("s3n://").split("/", 1)
    key = f"{prefix.rstrip('/')}/{cluster_id}/steps/{step_id}/stdout.gz".lstrip("/")
    assert gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) == b"from-terraform\n"
    tags = {t["Key"]: t["Value"] for t in cluster.get("Tags", [])}
    group = log_group_for(cluster_id, tags.get(LOG_GROUP_TAG))
    stream = step_stream(cluster_id, step_id, "stdout")

    def shipped() -> list[dict[str, Any]]:  # the agent ships the step's line up to a flush after it ends
        try:
            return logs.filter_log_events(logGroupName=group, logStreamNames=[stream])["events"]
        except logs.exceptions.ResourceNotFoundException:
            return []

    assert [e["message"] for e in wait_for(shipped, timeout=15)] == ["from-terraform"]


def _check_autoscaling_cluster(local: LocalEmr, outputs: dict[str, Any]) -> None:
    """Custom autoscaling policies are attached to the core and task groups."""
    emr = boto3.client("emr", endpoint_url=local.endpoint_url, **FAKE)
    groups = emr.list_instance_groups(ClusterId=outputs["cluster_id"])["InstanceGroups"]
    by_type = {g["InstanceGroupType"]: g for g in groups}
    assert set(by_type) == {"MASTER", "CORE", "TASK"}
    for kind in ("CORE", "TASK"):
        policy = by_type[kind]["AutoScalingPolicy"]
        assert policy["Status"]["State"] == "ATTACHED" and policy["Rules"], kind
