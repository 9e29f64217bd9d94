"""The estimate to the cent with a small fixed price book: each expected figure is worked out by hand."""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from emr_cost.estimate import cents, estimate_stack, monthly
from emr_cost.prices import Price, PriceNotFound
from emr_cost.stack_model import load_stacks

EC2 = {"m5.xlarge": D("0.20"), "r5.2xlarge": D("0.50"), "r5.4xlarge": D("1.00"), "c5.xlarge": D("0.16")}
EMR = {"m5.xlarge": D("0.05"), "r5.2xlarge": D("0.12"), "r5.4xlarge": D("0.24")}
EBS = {("gp3", "storage"): D("0.08"), ("gp3", "iops"): D("0.005"), ("gp3", "throughput"): D("0.04"),
       ("gp2", "storage"): D("0.10")}


class FixedBook:
    """Spot is 30% of on-demand."""

    def ec2_hourly(self, region: str, instance_type: str, market: str = "ON_DEMAND", at: datetime | None = None) -> Price:
        if instance_type not in EC2:
            raise PriceNotFound(f"EC2 {instance_type}")
        usd = EC2[instance_type] * (D("0.3") if market == "SPOT" else 1)
        return Price(usd, "hour", "fixed", "2026-01-01")

    def emr_fee_hourly(self, region: str, instance_type: str) -> Price:
        if instance_type not in EMR:
            raise PriceNotFound(f"EMR fee for {instance_type}")
        return Price(EMR[instance_type], "hour", "fixed", "2026-01-01")

    def ebs_monthly(self, region: str, volume_type: str, what: str = "storage") -> Price:
        return Price(EBS[(volume_type, what)], "month", "fixed", "2026-01-01")

    def describe(self) -> str:
        return "fixed test prices"


def stack(tmp_path: Path, resources: dict, name: str = "s") -> list:
    path = tmp_path / name / "cdk.tf.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"provider": {"aws": [{"region": "eu-west-1"}]}, "resource": resources}))
    return load_stacks(path)


def scenarios(tmp_path: Path, resources: dict) -> dict:
    (s,) = stack(tmp_path, resources)
    (c,) = estimate_stack(s, FixedBook()).clusters
    return {sc.name: sc for sc in c.scenarios}, c


CLUSTER = "${aws_emr_cluster.c.id}"


def test_groups_with_gp3_extras_and_a_spot_task_group(tmp_path: Path) -> None:
    sc, c = scenarios(tmp_path, {
        "aws_emr_cluster": {"c": {"name": "c",
            "master_instance_group": [{"instance_type": "m5.xlarge", "instance_count": 1,
                                       "ebs_config": [{"size": 100, "type": "gp2", "volumes_per_instance": 1}]}],
            "core_instance_group": [{"instance_type": "r5.2xlarge", "instance_count": 2, "ebs_config": [
                {"size": 200, "type": "gp3", "iops": 4000, "throughput": 250, "volumes_per_instance": 2}]}]}},
        "aws_emr_instance_group": {"t": {"cluster_id": CLUSTER, "instance_type": "r5.2xlarge", "instance_count": 3,
                                         "bid_price": "0.10"}}})
    init = sc["initial"]
    # primary: 0.20 + 0.05 + 100 GB x 0.10 / 730 = 10/730
    # core, each: 0.50 + 0.12 + 2 x (200 x 0.08 + 1000 IOPS x 0.005 + 125 MiB/s x 0.04) / 730 = 2 x 26 / 730
    # task, each: spot min(0.30 x 0.50 = 0.15, bid 0.10) = 0.10, + 0.12 EMR
    assert init.low.ec2_on_demand == D("0.20") + 2 * D("0.50")
    assert init.low.ec2_spot == 3 * D("0.10")
    assert init.low.emr == D("0.05") + 5 * D("0.12")
    assert cents(init.low.ebs) == cents(D(10) / 730 + 2 * D(52) / 730)  # 0.1561... -> 0.16
    assert cents(init.low.total) == D("2.31")  # 1.20 + 0.30 + 0.65 + 0.1562 = 2.3062
    assert init.low == init.high and c.scaling == "fixed size"
    assert cents(monthly(init.low.total, D(24))) == cents(init.low.total * 730)
    assert cents(monthly(init.low.total, D(8))) == cents(init.low.total * 8 * 730 / 24)


