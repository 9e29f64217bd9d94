"""Managed scaling (a model: AWS publishes behaviour, not the algorithm): its limits hold in every unit type, it
allocates core then task and On-Demand then Spot, removes task before core, and spares nodes with shuffle data."""
from __future__ import annotations

from emr_cost.stack_model import ManagedLimits
from emr_scaling.params import ModelParams
from emr_scaling.simulate import simulate
from emr_scaling.workload.model import Application, Workload
from tests.emr_scaling.hand import BIG, shape

# Executors of 3g + 1g overhead: 4096 MiB containers, two on an 8 GiB node. 100 of them want 50 nodes.
BURST = Application("burst", 600, (("spark.dynamicAllocation.enabled", "false"), ("spark.executor.cores", "1"),
                                   ("spark.executor.instances", "100"), ("spark.executor.memory", "3g"),
                                   ("spark.executor.memoryOverhead", "1g")), duration_seconds=1800)
DAY = Workload("burst", (BURST,), horizon_seconds=4 * 3600)
PARAMS = ModelParams(provisioning_seconds=300, managed_scale_in_after_seconds=300)


def peaks(result, *keys):
    return [max(row["groups"][g][k] for row in result.timeline) for g, k in keys]


def test_instances_limits_core_and_on_demand():
    limits = ManagedLimits("Instances", 2, 10, maximum_core=2, maximum_on_demand=2)
    r = simulate(shape(core=2, task=0, task_spot=True, managed=limits), DAY, PARAMS)
    for row in r.timeline:
        g = row["groups"]
        assert g["core"]["requested"] + g["task"]["requested"] <= 10
        assert g["core"]["requested"] <= 2 and g["core"]["on_demand"] + g["task"]["on_demand"] <= 2
    assert peaks(r, ("core", "requested"), ("task", "requested")) == [2, 8]
    assert r.timeline[-1]["groups"]["task"]["requested"] == 0  # back to the minimum, all of it core
    assert "YARN demand" in next(e.reason for e in r.events if e.action == "blocked")


def test_vcpu_limits_count_each_nodes_vcpus():
    # Core nodes have 4 vCPUs, task nodes 8: 24 VCPU = 8 of core (2 nodes) + 16 of task (2 nodes).
    limits = ManagedLimits("VCPU", 8, 24, maximum_core=8)
    r = simulate(shape(core=2, task=0, task_spot=True, task_kind=BIG, managed=limits), DAY, PARAMS)
    assert peaks(r, ("core", "requested"), ("task", "requested"), ("task", "running")) == [8, 16, 2]
    assert max(row["groups"]["core"]["requested"] + row["groups"]["task"]["requested"] for row in r.timeline) <= 24


def test_instance_fleet_units_launch_whole_instances_of_their_weight():
    # Fleets: core weight 1, task weight 2. Max 9 units, core 2, On-Demand 3: core 2 On-Demand units; one more
    # On-Demand unit cannot hold a weight-2 instance, so task is Spot: 3 instances (6 units) fit, a 4th would pass 9.
    limits = ManagedLimits("InstanceFleetUnits", 2, 9, maximum_core=2, maximum_on_demand=3)
    r = simulate(shape(core=2, task=0, task_spot=True, task_kind=BIG, fleets=True, managed=limits), DAY, PARAMS)
    assert peaks(r, ("core", "requested"), ("task", "requested"), ("task", "running"), ("task", "on_demand")) == \
        [2, 6, 3, 0]


def test_a_cluster_below_its_minimum_grows_to_it_without_load():
    limits = ManagedLimits("Instances", 5, 10)
    r = simulate(shape(core=2, task=0, managed=limits), Workload("none", (), horizon_seconds=900), PARAMS)
    last = r.timeline[-1]["groups"]
    assert last["core"]["requested"] == 5 and last["task"]["requested"] == 0  # core first, up to the maximum


