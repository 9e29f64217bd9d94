"""The strict EMR fake (local_emr.api.fake_emr, the rules local_emr enforces) driven by the fake clock.

`StrictEmr` owns a FakeEmr whose time is T0 + the fake clock, hands out botocore clients answered by it,
and moves EMR along on every fake sleep, like mrjob's mock `_simulate_progress`: PENDING steps start
(within StepConcurrencyLevel), a RUNNING step ends after `run_ticks` sleeps with the next outcome its
script gives (COMPLETED by default), CANCEL_PENDING steps end CANCELLED, ending clusters end.
"""
from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Callable

import boto3
from botocore.config import Config

from local_emr.api.fake_emr import FakeCluster, FakeEmr
from step_runner import cli
from step_runner.plan.spec import parse_tag

from .conftest import T0, FakeClock

FAILURE = {"Reason": "Unknown Error.", "Message": "Command exited with return code 1"}


class StrictEmr:
    def __init__(self, clock: FakeClock, *, run_ticks: int = 1, per_second: bool = False) -> None:
        """`per_second`: EMR moves once per second of fake time (a long sleep lets many steps end), not once
        per sleep."""
        self.clock = clock
        self.fake = FakeEmr(now=lambda: T0.timestamp() + clock.t)
        self.run_ticks = run_ticks
        self.per_second = per_second
        self._last = 0.0
        self.script: dict[str, list[str]] = defaultdict(list)
        self.hold: set[str] = set()  # step names that stay RUNNING
        self.ignore_cancel: set[str] = set()  # step names whose CANCEL_PENDING never ends
        self.hooks: list[Callable[[StrictEmr], None]] = []
        self.paused = False
        self._ticks: Counter[str] = Counter()
        clock.hooks.append(lambda _c: self._on_sleep())

    def cluster(self, **kw) -> FakeCluster:
        return self.fake.add_cluster(**kw)

    def client(self, retries: dict | None = None):
        c = boto3.client("emr", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                         aws_access_key_id="testing", aws_secret_access_key="testing",
                         config=Config(retries=retries or {"total_max_attempts": 1}))
        return self.fake.attach(c)

    def other_client_steps(self, cluster: FakeCluster, n: int, *, until: float) -> None:
        """`n` steps of another client, RUNNING (within the cluster's concurrency) until fake time `until`."""
        self.client().add_job_flow_steps(JobFlowId=cluster.id, Steps=[
            {"Name": f"other-{i}", "ActionOnFailure": "CONTINUE", "HadoopJarStep": {"Jar": "command-runner.jar"}}
            for i in range(n)])
        self.hold.update(f"other-{i}" for i in range(n))
        self.fake.tick()
        self.hooks.append(lambda e: e.hold.clear() if e.clock.t > until else None)

    def operations(self) -> list[str]:
        return [op for op, _ in self.fake.calls]

    def submitted_names(self) -> list[str]:
        return [s["Name"] for op, p in self.fake.calls if op == "AddJobFlowSteps" for s in p["Steps"]]

    def _on_sleep(self) -> None:
        ticks = max(1, int(self.clock.t - self._last)) if self.per_second else 1
        self._last = self.clock.t
        for _ in range(ticks):
            self.tick()

    def tick(self) -> None:
        for hook in list(self.hooks):
            hook(self)
        if self.paused:
            return
        self.fake.tick()
        for cluster in list(self.fake.clusters.values()):
            for step in list(cluster.book.steps):
                name = (parse_tag(step.name) or (step.name, ""))[0]
                if step.state == "CANCEL_PENDING" and name not in self.ignore_cancel:
                    cluster.book.finish(step, "CANCELLED", message="Cancelled by user request")
                elif step.state == "RUNNING" and name not in self.hold:
                    self._ticks[step.id] += 1
                    if self._ticks[step.id] >= self.run_ticks:
                        outcome = self.script[name].pop(0) if self.script[name] else "COMPLETED"
                        cluster.book.finish(step, outcome, failure=FAILURE if outcome == "FAILED" else None)
        self.fake.tick()


def run_cli(emr: StrictEmr, state_dir, *argv: str, signals: bool = False, make_clients=None):
    """The CLI against the strict fake: one client for every call (no SDK retries), fake time, no S3."""
    client = emr.client()
    out, err = io.StringIO(), io.StringIO()
    deps = cli.Deps(make_clients=make_clients or (lambda region, profile: (client, None)),
                    make_submit_client=None if make_clients else (lambda region, profile: client),
                    clock=emr.clock, sleep=emr.clock.sleep, rand=lambda: 0.5, now=lambda: T0, stdout=out,
                    stderr=err, install_signals=signals)
    code = cli.main([*argv, "--state-dir", str(state_dir)], deps)
    return code, out.getvalue(), err.getvalue()


def spec_file(tmp_path, *steps: dict, name: str = "spec.yaml", defaults: dict | None = None) -> str:
    """A YAML spec from step dicts (name and entry_point filled in)."""
    import yaml

    doc: dict = {"version": 1, "steps": [{"entry_point": f"s3://b/{s['name']}.py", **s} for s in steps]}
    if defaults:
        doc["defaults"] = defaults
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return str(path)
