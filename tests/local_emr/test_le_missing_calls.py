"""The EMR calls moto 5.2.5 lacks: managed scaling, auto-termination, instance fleets."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import cluster_state, wait_for

pytestmark = pytest.mark.integration  # the emulator's server

POLICY = {"ComputeLimits": {"UnitType": "Instances", "MinimumCapacityUnits": 1, "MaximumCapacityUnits": 5}}


def test_managed_scaling_policy_put_get_remove(emr: Any, make_cluster: Any) -> None:
    cluster_id = make_cluster()
    assert "ManagedScalingPolicy" not in emr.get_managed_scaling_policy(ClusterId=cluster_id)
    emr.put_managed_scaling_policy(ClusterId=cluster_id, ManagedScalingPolicy=POLICY)
    assert emr.get_managed_scaling_policy(ClusterId=cluster_id)["ManagedScalingPolicy"] == POLICY
    emr.remove_managed_scaling_policy(ClusterId=cluster_id)
    assert "ManagedScalingPolicy" not in emr.get_managed_scaling_policy(ClusterId=cluster_id)


def test_managed_scaling_policy_on_terminated_cluster(emr: Any, make_cluster: Any) -> None:
    cluster_id = make_cluster()
    emr.put_managed_scaling_policy(ClusterId=cluster_id, ManagedScalingPolicy=POLICY)
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    wait_for(lambda: cluster_state(emr, cluster_id) == "TERMINATED")
    assert "ManagedScalingPolicy" not in emr.get_managed_scaling_policy(ClusterId=cluster_id)
    with pytest.raises(ClientError, match="may not be modified"):
        emr.put_managed_scaling_policy(ClusterId=cluster_id, ManagedScalingPolicy=POLICY)
    emr.remove_managed_scaling_policy(ClusterId=cluster_id)  # destroy after terminate must not fail


def test_auto_termination_policy_put_get_remove(emr: Any, make_cluster: Any) -> None:
    cluster_id = make_cluster(AutoTerminationPolicy={"IdleTimeout": 3600})
    assert emr.get_auto_termination_policy(ClusterId=cluster_id)["AutoTerminationPolicy"] == {"IdleTimeout": 3600}
    emr.put_auto_termination_policy(ClusterId=cluster_id, AutoTerminationPolicy={"IdleTimeout": 7200})
    assert emr.get_auto_termination_policy(ClusterId=cluster_id)["AutoTerminationPolicy"] == {"IdleTimeout": 7200}
    emr.remove_auto_termination_policy(ClusterId=cluster_id)
    assert "AutoTerminationPolicy" not in emr.get_auto_termination_policy(ClusterId=cluster_id)


def test_unknown_cluster_is_a_validation_error_where_no_other_is_declared(emr: Any) -> None:
    """GetManagedScalingPolicy declares no error (botocore's model); the AWS provider's findManagedScalingPolicy
    reads EMR's answer for a cluster it does not know as ValidationException "… is not valid"."""
    with pytest.raises(ClientError) as err:
        emr.get_managed_scaling_policy(ClusterId="j-DOESNOTEXIST")
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "is not valid" in err.value.response["Error"]["Message"]


def test_list_instance_fleets(emr: Any, make_cluster: Any) -> None:
    groups_cluster = make_cluster()
    assert emr.list_instance_fleets(ClusterId=groups_cluster)["InstanceFleets"] == []
    fleets = [
        {"Name": "master", "InstanceFleetType": "MASTER", "TargetOnDemandCapacity": 1,
         "InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}]},
        {"Name": "core", "InstanceFleetType": "CORE", "TargetSpotCapacity": 4,
         "InstanceTypeConfigs": [{"InstanceType": "r5.2xlarge", "WeightedCapacity": 2,
                                  "BidPriceAsPercentageOfOnDemandPrice": 80.0}]},
    ]
    cluster_id = make_cluster(Instances={"InstanceFleets": fleets, "KeepJobFlowAliveWhenNoSteps": True})
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert cluster["InstanceCollectionType"] == "INSTANCE_FLEET"
    listed = emr.list_instance_fleets(ClusterId=cluster_id)["InstanceFleets"]
    assert [(f["InstanceFleetType"], f["ProvisionedSpotCapacity"]) for f in listed] == [("MASTER", 0), ("CORE", 4)]
    assert listed[1]["InstanceTypeSpecifications"][0]["WeightedCapacity"] == 2
    assert listed == emr.list_instance_fleets(ClusterId=cluster_id)["InstanceFleets"]  # stable ids


def _fleet_cluster(make_cluster: Any, **instances: Any) -> str:
    fleets = [{"InstanceFleetType": "MASTER", "TargetOnDemandCapacity": 1,
               "InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}]}]
    return make_cluster(Instances={"InstanceFleets": fleets, "KeepJobFlowAliveWhenNoSteps": True, **instances})


def test_add_and_modify_task_fleet(emr: Any, make_cluster: Any) -> None:
    cluster_id = _fleet_cluster(make_cluster, Ec2SubnetIds=["subnet-a", "subnet-b"])
    task = {"Name": "task", "InstanceFleetType": "TASK", "TargetSpotCapacity": 8,
            "InstanceTypeConfigs": [{"InstanceType": "r5.2xlarge", "WeightedCapacity": 2,
                                     "EbsConfiguration": {"EbsBlockDeviceConfigs": [{
                                         "VolumeSpecification": {"VolumeType": "gp3", "SizeInGB": 64},
                                         "VolumesPerInstance": 2}]}}],
            "LaunchSpecifications": {"SpotSpecification": {"TimeoutDurationMinutes": 15,
                                                           "TimeoutAction": "SWITCH_TO_ON_DEMAND"}}}
    added = emr.add_instance_fleet(ClusterId=cluster_id, InstanceFleet=task)
    listed = {f["Id"]: f for f in emr.list_instance_fleets(ClusterId=cluster_id)["InstanceFleets"]}
    fleet = listed[added["InstanceFleetId"]]
    assert (fleet["InstanceFleetType"], fleet["ProvisionedSpotCapacity"]) == ("TASK", 8)
    assert fleet["LaunchSpecifications"] == task["LaunchSpecifications"]
    devices = fleet["InstanceTypeSpecifications"][0]["EbsBlockDevices"]
    assert [d["VolumeSpecification"]["SizeInGB"] for d in devices] == [64, 64]  # one per volume, like EMR
    with pytest.raises(ClientError, match="already has a TASK"):
        emr.add_instance_fleet(ClusterId=cluster_id, InstanceFleet=task)

    emr.modify_instance_fleet(ClusterId=cluster_id, InstanceFleet={
        "InstanceFleetId": added["InstanceFleetId"], "TargetOnDemandCapacity": 0, "TargetSpotCapacity": 0})
    fleet = lambda: {f["Id"]: f for f in emr.list_instance_fleets(  # noqa: E731
        ClusterId=cluster_id)["InstanceFleets"]}[added["InstanceFleetId"]]
    # the fleet resizes (its nodes decommission) and then provisions nothing (local_emr/cluster/scaling.py)
    wait_for(lambda: (fleet()["TargetSpotCapacity"], fleet()["ProvisionedSpotCapacity"]) == (0, 0))
    assert fleet()["Status"]["State"] == "RUNNING"
    attributes = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Ec2InstanceAttributes"]
    assert attributes["RequestedEc2SubnetIds"] == ["subnet-a", "subnet-b"] and attributes["Ec2SubnetId"] == "subnet-a"


def test_fleet_calls_are_refused_where_emr_refuses_them(emr: Any, make_cluster: Any) -> None:
    groups_cluster = make_cluster()
    task = {"InstanceFleetType": "TASK", "InstanceTypeConfigs": [{"InstanceType": "m5.xlarge"}]}
    with pytest.raises(ClientError, match="uses instance fleets"):
        emr.add_instance_fleet(ClusterId=groups_cluster, InstanceFleet=task)
    fleet_cluster = _fleet_cluster(make_cluster)
    emr.terminate_job_flows(JobFlowIds=[fleet_cluster])
    with pytest.raises(ClientError, match="running or waiting"):
        emr.modify_instance_fleet(ClusterId=fleet_cluster, InstanceFleet={"InstanceFleetId": "if-X",
                                                                           "TargetSpotCapacity": 0})


def test_instance_group_autoscaling_and_ebs_read_back(emr: Any, make_cluster: Any) -> None:
    policy = {"Constraints": {"MinCapacity": 0, "MaxCapacity": 4}, "Rules": [{
        "Name": "out", "Action": {"SimpleScalingPolicyConfiguration": {"ScalingAdjustment": 1}},
        "Trigger": {"CloudWatchAlarmDefinition": {
            "ComparisonOperator": "LESS_THAN", "MetricName": "YARNMemoryAvailablePercentage", "Period": 300,
            "Threshold": 15.0, "Dimensions": [{"Key": "JobFlowId", "Value": "${emr.clusterId}"}]}}}]}
    cluster_id = make_cluster()
    group_id = emr.add_instance_groups(JobFlowId=cluster_id, InstanceGroups=[{
        "InstanceRole": "TASK", "InstanceType": "r5.2xlarge", "InstanceCount": 1, "EbsConfiguration": {
            "EbsBlockDeviceConfigs": [{"VolumeSpecification": {"VolumeType": "gp3", "SizeInGB": 256,
                                                               "Throughput": 250}, "VolumesPerInstance": 2}]}}],
    )["InstanceGroupIds"][0]
    assert re.fullmatch(r"ig-[A-Z0-9]{13}", group_id)  # EMR's form (MG emr-manage-resize)
    put = emr.put_auto_scaling_policy(ClusterId=cluster_id, InstanceGroupId=group_id, AutoScalingPolicy=policy)
    assert put["AutoScalingPolicy"]["Status"]["State"] == "PENDING"  # until the scaling engine has it
    assert put["AutoScalingPolicy"]["Rules"][0]["Trigger"]["CloudWatchAlarmDefinition"]["Dimensions"] == [
        {"Key": "JobFlowId", "Value": cluster_id}]
    with pytest.raises(ClientError, match="ValidationException.*ig-NOPE"):
        emr.put_auto_scaling_policy(ClusterId=cluster_id, InstanceGroupId="ig-NOPE", AutoScalingPolicy=policy)
    group = {g["Id"]: g for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]}[group_id]
    rule = group["AutoScalingPolicy"]["Rules"][0]
    assert group["AutoScalingPolicy"]["Constraints"] == policy["Constraints"]
    assert rule["Trigger"]["CloudWatchAlarmDefinition"]["Dimensions"] == [{"Key": "JobFlowId", "Value": cluster_id}]
    assert [d["VolumeSpecification"] for d in group["EbsBlockDevices"]] == [
        {"VolumeType": "gp3", "SizeInGB": 256, "Throughput": 250}] * 2
    emr.remove_auto_scaling_policy(ClusterId=cluster_id, InstanceGroupId=group_id)
    group = {g["Id"]: g for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]}[group_id]
    assert "AutoScalingPolicy" not in group


def test_a_group_added_to_a_running_cluster_provisions_then_runs(emr: Any, make_cluster: Any) -> None:
    """The scaling engine provisions it (local_emr/cluster/scaling.py): PROVISIONING with no running instance until its
    nodes have joined (the provider's aws_emr_instance_group waits through PROVISIONING for RUNNING)."""
    cluster_id = make_cluster()
    group_id = emr.add_instance_groups(JobFlowId=cluster_id, InstanceGroups=[
        {"InstanceRole": "TASK", "InstanceType": "m5.xlarge", "InstanceCount": 2}])["InstanceGroupIds"][0]
    group = lambda: next(g for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]  # noqa: E731
                         if g["Id"] == group_id)
    first = group()
    assert (first["Status"]["State"], first["RequestedInstanceCount"], first["RunningInstanceCount"]) == (
        "PROVISIONING", 2, 0)
    wait_for(lambda: group()["Status"]["State"] == "RUNNING")
    assert group()["RunningInstanceCount"] == 2
    listed = emr.list_instances(ClusterId=cluster_id, InstanceGroupId=group_id)["Instances"]
    assert [i["Status"]["State"] for i in listed] == ["RUNNING", "RUNNING"]


def test_an_instance_group_the_cluster_lacks_is_a_400_naming_it(emr: Any, make_cluster: Any) -> None:
    """Not moto's HTTP 500 (SDKs retry a 500 for about 10 s before showing it): the common ValidationException,
    since none of these operations declares an error of its own (botocore's service model)."""
    cluster_id = make_cluster()
    calls = [
        lambda: emr.modify_instance_groups(ClusterId=cluster_id, InstanceGroups=[
            {"InstanceGroupId": "ig-NOSUCHGROUP00", "InstanceCount": 2}]),
        lambda: emr.modify_instance_groups(InstanceGroups=[{"InstanceGroupId": "ig-NOSUCHGROUP00", "InstanceCount": 2}]),
        lambda: emr.remove_auto_scaling_policy(ClusterId=cluster_id, InstanceGroupId="ig-NOSUCHGROUP00"),
        lambda: emr.remove_auto_scaling_policy(ClusterId=cluster_id, InstanceGroupId=""),
    ]
    for call in calls:
        with pytest.raises(ClientError) as caught:
            call()
        error = caught.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert error["Error"]["Code"] == "ValidationException" and "is not valid" in error["Error"]["Message"]
    other = make_cluster()
    theirs = emr.list_instance_groups(ClusterId=other)["InstanceGroups"][0]["Id"]
    with pytest.raises(ClientError, match="ValidationException.*is not valid"):  # a group of another cluster
        emr.modify_instance_groups(ClusterId=cluster_id, InstanceGroups=[{"InstanceGroupId": theirs,
                                                                          "InstanceCount": 2}])
    emr.terminate_job_flows(JobFlowIds=[other])
    wait_for(lambda: cluster_state(emr, other) == "TERMINATED")
    with pytest.raises(ClientError, match="only be modified when the cluster is running or waiting"):
        emr.modify_instance_groups(InstanceGroups=[{"InstanceGroupId": theirs, "InstanceCount": 2}])


def test_describe_cluster_returns_the_log_uri_in_emrs_form(emr: Any, make_cluster: Any) -> None:
    cluster_id = make_cluster(log_bucket="le-log-uri-form")
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["LogUri"] == "s3n://le-log-uri-form/logs/"


def test_describe_cluster_lists_each_application_with_its_version(emr: Any, make_cluster: Any) -> None:
    """mrjob builds its version table from these and fails on a missing Version (mrjob/emr.py _store_cluster_info)."""
    cluster_id = make_cluster(ReleaseLabel="emr-6.5.0", Applications=[{"Name": "Hadoop"}, {"Name": "spark"}])
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Applications"] == [
        {"Name": "Hadoop", "Version": "3.2.1"}, {"Name": "spark", "Version": "3.1.2"}]
