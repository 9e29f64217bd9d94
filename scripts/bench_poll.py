"""Benchmark: EMR API calls in one poll cycle while 256 steps are tracked (must be <= 27).

Runs the real StepRunner.poll_once over a counting fake EMR client; no network, no AWS.
`make bench` calls measure(); `python -m scripts.bench_poll` prints the result.
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

from step_runner.aws.emr_adapter import EmrAdapter
from step_runner.run.machine import RunMachine
from step_runner.run.runner import StepRunner
from step_runner.plan.spec import parse_spec

TRACKED = 256
CLUSTER = "j-BENCH"


class CountingEmr:
    """Answers the two calls a poll cycle makes and counts every call by operation."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def list_steps(self, **kwargs: Any) -> dict[str, Any]:
        self.calls["ListSteps"] += 1
        ids = kwargs.get("StepIds", [])
        assert len(ids) <= 10, "ListSteps takes at most 10 StepIds"
        return {"Steps": [{"Id": i, "Name": i, "Status": {"State": "RUNNING"}} for i in ids]}

    def describe_cluster(self, **kwargs: Any) -> dict[str, Any]:
        self.calls["DescribeCluster"] += 1
        return {"Cluster": {"Id": CLUSTER, "Status": {"State": "RUNNING"}, "StepConcurrencyLevel": 256}}

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"unexpected EMR call in a poll cycle: {name}")


def measure() -> dict[str, int]:
    plan = parse_spec({"steps": [{"name": f"step-{i}", "entry_point": f"s3://bench/job_{i}.py"}
                                 for i in range(TRACKED)]})
    machine = RunMachine(plan)
    for n, spec in enumerate(machine.to_submit(TRACKED)):
        machine.mark_submitted(spec.name, f"s-{n:04d}", 0.0)
    assert len(machine.tracked_ids(0.0)) == TRACKED
    fake = CountingEmr()
    runner = StepRunner(EmrAdapter(fake), clock=lambda: 1.0, sleep=lambda s: None)
    runner.poll_once(machine, CLUSTER)
    return {"poll_calls_per_cycle_256_steps": sum(fake.calls.values())}


if __name__ == "__main__":
    print(json.dumps(measure()))