def test_scale_down_takes_task_nodes_before_core_and_spot_before_on_demand():
    limits = ManagedLimits("Instances", 1, 10)
    r = simulate(shape(core=3, task=4, task_spot=True, managed=limits), Workload("none", (), horizon_seconds=1200),
                 PARAMS)
    ins = [(e.group, e.from_, e.to) for e in r.events if e.action == "scale_in"]
    assert ins[0] == ("task", 4, 0) and ins[1] == ("core", 3, 1)


def test_shuffle_aware_releases_keep_nodes_holding_shuffle_data():
    """MS: from 5.34.0 / 6.4.0 managed scaling does not scale down nodes with shuffle data of a running application.
    A 2-hour application keeps one executor on a task node; the other two task nodes are idle and go. Aware, the
    busy node is left alone and keeps serving; unaware, it is picked too and waits in decommissioning."""
    limits = ManagedLimits("Instances", 2, 10, maximum_core=2)
    app = Application("long", 60, (("spark.dynamicAllocation.enabled", "false"), ("spark.executor.instances", "2"),
                                   ("spark.executor.cores", "1"), ("spark.executor.memory", "3g"),
                                   ("spark.executor.memoryOverhead", "1g")), duration_seconds=7200)
    day = Workload("long", (app,), horizon_seconds=3600)
    aware = simulate(shape(core=2, task=3, task_spot=True, managed=limits, shuffle_aware=True), day, PARAMS)
    blind = simulate(shape(core=2, task=3, task_spot=True, managed=limits, shuffle_aware=False), day, PARAMS)
    assert [(e.action, e.from_, e.to) for e in aware.events if e.group == "task"][:2] == \
        [("scale_in", 3, 1), ("kept", None, None)]
    assert "shuffle data" in next(e.reason for e in aware.events if e.action == "kept")
    assert aware.timeline[-1]["groups"]["task"]["running"] == 1
    assert [(e.action, e.from_, e.to) for e in blind.events if e.group == "task"][:2] == \
        [("scale_in", 3, 0), ("decommission_wait", None, None)]
    assert blind.timeline[-1]["groups"]["task"]["decommissioning"] == 1


def test_how_often_and_how_much_managed_scaling_decides_are_parameters():
    limits = ManagedLimits("Instances", 2, 10, maximum_core=2)
    cluster = shape(core=2, task=0, task_spot=True, managed=limits)
    steps = simulate(cluster, DAY, ModelParams(provisioning_seconds=300, managed_max_step_units=2))
    outs = [(e.time_seconds, e.from_, e.to) for e in steps.events if e.action == "scale_out"]
    assert outs[:4] == [(600, 0, 2), (660, 2, 4), (720, 4, 6), (780, 6, 8)]
    slow = simulate(cluster, DAY, ModelParams(provisioning_seconds=300, managed_evaluation_seconds=300))
    assert all(e.time_seconds % 300 == 0 for e in slow.events if e.action in ("scale_out", "scale_in"))


def test_under_the_dominant_resource_calculator_vcores_count_too():
    """Small executors with 4 cores each: by memory, 5 fit an 8 GiB node; by vcores (4 a node), 1 does."""
    from dataclasses import replace as with_
    app = Application("cores", 60, (("spark.dynamicAllocation.enabled", "false"), ("spark.executor.instances", "12"),
                                    ("spark.executor.cores", "4"), ("spark.executor.memory", "1g")),
                      duration_seconds=1800)
    day = Workload("cores", (app,), horizon_seconds=3600)
    cluster = shape(core=1, task=0, task_spot=True, managed=ManagedLimits("Instances", 1, 30, maximum_core=1))
    memory_only = simulate(cluster, day, PARAMS)
    dominant = simulate(with_(cluster, dominant_resources=True), day, PARAMS)
    peak = lambda r: max(row["groups"]["task"]["requested"] for row in r.timeline)  # noqa: E731
    assert peak(memory_only) == 2 and peak(dominant) == 12
