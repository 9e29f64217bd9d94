"""`make demo-scaling`: a deployed scaling policy at work on this machine, with no AWS account.

1. start the local EMR emulator at its default clock factor (a model minute passes in a second);
2. deploy emr-autoscaling to it with real terraform and the real AWS provider (offline mirror);
3. run a burst of PySpark steps with emr-steps, while the groups' status and counts and the alarms' states are
   printed as they change, read through the EMR and CloudWatch APIs alone;
4. once the task group is back at its minimum, `emr-scaling report` the cluster: timeline, resizes, cost, and a
   chart written to .demo/scaling-report.png;
5. destroy the stack and stop the emulator: also after a failure or Ctrl-C.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from scripts.demo import missing_prerequisites
from scripts.emulator import ACCESS_KEY, REGION, SECRET_KEY, aws_settings, step_env, upload_demo_job
from scripts.local_stack import LocalStack

ROOT = Path(__file__).resolve().parent.parent
STACK = "emr-autoscaling"
SPEC = ROOT / "examples" / "scaling-burst.yaml"
CHART = ROOT / ".demo" / "scaling-report.png"
SCALE_IN_WAIT_SECONDS = 150


def _say(step: str, started: float) -> None:
    print(f"\n[{time.monotonic() - started:5.1f}s] {step}", flush=True)


class Watcher(threading.Thread):
    """Prints each change of the cluster's state, its groups' status and counts, and its scaling alarms' states, as
    the EMR and CloudWatch APIs show them. It finds the cluster terraform creates on its own."""

    def __init__(self, endpoint_url: str, started: float) -> None:
        super().__init__(name="scaling-watcher", daemon=True)
        import boto3

        keys = {"region_name": REGION, "aws_access_key_id": ACCESS_KEY, "aws_secret_access_key": SECRET_KEY}
        self.emr = boto3.client("emr", endpoint_url=endpoint_url, **keys)
        self.cloudwatch = boto3.client("cloudwatch", endpoint_url=endpoint_url, **keys)
        self.started = started
        self.cluster_id: str | None = None
        self.seen: dict[str, Any] = {}
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.25):
            try:
                self.look()
            except Exception as exc:  # the emulator going away at the end, say
                print(f"  (watcher: {exc})", flush=True)
                return

    def _show(self, key: str, value: Any, line: str) -> None:
        if self.seen.get(key) != value:
            self.seen[key] = value
            print(f"  [{time.monotonic() - self.started:5.1f}s] {line}", flush=True)

    def look(self) -> None:
        if self.cluster_id is None:
            live = self.emr.list_clusters(ClusterStates=["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"])
            if not live["Clusters"]:
                return
            self.cluster_id = live["Clusters"][0]["Id"]
        state = self.emr.describe_cluster(ClusterId=self.cluster_id)["Cluster"]["Status"]["State"]
        self._show("cluster", state, f"cluster {self.cluster_id} {state}")
        names = {}
        for g in self.emr.list_instance_groups(ClusterId=self.cluster_id)["InstanceGroups"]:
            names[g["Id"]] = g["Name"]
            if g["InstanceGroupType"] != "MASTER":
                seen = (g["Status"]["State"], g["RequestedInstanceCount"], g["RunningInstanceCount"])
                self._show(g["Id"], seen, f"group {g['Name']:<5} {seen[0]:<9} requested {seen[1]:>2}  "
                                          f"running {seen[2]:>2}")
        for alarm in self.cloudwatch.describe_alarms(AlarmNamePrefix=self.cluster_id)["MetricAlarms"]:
            for group_id, name in names.items():  # EMR names a rule's alarm <cluster>-<group>-<rule>_EMR_Auto_Scaling
                prefix = f"{self.cluster_id}-{group_id}-"
                if alarm["AlarmName"].startswith(prefix):
                    rule = alarm["AlarmName"].removeprefix(prefix).removesuffix("_EMR_Auto_Scaling")
                    self._show(alarm["AlarmName"], alarm["StateValue"], f"alarm {name} {rule}: {alarm['StateValue']}")

    def task_at_minimum(self) -> bool:
        """The task group back at its policy's MinCapacity, and its decommissioned instances ended (their billing
        with them)."""
        task = next(g for g in self.emr.list_instance_groups(ClusterId=self.cluster_id)["InstanceGroups"]
                    if g["InstanceGroupType"] == "TASK")
        low = task["AutoScalingPolicy"]["Constraints"]["MinCapacity"]
        if (task["Status"]["State"], task["RequestedInstanceCount"], task["RunningInstanceCount"]) != \
                ("RUNNING", low, low):
            return False
        listed = self.emr.list_instances(ClusterId=self.cluster_id, InstanceGroupId=task["Id"])["Instances"]
        return sum(i["Status"]["State"] != "TERMINATED" for i in listed) == low


def _run(command: list[str], endpoint_url: str) -> int:
    process = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ, **aws_settings(endpoint_url)))
    try:
        return process.wait()
    except KeyboardInterrupt:
        return process.wait(timeout=60)  # the runner got the same Ctrl-C: it cancels its steps


def _burst_and_report(stack: LocalStack, watcher: Watcher, factor: float, tmp: Path, started: float) -> int:
    endpoint_url = stack.endpoint_url
    upload_demo_job(endpoint_url)
    outputs = stack.write_outputs(tmp / "outputs.json")
    _say(f"emr-steps {SPEC.relative_to(ROOT)}  (2 PySpark steps at once, 20 executors of 8 GiB each)", started)
    code = _run([sys.executable, "-m", "step_runner", str(SPEC), "--outputs", str(outputs),
                 "--state-dir", str(tmp / "state"), "--details-wait", "10s"], endpoint_url)
    _say("steps done: waiting for the task group back at its minimum ...", started)
    deadline = time.monotonic() + SCALE_IN_WAIT_SECONDS
    while not watcher.task_at_minimum():
        if time.monotonic() > deadline:
            print(f"the task group did not scale in within {SCALE_IN_WAIT_SECONDS} s", file=sys.stderr)
            return code or 1
        time.sleep(0.5)
    watcher.stopping.set()
    CHART.parent.mkdir(exist_ok=True)
    _say(f"emr-scaling report {watcher.cluster_id} --clock-factor {factor:g} --chart "
         f"{CHART.relative_to(ROOT)}", started)
    report = _run([sys.executable, "-m", "emr_scaling", "report", watcher.cluster_id, "--clock-factor",
                   str(factor), "--every", "5m", "--chart", str(CHART)], endpoint_url)
    return code or report


def main() -> int:
    missing = missing_prerequisites(cdktf=False)
    if missing:
        print("make demo-scaling needs: " + "; ".join(missing), file=sys.stderr)
        return 2
    from local_emr.server import LocalEmr

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="emr-demo-scaling-") as tmp_name, \
            LocalEmr(port=0, boot_seconds=2, bootstrap_seconds=2, step_env=step_env()) as emulator:
        tmp = Path(tmp_name)
        factor = float(emulator.config.clock_factor)
        _say(f"local EMR emulator on {emulator.endpoint_url}, clock factor {factor:g} "
             f"(a five-minute metric period passes in {300 / factor:g} s)", started)
        stack = LocalStack(STACK, emulator.endpoint_url, tmp)
        watcher = Watcher(emulator.endpoint_url, started)
        code = 1
        try:
            _say(f"terraform apply {STACK} (real terraform and hashicorp/aws provider, offline) ...", started)
            watcher.start()
            stack.apply()
            _say("applied", started)
            code = _burst_and_report(stack, watcher, factor, tmp, started)
        except KeyboardInterrupt:
            print("\ninterrupted: cleaning up", file=sys.stderr)
            code = 130
        except (RuntimeError, subprocess.CalledProcessError) as error:
            print(error, file=sys.stderr)
        finally:
            watcher.stopping.set()
            _say(f"terraform destroy {STACK} ...", started)
            failure = stack.destroy()
            if failure:
                print(f"terraform destroy failed:\n{failure}", file=sys.stderr)
                code = code or 1
    _say(f"emulator stopped; demo finished with exit code {code}", started)
    return code


if __name__ == "__main__":
    sys.exit(main())
