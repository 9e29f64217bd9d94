"""The engine as the emulator drives it (local_emr/cluster/scaling.py): applications that end from outside, resizes asked
for by hand, groups added to a running cluster, policies put on it later; and the cluster read back from EMR's
API (emr_cost.stack_model.cluster_from_api), which is what the engine is built from there."""
from __future__ import annotations

from emr_cost.stack_model import cluster_from_api
from emr_scaling.cluster.shape import PoolShape
from emr_scaling.cluster.state import DECOMMISSIONING, ENDED, PROVISIONING, RUNNING
from emr_scaling.cluster.yarn import ACTIVE
from emr_scaling.engine import Engine
from emr_scaling.params import ModelParams
from emr_scaling.policies.custom import parse_policy
from emr_scaling.workload.model import Application
from tests.emr_scaling.hand import NODE, policy, rule, shape

PARAMS = ModelParams(provisioning_seconds=300, termination_seconds=0)


def run(engine: Engine, start: float, until: float) -> None:
    t = start
    while t < until:
        engine.step(t, t + engine.tick)
        t += engine.tick


def states(engine: Engine, group: str) -> list[str]:
    pool = next(p for p in engine.state.pools if p.name == group)
    return sorted(n.state for n in pool.nodes)


def test_a_resize_by_hand_joins_after_provisioning_and_leaves_by_decommission():
    engine = Engine(shape(core=2, task=1), PARAMS)
    engine.step(0, 0)
    engine.resize("task", "ON_DEMAND", 3, 60, "ModifyInstanceGroups")
    assert states(engine, "task") == [PROVISIONING, PROVISIONING, RUNNING]
    assert [(e.action, e.from_, e.to, e.reason) for e in engine.events] == [
        ("scale_out", 1, 3, "ModifyInstanceGroups")]
    run(engine, 60, 360)
    assert states(engine, "task") == [RUNNING] * 3
    assert engine.events[-1].action == "resize_done"
    engine.resize("task", "ON_DEMAND", 1, 420, "ModifyInstanceGroups")
    pool = engine.state.pools[1]
    assert pool.units() == 1 and {n.state for n in pool.nodes} <= {RUNNING, DECOMMISSIONING}
    run(engine, 420, 600)
    assert states(engine, "task") == [RUNNING] and [n.state for n in pool.ended] == [ENDED, ENDED]


def test_an_application_that_ends_from_outside_frees_its_containers():
    engine = Engine(shape(core=2), PARAMS)
    conf = (("spark.dynamicAllocation.enabled", "false"), ("spark.executor.instances", "2"),
            ("spark.executor.memory", "2g"))
    app = engine.add(Application("step-1", 0, conf, "cluster"))  # no duration, no work: runs until finish()
    run(engine, 0, 600)
    assert app.state == ACTIVE and engine.row(600)["yarn"]["allocated_mb"] > 0
    engine.finish(app, 600)
    run(engine, 600, 720)
    assert app.state != ACTIVE and engine.row(720)["yarn"]["allocated_mb"] == 0


def test_a_group_added_later_starts_empty_and_is_sized_by_a_resize():
    engine = Engine(shape(core=2), PARAMS)
    engine.add_pool(PoolShape("late", "TASK", False, (NODE,), 4, 0, None))
    late = engine.state.pools[-1]
    assert late.units() == 0
    engine.resize("late", "ON_DEMAND", 2, 0, "AddInstanceGroups")
    run(engine, 0, 300)
    assert states(engine, "late") == [RUNNING, RUNNING]


def test_a_policy_put_on_a_running_cluster_acts_and_its_removal_stops_it():
    engine = Engine(shape(core=2, task=1), PARAMS)
    out = policy(1, 3, rule("out", "YARNMemoryAvailablePercentage", "LESS_THAN", 101, 1))
    engine.set_policies({"task": parse_policy(out, "task")}, None)
    run(engine, 0, 600)  # always breaching: +1 at each evaluation after the first period, up to 3
    assert any(e.action == "scale_out" and e.rule == "out" for e in engine.events)
    engine.set_policies({"task": None}, None)
    size = engine.state.pools[1].units()
    run(engine, 600, 1800)
    assert engine.state.pools[1].units() == size and engine.custom is None


def test_cluster_from_api_reads_groups_fleets_and_policies_as_the_api_names_them():
    groups = [
        {"Id": "ig-M", "InstanceGroupType": "MASTER", "InstanceType": "m5.xlarge", "RequestedInstanceCount": 1},
        {"Id": "ig-T", "Name": "task", "InstanceGroupType": "TASK", "InstanceType": "r5.2xlarge",
         "RequestedInstanceCount": 3, "Market": "SPOT", "BidPrice": "OnDemandPrice",
         "EbsBlockDevices": [{"VolumeSpecification": {"VolumeType": "gp3", "SizeInGB": 64}, "Device": "/dev/sdb"}],
         "AutoScalingPolicy": {"Status": {"State": "ATTACHED"}, "Constraints": {"MinCapacity": 1, "MaxCapacity": 9},
                               "Rules": []}},
        {"Id": "ig-C", "InstanceGroupType": "CORE", "InstanceType": "r5.xlarge", "RequestedInstanceCount": 2}]
    managed = {"ComputeLimits": {"UnitType": "Instances", "MinimumCapacityUnits": 2, "MaximumCapacityUnits": 10,
                                 "MaximumCoreCapacityUnits": 3}}
    model = cluster_from_api({"Name": "c", "ReleaseLabel": "emr-7.2.0", "EbsRootVolumeSize": 30}, groups, [],
                             managed, 3600)
    assert [p.role for p in model.pools] == ["MASTER", "CORE", "TASK"]  # EMR lists them in any order
    task = model.pools[2]
    assert (task.on_demand_units, task.spot_units, task.market, task.autoscaling_min, task.autoscaling_max) == (0, 3, "SPOT", 1, 9)
    assert task.options[0].bid_price is None and [v.size_gb for v in task.options[0].volumes] == [64]
    assert "Status" not in task.autoscaling_policy
    assert model.managed.maximum_core == 3 and model.managed.minimum == 2 and model.idle_timeout_seconds == 3600
    assert model.release_label == "emr-7.2.0" and model.ebs_root_volume_size == 30
    fleets = [{"Id": "if-T", "InstanceFleetType": "TASK", "TargetSpotCapacity": 8, "InstanceTypeSpecifications": [
        {"InstanceType": "r5.2xlarge", "WeightedCapacity": 4, "BidPriceAsPercentageOfOnDemandPrice": 60.0}]}]
    (fleet,) = cluster_from_api({}, [], fleets).pools
    assert fleet.fleet and (fleet.on_demand_units, fleet.spot_units) == (0, 8) and fleet.options[0].weight == 4 and fleet.options[0].bid_percent == 60
