"""The whole simulation: the shipped example day through the shipped stacks, what the scale-in preset changes,
what the day costs, and the cluster's own limits (idle termination, oversize containers, a full HDFS)."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from emr_cost.stack_model import load_stacks
from emr_scaling.cluster.metrics import published
from emr_scaling.cluster.shape import cluster_shape
from emr_scaling.output.chart import write_chart
from emr_scaling.params import ModelParams
from emr_scaling.simulate import simulate
from emr_scaling.summary import summarize
from emr_scaling.workload.file import load_workload, parse_workload
from emr_scaling.workload.model import Application, Workload
from tests.emr_cost.fixed_book import FixedBook
from tests.emr_scaling.hand import policy, rule, shape

ROOT = Path(__file__).resolve().parents[2]
DAY = load_workload(ROOT / "examples" / "workload-day.yaml")


def shipped(synthesized: Path, name: str, *, drop: str | None = None):
    stack = load_stacks(synthesized / name)[0]
    cluster = stack.clusters[0]
    if drop:
        cluster = replace(cluster, configurations=tuple(c for c in cluster.configurations if c["Classification"] != drop))
    unit = cluster.managed.unit_type if cluster.managed else None
    return cluster_shape(stack, cluster, published(any(p.fleet for p in cluster.pools), unit))


@pytest.fixture(scope="module")
def day_runs(synthesized):
    return {name: simulate(shipped(synthesized, name), DAY, ModelParams()) for name in ("emr-autoscaling",
                                                                                        "emr-production")}


@pytest.mark.parametrize("name,group", [("emr-autoscaling", "task"), ("emr-production", "task-spot")])
def test_the_example_day_scales_out_and_back_in(day_runs, name, group):
    r = day_runs[name]
    sizes = [row["groups"][group]["running"] for row in r.timeline]
    night = max(sizes[60:300])  # the nightly batch, 01:00-05:00
    assert night >= 10 and sizes[8 * 60] <= 2 and sizes[-1] <= 2
    outs = [e for e in r.events if e.group == group and e.action == "scale_out"]
    ins = [e for e in r.events if e.group == group and e.action == "scale_in"]
    assert outs and ins and outs[0].time_seconds < ins[-1].time_seconds
    assert {a.state for a in r.apps if a.name != "events-streaming"} == {"FINISHED"}


def test_the_chart_shows_it(day_runs, tmp_path):
    runs = [(name, r, summarize(r, None)) for name, r in day_runs.items()]
    png, html = tmp_path / "day.png", tmp_path / "day.html"
    write_chart(png, runs[:1])
    write_chart(html, runs)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    page = html.read_text()
    assert page.count("<svg") == 1 and "emr-production" in page and "scale_out" in page


def test_the_fast_scale_in_preset_changes_the_day(synthesized):
    """emr-autoscaling's ScaleIn preset sets the decommission timeout to 300 s (EMR's default: 3600). The first
    scale-in of the day picks a node the all-day streaming job ran on: YARN keeps it until the timeout."""
    fast = simulate(shipped(synthesized, "emr-autoscaling"), DAY, ModelParams())
    slow = simulate(shipped(synthesized, "emr-autoscaling", drop="yarn-site"), DAY, ModelParams())
    first = lambda r: next(e for e in r.events if e.action == "decommission_timeout")  # noqa: E731
    assert first(fast).time_seconds - 300 == 300 and first(slow).time_seconds - 300 == 3600
    done = lambda r: next(e for e in r.events if e.action == "resize_done" and e.from_ > e.to)  # noqa: E731
    assert "took 5 min" in done(fast).reason and "took 60 min" in done(slow).reason


def test_what_the_day_costs_follows_emrs_billing():
    """Per second from each instance's creation (docs/cost.md): 1 primary and 2 core m5.xlarge for the hour, and a
    task node requested at 00:05 (billed while it provisions) to the end: ($0.36 + $0.072) an hour each."""
    cluster = shape(core=2, task=0, task_policy=policy(0, 1, rule("out", "AppsPending", "GREATER_THAN", -1, 1)))
    r = simulate(cluster, Workload("idle", (), horizon_seconds=3600), ModelParams(provisioning_seconds=300))
    s = summarize(r, FixedBook())
    assert s.cost_usd == Decimal("0.432") * 3 + Decimal("0.432") * 3300 / 3600
    assert sum(s.cost_split.values()) == s.cost_usd and s.node_hours == pytest.approx(3 + 3300 / 3600)


def test_terminate_at_instance_hour_bills_to_the_hour():
    """API ScaleDownBehavior TERMINATE_AT_INSTANCE_HOUR "terminates nodes at the instance-hour boundary"."""
    cluster = replace(shape(core=2, task=1, task_policy=policy(0, 1, rule("in", "IsIdle", "GREATER_THAN", 0.5, -1))),
                      instance_hour_scale_down=True)
    r = simulate(cluster, Workload("idle", (), horizon_seconds=7200), ModelParams())
    task = next(n for n in r.nodes if n.group == "task")
    assert task.end == 3600  # decommissioned at 00:05, terminated at its first hour


def test_idle_auto_termination_ends_the_day(synthesized):
    """emr-minimal's idle timeout is 60 min: a 2-hour gap between applications ends the cluster."""
    work = parse_workload({"applications": [
        {"name": "early", "start": "00:10", "executors": 1, "duration": "10m"},
        {"name": "late", "start": "03:00", "executors": 1, "duration": "10m"}]})
    r = simulate(shipped(synthesized, "emr-minimal"), work, ModelParams())
    assert [e.action for e in r.events if e.action == "terminated"] == ["terminated"]
    assert r.terminated_at == pytest.approx(20 * 60 + 3600, abs=60)
    assert [a.state for a in r.apps] == ["FINISHED", "NOT_SUBMITTED"]
    kept = simulate(shipped(synthesized, "emr-minimal"), work, ModelParams(idle_termination=False))
    assert [a.state for a in kept.apps] == ["FINISHED", "FINISHED"]


def test_a_container_above_the_maximum_allocation_fails_the_application():
    big = Application("big", 0, (("spark.executor.memory", "20g"),), duration_seconds=60)
    r = simulate(shape(core=1), Workload("w", (big,), horizon_seconds=600), ModelParams())
    assert r.apps[0].state == "FAILED" and "yarn.scheduler.maximum-allocation-mb (8192)" in r.apps[0].failure


def test_hdfs_filling_up_is_said():
    heavy = Application("heavy", 0, (("spark.executor.instances", "1"),), duration_seconds=600, hdfs_write_gb=150)
    r = simulate(shape(core=1), Workload("w", (heavy,), horizon_seconds=1200), ModelParams())
    assert [e.action for e in r.events if e.action == "hdfs_full"] == ["hdfs_full"]


def test_metrics_every_five_minutes_or_every_minute_with_managed_scaling():
    """MET: "Metrics are updated every five minutes"; MSM: "one-minute granularity when managed scaling is enabled"."""
    from emr_cost.stack_model import ManagedLimits
    idle = Workload("idle", (), horizon_seconds=1200)
    published = lambda r: [row["time_seconds"] for row in r.timeline if row["metrics"]]  # noqa: E731
    assert published(simulate(shape(core=2), idle, ModelParams())) == [300, 600, 900, 1200]
    managed = simulate(shape(core=2, managed=ManagedLimits("Instances", 2, 4)), idle, ModelParams())
    assert published(managed) == list(range(60, 1201, 60))
    assert "TotalNodesRequested" in managed.timeline[1]["metrics"]
