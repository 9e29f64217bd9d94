"""The cluster's EC2 instances as ListInstances shows them, with timelines that follow the emulated lifecycle.

moto 5.2.5 lists instances only for clusters made with InstanceGroups (none for the MasterInstanceType /
InstanceCount form, none for fleets), says RUNNING with ReadyDateTime = CreationDateTime from the start,
and never adds or ends instances when a group or fleet is resized. Here each cluster keeps instance records
(``EmulatedCluster.instance_records``) reconciled with its groups and fleets whenever they may change
(RunJobFlow, Add/ModifyInstanceGroups, Add/ModifyInstanceFleet, ListInstances):

- CreationDateTime: the cluster's creation for the instances it started with, the moment of the resize for
  the others (EMR provisions them then);
- ReadyDateTime: when the cluster first became WAITING (boot and bootstrap done), or the creation of an
  instance added later;
- EndDateTime: the cluster's end, or the moment a resize shrank the group or fleet (the newest go first);
- State: PROVISIONING while the cluster is STARTING, BOOTSTRAPPING, RUNNING, TERMINATED
  (https://docs.aws.amazon.com/emr/latest/APIReference/API_InstanceStatus.html).

Market and InstanceType come from the group, or from the fleet's first InstanceTypeConfig (TargetOnDemand
and TargetSpotCapacity units, divided by its WeightedCapacity, rounded up).
"""
from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.core.utils import utcnow

from .models import ENDED_CLUSTER_STATES, EmulatedCluster, emr_timestamp


