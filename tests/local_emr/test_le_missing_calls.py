"""The EMR calls moto 5.2.5 lacks: managed scaling, auto-termination, instance fleets."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import cluster_state, wait_for

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


def test_unknown_cluster_is_an_invalid_request(emr: Any) -> None:
    with pytest.raises(ClientError) as err:
        emr.get_managed_scaling_policy(ClusterId="j-DOESNOTEXIST")
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"


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
