"""`make bench`: ``emulator_scale_out_seconds``, how long the emulator takes, at its default clock factor, from a
burst of steps submitted to the new task nodes RUNNING (goal: under 30 s).

A cluster with emr-autoscaling's task policy (0-16 nodes, +1 a rule) and an empty task group; two spark-submit
steps of 20 executors of 8 GiB each, far beyond its three core nodes. The clock stops when ListInstanceGroups
shows the first scale-out's node running. The demand is read from the command line, so the steps run a stand-in
spark-submit (plain Python). The median of a few runs, each on a fresh emulator.
"""
from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

RUNS = min(3, int(os.environ.get("BENCH_RUNS", "3")))
HOLD = "import time\ntime.sleep(60)\n"
TIMEOUT_SECONDS = 120


def _burst() -> list[dict]:
    args = ["spark-submit", "--deploy-mode", "cluster", "--conf", "spark.dynamicAllocation.enabled=false",
            "--num-executors", "20", "--executor-memory", "8g", "s3://bench-jobs/hold.py"]
    return [{"Name": f"burst-{i}", "ActionOnFailure": "CONTINUE",
             "HadoopJarStep": {"Jar": "command-runner.jar", "Args": args}} for i in range(2)]


def _one_run(policy: dict) -> float:
    import boto3

    from local_emr.server import LocalEmr

    with LocalEmr(port=0, boot_seconds=0.2, bootstrap_seconds=0.2) as emulator:  # the default clock factor
        os.environ["AWS_ENDPOINT_URL"] = emulator.endpoint_url
        emr, s3 = boto3.client("emr"), boto3.client("s3")
        s3.create_bucket(Bucket="bench-jobs")
        s3.put_object(Bucket="bench-jobs", Key="hold.py", Body=HOLD.encode())
        cluster_id = emr.run_job_flow(
            Name="bench-scaling", ReleaseLabel="emr-6.15.0", JobFlowRole="EMR_EC2_DefaultRole",
            ServiceRole="EMR_DefaultRole", StepConcurrencyLevel=4,
            Instances={"KeepJobFlowAliveWhenNoSteps": True, "InstanceGroups": [
                {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                {"InstanceRole": "CORE", "InstanceType": "r5.xlarge", "InstanceCount": 3},
                {"InstanceRole": "TASK", "InstanceType": "r5.2xlarge", "InstanceCount": 0, "Name": "task",
                 "AutoScalingPolicy": policy}]})["JobFlowId"]
        while emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] != "WAITING":
            time.sleep(0.05)
        started = time.monotonic()
        emr.add_job_flow_steps(JobFlowId=cluster_id, Steps=_burst())
        while time.monotonic() - started < TIMEOUT_SECONDS:
            task = next(g for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]
                        if g["InstanceGroupType"] == "TASK")
            if task["RunningInstanceCount"] >= 1:
                return time.monotonic() - started
            time.sleep(0.05)
        raise SystemExit(f"emulator scaling bench: no task node ran within {TIMEOUT_SECONDS} s")


def measure() -> dict[str, float]:
    from scripts.bench_log_latency import stand_in_environment
    from stacks.examples import AUTOSCALING

    policy = AUTOSCALING.cluster.task[0].autoscaling.to_api()
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp, stand_in_environment(Path(tmp)):
        seconds = [_one_run(policy) for _ in range(RUNS)]
    return {"emulator_scale_out_seconds": round(statistics.median(seconds), 2)}


if __name__ == "__main__":
    print(json.dumps(measure(), sort_keys=True))
