"""emr_cost.timelines: EMR's answers (botocore Stubber, exact calls) as instances with market, volumes, times."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import boto3
from botocore import xform_name
from botocore.stub import Stubber

from emr_cost.timelines import read_cluster, root_volume
from emr_cost.usage import Volume

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
T1 = datetime(2026, 11, 25, 13, 0, tzinfo=timezone.utc)


def _client() -> tuple[Any, Stubber]:
    emr = boto3.client("emr", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    return emr, Stubber(emr)


def _call(client: Any):  # type: ignore[no-untyped-def]
    return lambda operation, **params: getattr(client, xform_name(operation))(**params)


def _instance(iid: str, itype: str, market: str, *, group: str | None = None, fleet: str | None = None,
              end: datetime | None = None) -> dict[str, Any]:
    timeline: dict[str, Any] = {"CreationDateTime": T0, "ReadyDateTime": T0}
    if end:
        timeline["EndDateTime"] = end
    out: dict[str, Any] = {"Id": iid, "InstanceType": itype, "Market": market,
                           "Status": {"State": "TERMINATED" if end else "RUNNING", "Timeline": timeline}}
    if group:
        out["InstanceGroupId"] = group
    if fleet:
        out["InstanceFleetId"] = fleet
    return out


def test_instance_groups_all_pages_with_group_volumes_and_the_root_volume() -> None:
    emr, stub = _client()
    stub.add_response("describe_cluster", {"Cluster": {
        "Id": "j-1", "Name": "c", "InstanceCollectionType": "INSTANCE_GROUP", "ReleaseLabel": "emr-7.5.0",
        "EbsRootVolumeSize": 20, "Status": {"State": "WAITING", "Timeline": {"CreationDateTime": T0}}}},
        {"ClusterId": "j-1"})
    gp3 = {"VolumeSpecification": {"VolumeType": "gp3", "SizeInGB": 64, "Iops": 3000, "Throughput": 250},
           "Device": "/dev/sdb"}
    stub.add_response("list_instance_groups", {"InstanceGroups": [
        {"Id": "ig-M", "Market": "ON_DEMAND", "InstanceType": "m5.xlarge", "EbsBlockDevices": []},
        {"Id": "ig-C", "Market": "SPOT", "InstanceType": "r5.xlarge", "EbsBlockDevices": [gp3, gp3]}]},
        {"ClusterId": "j-1"})
    stub.add_response("list_instances", {"Instances": [_instance("ci-1", "m5.xlarge", "ON_DEMAND", group="ig-M")],
                                         "Marker": "p2"}, {"ClusterId": "j-1"})
    stub.add_response("list_instances", {"Instances": [_instance("ci-2", "r5.xlarge", "SPOT", group="ig-C", end=T1)]},
                      {"ClusterId": "j-1", "Marker": "p2"})
    with stub:
        usage = read_cluster(_call(emr), "j-1", "eu-west-1")
    stub.assert_no_pending_responses()
    root = Volume("gp3", 20, None, None)
    assert [(i.instance_id, i.market, i.start, i.end, i.volumes) for i in usage.instances] == [
        ("ci-1", "ON_DEMAND", T0, None, (root,)),
        ("ci-2", "SPOT", T0, T1, (root, Volume("gp3", 64, 3000, 250), Volume("gp3", 64, 3000, 250)))]
    assert usage.created == T0 and usage.ended is None and usage.region == "eu-west-1"


def test_instance_fleets_take_the_volumes_of_the_instance_type_that_was_launched() -> None:
    emr, stub = _client()
    stub.add_response("describe_cluster", {"Cluster": {
        "Id": "j-2", "Name": "c", "InstanceCollectionType": "INSTANCE_FLEET", "ReleaseLabel": "emr-6.9.0",
        "Status": {"State": "TERMINATED", "Timeline": {"CreationDateTime": T0, "EndDateTime": T1}}}},
        {"ClusterId": "j-2"})
    stub.add_response("list_instance_fleets", {"InstanceFleets": [{"Id": "if-C", "InstanceTypeSpecifications": [
        {"InstanceType": "m5.xlarge", "EbsBlockDevices": []},
        {"InstanceType": "r5.xlarge", "EbsBlockDevices": [
            {"VolumeSpecification": {"VolumeType": "gp2", "SizeInGB": 32}, "Device": "/dev/sdb"}]}]}]},
        {"ClusterId": "j-2"})
    stub.add_response("list_instances", {"Instances": [_instance("ci-3", "r5.xlarge", "SPOT", fleet="if-C", end=T1)]},
                      {"ClusterId": "j-2"})
    with stub:
        usage = read_cluster(_call(emr), "j-2", "eu-west-1")
    (inst,) = usage.instances
    assert inst.volumes == (Volume("gp2", 10), Volume("gp2", 32))  # emr-6.9.0: a 10 GiB gp2 root volume
    assert usage.ended == T1


def test_root_volume_defaults_by_release() -> None:
    assert root_volume({"ReleaseLabel": "emr-6.10.0"}) == Volume("gp2", 15)
    assert root_volume({"ReleaseLabel": "emr-6.15.0"}) == Volume("gp3", 15)
    assert root_volume({"ReleaseLabel": "emr-5.36.2", "EbsRootVolumeSize": 50}) == Volume("gp2", 50)
    assert root_volume({}) is None


def test_a_price_book_opens_from_its_source_name() -> None:
    import pytest

    from emr_cost.prices import open_price_book

    assert open_price_book("snapshot").describe()
    with pytest.raises(ValueError, match="snapshot or live"):
        open_price_book("cheap")
