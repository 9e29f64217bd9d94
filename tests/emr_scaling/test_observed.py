"""A cluster that ran, as EMR's API tells it: its report (groups from ListInstances, YARN from the metrics, resizes
from instances that started or ended together) and its demand as a workload to replay. Hand-written responses in
EMR's shapes; every number below is worked out from them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from emr_cost.timelines import ClusterDescription
from emr_scaling.errors import InputError
from emr_scaling.observed import Observed, demand_workload, observed_result
from emr_scaling.params import ModelParams
from emr_scaling.simulate import simulate
from emr_scaling.summary import summarize
from tests.emr_cost.fixed_book import FixedBook
from tests.emr_scaling.hand import policy, rule

T0 = datetime(2026, 11, 2, tzinfo=timezone.utc)
MIN = timedelta(minutes=1)


def instance(iid: str, group: str, itype: str, created: int, ready: int, ended: int | None = None) -> dict:
    timeline = {"CreationDateTime": T0 + created * MIN, "ReadyDateTime": T0 + ready * MIN}
    if ended is not None:
        timeline["EndDateTime"] = T0 + ended * MIN
    return {"Id": iid, "InstanceGroupId": group, "InstanceType": itype, "Market": "ON_DEMAND",
            "Status": {"State": "TERMINATED" if ended else "RUNNING", "Timeline": timeline}}


def description() -> ClusterDescription:
    task_policy = {**policy(0, 4, rule("out", "ContainerPendingRatio", "GREATER_THAN", 0.75, 2)),
                   "Status": {"State": "ATTACHED"}}
    groups = [
        {"Id": "ig-M", "Name": "primary", "InstanceGroupType": "MASTER", "InstanceType": "m5.xlarge",
         "RequestedInstanceCount": 1, "Market": "ON_DEMAND"},
        {"Id": "ig-C", "Name": "core", "InstanceGroupType": "CORE", "InstanceType": "m5.xlarge",
         "RequestedInstanceCount": 2, "Market": "ON_DEMAND"},
        {"Id": "ig-T", "Name": "task", "InstanceGroupType": "TASK", "InstanceType": "m5.xlarge",
         "RequestedInstanceCount": 0, "Market": "ON_DEMAND", "AutoScalingPolicy": task_policy},
    ]
    listed = [instance("ci-m", "ig-M", "m5.xlarge", 0, 6), instance("ci-c1", "ig-C", "m5.xlarge", 0, 6),
              instance("ci-c2", "ig-C", "m5.xlarge", 0, 6),
              instance("ci-t1", "ig-T", "m5.xlarge", 20, 26, 60), instance("ci-t2", "ig-T", "m5.xlarge", 21, 27, 61)]
    cluster = {"Id": "j-1", "Name": "ran", "ReleaseLabel": "emr-6.15.0", "InstanceCollectionType": "INSTANCE_GROUP",
               "Status": {"Timeline": {"CreationDateTime": T0}}}
    return ClusterDescription(cluster, groups, [], listed)


def metrics(factor: float = 1) -> dict:
    """Every 5 minutes from 00:05 to 01:30: 24 GiB of YARN memory (two m5.xlarge core nodes) until the task nodes
    join at 00:30 (48 GiB); 4 containers of 4 GiB held, 6 waiting from 00:15 to 00:30, none after 00:50."""
    out: dict[str, list] = {"MemoryTotalMB": [], "MemoryAllocatedMB": [], "ContainerAllocated": [],
                            "ContainerPending": []}
    for k in range(1, 19):
        at = T0 + k * 5 * MIN / factor
        held = 4 if k <= 10 else 0
        out["MemoryTotalMB"].append((at, 24576.0 if k < 6 else 49152.0))
        out["MemoryAllocatedMB"].append((at, 4096.0 * held))
        out["ContainerAllocated"].append((at, float(held)))
        out["ContainerPending"].append((at, 6.0 if 3 <= k <= 5 else 0.0))
    return out


def observed(factor: float = 1, **kw) -> Observed:
    return Observed("j-1", "us-east-1", T0, T0 + 90 * MIN / factor, 300, description(), None, None,
                    kw.get("metrics", metrics(factor)), factor)


def test_the_report_shows_sizes_yarn_and_resizes():
    r = observed_result(observed())
    rows = {row["time_seconds"] / 60: row for row in r.timeline}
    assert len(r.timeline) == 19 and r.shape.scaling == "custom automatic scaling task 0-4"
    assert rows[25]["groups"]["task"] == {"requested": 2, "running": 0, "provisioning": 2, "decommissioning": 0,
                                          "status": "RESIZING", "on_demand": 2, "spot": 0}
    assert rows[30]["groups"]["task"]["running"] == 2 and rows[65]["groups"]["task"]["requested"] == 0
    # pending memory: 6 containers of the average held size (16384 MiB / 4 = 4096)
    assert rows[20]["yarn"] == {"capacity_mb": 24576.0, "allocated_mb": 16384.0, "pending_mb": 6 * 4096.0,
                                "demand_mb": 16384.0 + 6 * 4096.0, "containers_pending": 6.0, "apps_running": 0.0,
                                "apps_pending": 0.0}
    assert [(e.time_seconds / 60, e.action, e.from_, e.to) for e in r.events] == [
        (20, "scale_out", 0, 2), (27, "resize_done", 0, 2), (60, "scale_in", 2, 0)]
    assert r.pending_mb_minutes == 3 * 6 * 4096 * 5  # three 5-minute periods of 6 pending 4 GiB containers


def test_instances_created_and_ended_at_the_same_moment_are_one_resize():
    d = description()
    d.listed[-2:] = [instance("ci-t1", "ig-T", "m5.xlarge", 20, 26, 60), instance("ci-t2", "ig-T", "m5.xlarge",
                                                                                       20, 26, 60)]
    r = observed_result(Observed("j-1", "us-east-1", T0, T0 + 90 * MIN, 300, d, None, None, metrics(), 1))
    assert [(e.time_seconds / 60, e.action, e.from_, e.to) for e in r.events] == [
        (20, "scale_out", 0, 2), (26, "resize_done", 0, 2), (60, "scale_in", 2, 0)]


def test_the_report_costs_the_instances_as_emr_cost_does():
    s = summarize(observed_result(observed()), FixedBook())
    # 3 instances for the 90 minutes, and two task nodes from 00:20 to 01:00 and 00:21 to 01:01, at $0.432 an hour;
    # each has EMR 6.15's 15 GiB gp3 root volume at $0.08 a GB-month, over November's 720 hours
    hours = 3 * 1.5 + 40 / 60 + 40 / 60
    assert s.node_hours == pytest.approx(hours)
    assert float(s.cost_usd) == pytest.approx(0.432 * hours + 15 * 0.08 / 720 * hours)


def test_the_clock_factor_puts_the_emulators_time_back():
    """The emulator's five-minute periods pass in five seconds at factor 60: the report reads them as minutes."""
    fast = description()
    for inst in fast.listed:
        timeline = inst["Status"]["Timeline"]
        for key, value in timeline.items():
            timeline[key] = T0 + (value - T0) / 60
    obs = Observed("j-1", "us-east-1", T0, T0 + 90 * MIN / 60, 300, fast, None, None, metrics(60), 60)
    slow = observed_result(observed())
    sped = observed_result(obs)
    assert sped.timeline == slow.timeline
    assert [(e.time_seconds, e.action) for e in sped.events] == [(e.time_seconds, e.action) for e in slow.events]


