"""ListInstances on the emulator: every cluster form lists its instances, with timelines that follow the
emulated lifecycle (what emr_cost prices a run from)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import cluster_state, wait_for

pytestmark = pytest.mark.integration


def _timeline(emr: Any, cluster_id: str) -> dict[str, Any]:
    return emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["Timeline"]


def _ms(value: Any) -> int:
    return round(value.timestamp() * 1000)


def test_the_simple_form_lists_master_and_core_from_creation_to_end(emr: Any, make_cluster: Any) -> None:
    cluster_id = make_cluster()  # MasterInstanceType + SlaveInstanceType, InstanceCount 2
    instances = emr.list_instances(ClusterId=cluster_id)["Instances"]
    cluster = _timeline(emr, cluster_id)
    assert sorted(i["InstanceType"] for i in instances) == ["m5.xlarge", "m5.xlarge"]
    groups = {g["Id"]: g["InstanceGroupType"] for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]}
    assert sorted(groups[i["InstanceGroupId"]] for i in instances) == ["CORE", "MASTER"]
    for inst in instances:
        timeline = inst["Status"]["Timeline"]
        assert inst["Status"]["State"] == "RUNNING" and inst["Market"] == "ON_DEMAND"
        # EMR's ci- id beside EC2's i- id; the private address and its EC2 host name (ec2.internal in us-east-1)
        assert re.fullmatch(r"ci-[A-Z0-9]{13}", inst["Id"]) and re.fullmatch(r"i-[0-9a-f]{17}", inst["Ec2InstanceId"])
        assert inst["PrivateDnsName"] == "ip-" + inst["PrivateIpAddress"].replace(".", "-") + ".ec2.internal"
        assert "PublicDnsName" not in inst  # private subnets
        assert _ms(timeline["CreationDateTime"]) == _ms(cluster["CreationDateTime"])
        assert _ms(timeline["ReadyDateTime"]) == _ms(cluster["ReadyDateTime"]) > _ms(timeline["CreationDateTime"])
        assert "EndDateTime" not in timeline
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    wait_for(lambda: cluster_state(emr, cluster_id) == "TERMINATED")
    ended = _timeline(emr, cluster_id)["EndDateTime"]
    for inst in emr.list_instances(ClusterId=cluster_id)["Instances"]:
        assert inst["Status"]["State"] == "TERMINATED"
        assert _ms(inst["Status"]["Timeline"]["EndDateTime"]) == _ms(ended)


def test_fleets_list_their_on_demand_and_spot_instances(emr: Any, make_cluster: Any) -> None:
    fleets = [{"InstanceFleetType": "MASTER", "TargetOnDemandCapacity": 1,
               "InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}]},
              {"InstanceFleetType": "CORE", "TargetOnDemandCapacity": 1, "TargetSpotCapacity": 4,
               "InstanceTypeConfigs": [{"InstanceType": "r5.xlarge", "WeightedCapacity": 2}]}]
    cluster_id = make_cluster(Instances={"InstanceFleets": fleets, "KeepJobFlowAliveWhenNoSteps": True})
    instances = emr.list_instances(ClusterId=cluster_id)["Instances"]
    fleet_types = {f["Id"]: f["InstanceFleetType"]
                   for f in emr.list_instance_fleets(ClusterId=cluster_id)["InstanceFleets"]}
    seen = sorted((fleet_types[i["InstanceFleetId"]], i["InstanceType"], i["Market"]) for i in instances)
    assert seen == [("CORE", "r5.xlarge", "ON_DEMAND"), ("CORE", "r5.xlarge", "SPOT"), ("CORE", "r5.xlarge", "SPOT"),
                    ("MASTER", "m5.xlarge", "ON_DEMAND")]


def test_a_resize_adds_instances_then_ends_the_newest(emr: Any, make_cluster: Any) -> None:
    groups = [{"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
              {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 1,
               "EbsConfiguration": {"EbsBlockDeviceConfigs": [
                   {"VolumeSpecification": {"VolumeType": "gp3", "SizeInGB": 64}, "VolumesPerInstance": 2}]}}]
    cluster_id = make_cluster(Instances={"InstanceGroups": groups, "KeepJobFlowAliveWhenNoSteps": True})
    core = next(g["Id"] for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]
                if g["InstanceGroupType"] == "CORE")
    ready = _ms(_timeline(emr, cluster_id)["ReadyDateTime"])
    listed = lambda: emr.list_instances(ClusterId=cluster_id, InstanceGroupId=core)["Instances"]  # noqa: E731
    emr.modify_instance_groups(ClusterId=cluster_id, InstanceGroups=[{"InstanceGroupId": core, "InstanceCount": 3}])
    # EMR provisions the new nodes (PROVISIONING, the group RESIZING), then they run (local_emr/cluster/scaling.py)
    wait_for(lambda: len(listed()) == 3)
    added = [i for i in listed() if _ms(i["Status"]["Timeline"]["CreationDateTime"]) > ready]
    assert len(added) == 2 and all(len(i["EbsVolumes"]) == 2 for i in listed())
    wait_for(lambda: all(i["Status"]["State"] == "RUNNING" for i in listed()))
    emr.modify_instance_groups(ClusterId=cluster_id, InstanceGroups=[{"InstanceGroupId": core, "InstanceCount": 1}])
    wait_for(lambda: [i["Status"]["State"] for i in listed()].count("RUNNING") == 1)
    after = {i["Id"]: i["Status"] for i in listed()}
    assert {after[i["Id"]]["State"] for i in added} == {"TERMINATED"}  # the newest go first (least active)