def test_custom_autoscaling_min_and_max(tmp_path: Path) -> None:
    policy = json.dumps({"Constraints": {"MinCapacity": 1, "MaxCapacity": 6}, "Rules": []})
    sc, c = scenarios(tmp_path, {"aws_emr_cluster": {"c": {"name": "c",
        "master_instance_group": [{"instance_type": "m5.xlarge", "instance_count": 1}],
        "core_instance_group": [{"instance_type": "m5.xlarge", "instance_count": 2, "autoscaling_policy": policy}]}}})
    per = D("0.25")  # 0.20 + 0.05, no EBS
    assert sc["initial"].low.total == 3 * per
    assert sc["minimum"].low.total == 2 * per
    assert sc["maximum"].low.total == 7 * per
    assert c.scaling == "custom autoscaling core 1-6"


def test_managed_scaling_instances_core_then_spot_task(tmp_path: Path) -> None:
    sc, c = scenarios(tmp_path, {
        "aws_emr_cluster": {"c": {"name": "c",
            "master_instance_group": [{"instance_type": "m5.xlarge", "instance_count": 1}],
            "core_instance_group": [{"instance_type": "r5.2xlarge", "instance_count": 2}]}},
        "aws_emr_instance_group": {"t": {"cluster_id": CLUSTER, "instance_type": "r5.2xlarge", "instance_count": 1,
                                         "bid_price": "0.40"}},
        "aws_emr_managed_scaling_policy": {"m": {"cluster_id": CLUSTER, "compute_limits": [{
            "unit_type": "Instances", "minimum_capacity_units": 2, "maximum_capacity_units": 10,
            "maximum_core_capacity_units": 3, "maximum_ondemand_capacity_units": 3}]}}})
    primary, core, task = D("0.25"), D("0.62"), D("0.15") + D("0.12")  # spot 0.3 x 0.50 under the 0.40 bid
    assert sc["minimum"].low.total == primary + 2 * core
    # max: core min(10, 3) = 3 on-demand; task the other 7, spot
    assert sc["maximum"].low.total == primary + 3 * core + 7 * task
    assert sc["maximum"].low.ec2_spot == 7 * D("0.15")
    assert c.scaling == "managed scaling 2-10 Instances"


def test_fleet_cheapest_and_dearest_type_per_unit_with_fleet_units(tmp_path: Path) -> None:
    sc, c = scenarios(tmp_path, {
        "aws_emr_cluster": {"c": {"name": "c",
            "master_instance_fleet": [{"target_on_demand_capacity": 1,
                                       "instance_type_configs": [{"instance_type": "m5.xlarge"}]}],
            "core_instance_fleet": [{"target_on_demand_capacity": 4, "instance_type_configs": [
                {"instance_type": "r5.2xlarge", "weighted_capacity": 2},
                {"instance_type": "r5.4xlarge", "weighted_capacity": 4}]}]}},
        "aws_emr_instance_fleet": {"t": {"cluster_id": CLUSTER, "target_spot_capacity": 3, "instance_type_configs": [
            {"instance_type": "r5.2xlarge", "weighted_capacity": 2},
            {"instance_type": "r5.4xlarge", "weighted_capacity": 4, "bid_price_as_percentage_of_on_demand_price": 20}]}},
        "aws_emr_managed_scaling_policy": {"m": {"cluster_id": CLUSTER, "compute_limits": [{
            "unit_type": "InstanceFleetUnits", "minimum_capacity_units": 4, "maximum_capacity_units": 12,
            "maximum_core_capacity_units": 8, "maximum_ondemand_capacity_units": 8}]}}})
    init = sc["initial"]
    # core 4 units: 2 x r5.2xlarge = 1.24, or 1 x r5.4xlarge = 1.24 (equal); task 3 spot units:
    # ceil(3/2) = 2 x (0.15 + 0.12) = 0.54, or ceil(3/4) = 1 x (min(0.30, 20% of 1.00) + 0.24) = 0.44
    assert init.low.total == D("0.25") + D("1.24") + D("0.44")
    assert init.high.total == D("0.25") + D("1.24") + D("0.54")
    task = init.pools[2]
    assert (task.low_type, task.high_type, task.instances_low, task.instances_high) == ("r5.4xlarge", "r5.2xlarge", 1, 2)
    # max: core 8 on-demand units (1.24 x 2 = 2.48 either way); task the 4 left, spot (on-demand limit spent):
    # 2 x 0.27 = 0.54 or 1 x 0.44
    mx = sc["maximum"]
    assert (mx.low.total, mx.high.total) == (D("0.25") + D("2.48") + D("0.44"), D("0.25") + D("2.48") + D("0.54"))