def test_the_demand_becomes_work_to_replay():
    w = demand_workload(observed())
    # ten periods with containers held: each does 4 x 300 container-seconds, asking for held + pending
    assert len(w.applications) == 10
    first, waited = w.applications[0], w.applications[2]
    assert (first.submit_seconds, first.work_executor_seconds) == (0, 4 * 300)
    assert dict(waited.conf)["spark.dynamicAllocation.maxExecutors"] == "10"
    assert dict(first.conf)["spark.executor.memory"] == "3712m"  # + 384m overhead = the 4096 MiB held on average
    assert "one application per 5-minute period" in w.notes[0]


def test_replaying_the_demand_under_the_clusters_own_shape():
    """The replay computes utilization for its own capacity: with 4 core nodes instead of 2 nothing waits."""
    from dataclasses import replace
    from emr_scaling.observed import shape_of
    obs = observed()
    shape = shape_of(obs)
    bigger = replace(shape, pools=(replace(shape.pools[0], on_demand=4), *shape.pools[1:]))
    replay = simulate(bigger, demand_workload(obs), ModelParams())
    assert replay.pending_mb_minutes < observed_result(obs).pending_mb_minutes
    assert {a.state for a in replay.apps} == {"FINISHED"}


def test_a_window_without_metrics_is_bad_input():
    empty = {k: [] for k in metrics()}
    with pytest.raises(InputError, match="no AWS/ElasticMapReduce metric data in this window"):
        observed_result(observed(metrics=empty))
    idle = {**metrics(), "ContainerAllocated": [(at, 0.0) for at, _ in metrics()["ContainerAllocated"]]}
    with pytest.raises(InputError, match="no demand to replay"):
        demand_workload(observed(metrics=idle))
