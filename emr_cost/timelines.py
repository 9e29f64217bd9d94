"""A cluster's instance timelines as EMR tells them: what emr_cost.usage prices.

The caller passes ``call(operation, **params) -> response``: the step runner its EmrAdapter's call (its
retries, typed errors and call count), `emr-cost cluster` a plain boto3 client's. Pagination and the
mapping from EMR's shapes are here, once.

EMR calls (https://docs.aws.amazon.com/emr/latest/APIReference/):
- DescribeCluster: InstanceCollectionType, ReleaseLabel, EbsRootVolumeSize / Iops / Throughput.
- ListInstances (API_ListInstances.html, Marker pages): per instance InstanceType, Market, InstanceGroupId or
  InstanceFleetId, Status.Timeline (CreationDateTime, ReadyDateTime, EndDateTime). Its EbsVolumes give only
  Device and VolumeId (API_EbsVolume.html), so the volumes' type and size come from:
- ListInstanceGroups (EbsBlockDevices[].VolumeSpecification per group) or ListInstanceFleets
  (InstanceTypeSpecifications[].EbsBlockDevices per instance type).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from emr_contract import ebs

from .usage import Instance, Volume

Call = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class ClusterUsage:
    cluster_id: str
    region: str
    created: datetime | None
    ended: datetime | None
    instances: tuple[Instance, ...]


def pages(call: Call, operation: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
    """Every item of a Marker-paginated EMR list."""
    while True:
        page = call(operation, **params)
        yield from page.get(key) or []
        if not page.get("Marker"):
            return
        params["Marker"] = page["Marker"]


def volumes(block_devices: list[dict[str, Any]] | None) -> tuple[Volume, ...]:
    """EbsBlockDevices (one entry per attached volume) as Volumes."""
    out = []
    for device in block_devices or []:
        spec = device.get("VolumeSpecification") or {}
        if spec.get("VolumeType") and spec.get("SizeInGB"):
            out.append(Volume(spec["VolumeType"], int(spec["SizeInGB"]), spec.get("Iops"), spec.get("Throughput")))
    return tuple(out)


def root_volume(cluster: dict[str, Any]) -> Volume | None:
    """Each instance's EBS root volume. https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-custom-ami-root-volume-size.html:
    "The default root volume size is 15 GiB in Amazon EMR 6.10.0 and higher. Earlier releases have a default
    root volume size of 10 GiB", and with the default AMI it is gp3 from 6.15.0, gp2 before. None when neither
    the size nor the release is known."""
    label = cluster.get("ReleaseLabel")
    size = cluster.get("EbsRootVolumeSize")
    if size is None:
        size = ebs.default_root_volume_size_gib(label)
    if size is None:
        return None
    gp3 = ebs.default_root_volume_type(label) == "gp3" or bool(
        cluster.get("EbsRootVolumeIops") or cluster.get("EbsRootVolumeThroughput"))
    if gp3:
        return Volume("gp3", int(size), cluster.get("EbsRootVolumeIops"), cluster.get("EbsRootVolumeThroughput"))
    return Volume("gp2", int(size))


def instances_from(cluster: dict[str, Any], listed: list[dict[str, Any]], groups: list[dict[str, Any]],
                   fleets: list[dict[str, Any]]) -> tuple[Instance, ...]:
    """ListInstances' instances with their market and volumes (from their group or fleet) and the root volume."""
    root = root_volume(cluster)
    by_group = {g["Id"]: g for g in groups if "Id" in g}
    by_fleet = {f["Id"]: {s.get("InstanceType"): volumes(s.get("EbsBlockDevices"))
                          for s in f.get("InstanceTypeSpecifications") or []} for f in fleets if "Id" in f}
    out = []
    for inst in listed:
        group = by_group.get(inst.get("InstanceGroupId") or "")
        itype = inst.get("InstanceType") or (group or {}).get("InstanceType") or ""
        if group is not None:
            vols = volumes(group.get("EbsBlockDevices"))
        else:
            vols = by_fleet.get(inst.get("InstanceFleetId") or "", {}).get(itype, ())
        market = inst.get("Market") or (group or {}).get("Market") or "ON_DEMAND"
        timeline = (inst.get("Status") or {}).get("Timeline") or {}
        out.append(Instance(inst.get("Id") or inst.get("Ec2InstanceId") or "?", itype, market,
                            timeline.get("CreationDateTime"), timeline.get("EndDateTime"),
                            ((root,) if root else ()) + vols))
    return tuple(out)


@dataclass(frozen=True)
class ClusterDescription:
    """What EMR says of a cluster: DescribeCluster's Cluster, its groups or fleets, every instance it listed."""

    cluster: dict[str, Any]
    groups: list[dict[str, Any]]
    fleets: list[dict[str, Any]]
    listed: list[dict[str, Any]]


def describe_cluster(call: Call, cluster_id: str) -> ClusterDescription:
    """DescribeCluster, ListInstanceGroups or ListInstanceFleets, then every page of ListInstances."""
    cluster = call("DescribeCluster", ClusterId=cluster_id)["Cluster"]
    groups: list[dict[str, Any]] = []
    fleets: list[dict[str, Any]] = []
    if cluster.get("InstanceCollectionType") == "INSTANCE_FLEET":
        fleets = list(pages(call, "ListInstanceFleets", "InstanceFleets", ClusterId=cluster_id))
    else:
        groups = list(pages(call, "ListInstanceGroups", "InstanceGroups", ClusterId=cluster_id))
    listed = list(pages(call, "ListInstances", "Instances", ClusterId=cluster_id))
    return ClusterDescription(cluster, groups, fleets, listed)


def read_cluster(call: Call, cluster_id: str, region: str) -> ClusterUsage:
    """The cluster's life and its instances, priced by usage.py."""
    d = describe_cluster(call, cluster_id)
    cluster, groups, fleets, listed = d.cluster, d.groups, d.fleets, d.listed
    timeline = (cluster.get("Status") or {}).get("Timeline") or {}
    return ClusterUsage(cluster_id, region, timeline.get("CreationDateTime"), timeline.get("EndDateTime"),
                        instances_from(cluster, listed, groups, fleets))