def test_managed_scaling_in_vcpus(tmp_path: Path) -> None:
    sc, _ = scenarios(tmp_path, {
        "aws_emr_cluster": {"c": {"name": "c",
            "master_instance_group": [{"instance_type": "m5.xlarge", "instance_count": 1}],
            "core_instance_group": [{"instance_type": "r5.2xlarge", "instance_count": 2}]}},
        "aws_emr_managed_scaling_policy": {"m": {"cluster_id": CLUSTER, "compute_limits": [{
            "unit_type": "VCPU", "minimum_capacity_units": 8, "maximum_capacity_units": 40}]}}})
    assert sc["minimum"].low.total == D("0.25") + 1 * D("0.62")  # 8 vCPUs = 1 r5.2xlarge
    assert sc["maximum"].low.total == D("0.25") + 5 * D("0.62")  # 40 vCPUs = 5


def test_unpriced_types_are_reported_not_guessed(tmp_path: Path) -> None:
    sc, c = scenarios(tmp_path, {"aws_emr_cluster": {"c": {"name": "c",
        "master_instance_fleet": [{"target_on_demand_capacity": 1, "instance_type_configs": [
            {"instance_type": "m5.xlarge"}, {"instance_type": "c5.xlarge"}]}]}}})
    assert sc["initial"].low.total == sc["initial"].high.total == D("0.25")
    assert c.missing == ("EMR fee for c5.xlarge",)


def test_terraform_plan_json_is_read(tmp_path: Path) -> None:
    values = {"name": "c", "master_instance_group": [{"instance_type": "m5.xlarge", "instance_count": 1}],
              "core_instance_group": [{"instance_type": "m5.xlarge", "instance_count": 3}]}
    plan = {"planned_values": {"root_module": {"resources": [
                {"address": "aws_emr_cluster.c", "mode": "managed", "type": "aws_emr_cluster", "values": values}]}},
            "configuration": {"provider_config": {"aws": {"expressions": {"region": {"constant_value": "us-east-1"}}}}}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    (s,) = load_stacks(path)
    assert s.region == "us-east-1"
    (c,) = estimate_stack(s, FixedBook()).clusters
    assert c.scenarios[0].low.total == 4 * D("0.25")


def test_a_stack_without_region_is_bad_input(tmp_path: Path) -> None:
    from emr_cost.errors import InputError
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"resource": {}}))
    with pytest.raises(InputError, match="no region"):
        load_stacks(path)


def test_what_the_scaling_model_reads_from_a_stack(tmp_path: Path) -> None:
    """The release, configurations, scale-down behaviour, root volume and each group's whole policy (emr_scaling)."""
    policy = {"Constraints": {"MinCapacity": 1, "MaxCapacity": 6}, "Rules": [{"Name": "r"}]}
    configs = [{"Classification": "yarn-site", "Properties": {"yarn.nodemanager.resource.memory-mb": "9000"}}]
    (s,) = stack(tmp_path, {"aws_emr_cluster": {"c": {
        "name": "c", "release_label": "emr-6.15.0", "configurations_json": json.dumps(configs),
        "scale_down_behavior": "TERMINATE_AT_TASK_COMPLETION", "ebs_root_volume_size": 30,
        "master_instance_group": [{"instance_type": "m5.xlarge", "instance_count": 1}],
        "core_instance_group": [{"instance_type": "m5.xlarge", "instance_count": 2,
                                 "autoscaling_policy": json.dumps(policy)}]}}})
    (c,) = s.clusters
    assert (c.release_label, c.configurations, c.scale_down_behavior, c.ebs_root_volume_size) == \
        ("emr-6.15.0", tuple(configs), "TERMINATE_AT_TASK_COMPLETION", 30)
    assert c.pools[1].autoscaling_policy == policy


@pytest.mark.parametrize("field,value,message", [
    ("configurations_json", "[{", "configurations_json is not JSON"),
    ("configurations_json", '{"Classification": "x"}', "not a list of configurations"),
])
def test_unreadable_configurations_are_bad_input(tmp_path: Path, field, value, message) -> None:
    from emr_cost.errors import InputError
    with pytest.raises(InputError, match=message):
        stack(tmp_path, {"aws_emr_cluster": {"c": {"name": "c", field: value, "master_instance_group": [
            {"instance_type": "m5.xlarge", "instance_count": 1}]}}})