def ebs_block_devices(ebs_configuration: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One EbsBlockDevice per attached volume of an EbsConfiguration (API spelling), as EMR lists them: /dev/sdb,
    /dev/sdc, ... (the provider counts them back)."""
    devices = []
    for config in (ebs_configuration or {}).get("EbsBlockDeviceConfigs", []):
        for _ in range(int(config.get("VolumesPerInstance", 1))):
            devices.append({"VolumeSpecification": dict(config.get("VolumeSpecification", {})),
                            "Device": f"/dev/sd{chr(98 + len(devices))}"})
    return devices


@dataclass
class InstanceRecord:
    id: str
    ec2_id: str
    instance_type: str
    market: str
    created: datetime
    group_id: str | None = None
    fleet_id: str | None = None
    ended: datetime | None = None
    devices: list[str] = field(default_factory=list)
    volume_ids: list[str] = field(default_factory=list)
    ready: datetime | None = None  # set by the scaling engine (local_emr/cluster/scaling.py) for the nodes it runs
    scaled: bool = False  # its group or fleet is sized by the scaling engine, not by sync()
    private_ip: str = field(default_factory=lambda: "10.0.{}.{}".format(*random.choices(range(1, 255), k=2)))


def _rand(prefix: str, n: int = 13, alphabet: str = string.ascii_uppercase + string.digits) -> str:
    return prefix + "".join(random.choices(alphabet, k=n))


def _new(instance_type: str, market: str, created: datetime, devices: list[str], *, group_id: str | None = None,
         fleet_id: str | None = None, ids: tuple[str, str] | None = None) -> InstanceRecord:
    emr_id, ec2_id = ids or (_rand("ci-"), _rand("i-", 17, string.hexdigits.lower()[:16]))
    return InstanceRecord(emr_id, ec2_id, instance_type, market, created, group_id, fleet_id, None, list(devices),
                          [_rand("vol-", 17, string.hexdigits.lower()[:16]) for _ in devices])


def new_record(cluster: EmulatedCluster, instance_type: str, market: str, created: datetime, *,
               group_id: str | None = None, fleet_id: str | None = None) -> InstanceRecord:
    """An instance of a group or fleet, with that group's or fleet's EBS devices."""
    return _new(instance_type, market, created, devices_of(cluster, group_id, fleet_id), group_id=group_id,
                fleet_id=fleet_id)


def devices_of(cluster: EmulatedCluster, group_id: str | None, fleet_id: str | None) -> list[str]:
    for group in cluster.instance_groups:
        if group.id == group_id:
            return [d["Device"] for d in group.ebs_block_devices]
    for fid, req in zip(cluster.fleet_ids, cluster.requested_fleets):
        if fid == fleet_id:
            config = (req.get("InstanceTypeConfigs") or [{}])[0]
            return [d["Device"] for d in ebs_block_devices(config.get("EbsConfiguration"))]
    return []


def _resize(records: list[InstanceRecord], want: int, now: datetime, make: Any) -> list[InstanceRecord]:
    """End open records (newest first) or make new ones (``make(now)``) until ``want`` are open; the new ones."""
    open_ = [r for r in records if r.ended is None]
    for r in open_[want:]:
        r.ended = now
    return [make(now) for _ in range(want - len(open_))]


def sync(cluster: EmulatedCluster, now: datetime | None = None) -> list[InstanceRecord]:
    """Bring the cluster's instance records in line with its groups and fleets (changes dated ``now``, by
    default the present); return them. RunJobFlow's hook passes the cluster's creation."""
    records: list[InstanceRecord] = cluster.instance_records
    if cluster.state in ENDED_CLUSTER_STATES:
        for r in records:
            r.ended = r.ended or cluster.end_datetime
        return records
    now = now or utcnow()
    scaled = getattr(cluster, "scaled_pool_ids", set())  # sized by local_emr/cluster/scaling.py, record by record
    for group in cluster.instance_groups:
        if group.id in scaled:
            continue
        mine = [r for r in records if r.group_id == group.id]
        devices = devices_of(cluster, group.id, None)
        # moto's own instances of the group keep their EC2 ids (bootstrap logs name the master's); the EMR id is
        # always EMR's ci- form
        moto_ids = iter([(_rand("ci-"), i.ec2_instance_id) for i in getattr(cluster, "ec2_instances", [])
                         if i.instance_group.id == group.id] if not mine else [])
        records += _resize(mine, int(group.num_instances), now, lambda at, g=group, d=devices: _new(
            g.instance_type, g.market, at, d, group_id=g.id, ids=next(moto_ids, None)))
    for fleet_id, req in zip(cluster.fleet_ids, cluster.requested_fleets):
        if fleet_id in scaled:
            continue
        config = (req.get("InstanceTypeConfigs") or [{}])[0]
        itype, weight = config.get("InstanceType", ""), int(config.get("WeightedCapacity") or 1)
        devices = devices_of(cluster, None, fleet_id)
        for market, units in (("ON_DEMAND", req.get("TargetOnDemandCapacity", 0)),
                              ("SPOT", req.get("TargetSpotCapacity", 0))):
            mine = [r for r in records if r.fleet_id == fleet_id and r.market == market]
            records += _resize(mine, math.ceil(int(units or 0) / weight), now,
                               lambda at, m=market: _new(itype, m, at, devices, fleet_id=fleet_id))
    return records


_STATE = {"STARTING": "PROVISIONING", "BOOTSTRAPPING": "BOOTSTRAPPING"}


def private_dns_name(ip: str, region: str) -> str:
    """EC2's IP-based private host name (EC2 User Guide, "EC2 instance hostname types"): ip-10-0-1-2.ec2.internal
    in us-east-1, ip-10-0-1-2.<region>.compute.internal elsewhere."""
    host = "ip-" + ip.replace(".", "-")
    return f"{host}.ec2.internal" if region == "us-east-1" else f"{host}.{region}.compute.internal"


def _region(cluster: EmulatedCluster) -> str:
    return str(getattr(getattr(cluster, "emr_backend", None), "region_name", "us-east-1"))


def _ms(dt: datetime) -> float | None:
    """EMR's timestamps have milliseconds (DescribeCluster's, from moto, are cut to them too)."""
    return emr_timestamp(dt.replace(microsecond=dt.microsecond // 1000 * 1000))


def view(cluster: EmulatedCluster, r: InstanceRecord) -> dict[str, Any]:
    """One Instance of ListInstances."""
    ready = r.ready if r.scaled and r.ready is not None else cluster.ready_datetime
    if ready is not None and r.created > ready and not r.scaled:
        ready = r.created
    if r.scaled and r.ready is None and r.created > (cluster.ready_datetime or r.created):
        ready = None  # a node the scaling engine is still provisioning
    if r.ended is not None and (ready is None or ready > r.ended):
        ready = None
    timeline = {"CreationDateTime": _ms(r.created)}
    if ready is not None:
        timeline["ReadyDateTime"] = _ms(ready)
    if r.ended is not None:
        timeline["EndDateTime"] = _ms(r.ended)
    state = "TERMINATED" if r.ended is not None else "RUNNING" if ready else _STATE.get(cluster.state, "PROVISIONING")
    out: dict[str, Any] = {
        "Id": r.id, "Ec2InstanceId": r.ec2_id, "Status": {"State": state, "StateChangeReason": {}, "Timeline": timeline},
        "Market": r.market, "InstanceType": r.instance_type,
        "EbsVolumes": [{"Device": d, "VolumeId": v} for d, v in zip(r.devices, r.volume_ids)],
        # Private subnets (the stacks' default): no public name or address.
        "PrivateIpAddress": r.private_ip, "PrivateDnsName": private_dns_name(r.private_ip, _region(cluster)),
    }
    if r.group_id:
        out["InstanceGroupId"] = r.group_id
    if r.fleet_id:
        out["InstanceFleetId"] = r.fleet_id
    return out
