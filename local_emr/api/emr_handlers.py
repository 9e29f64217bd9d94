"""EMR operations moto 5.2.5 lacks, and hooks that run after the ones it has.

Handlers take the parsed JSON request and return the JSON response dict, or raise EmrError.
They run with the shared lock held, so they may touch moto's EMR backend freely.

It stays one module: it is the emulator's one table of EMR operations (overrides, checks before moto,
hooks after), each entry a short function.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moto.emr.models import ElasticMapReduceBackend, emr_backends
from moto.utilities.utils import CamelToUnderscoresWalker

from emr_contract.steps import ERR_CLUSTER_NOT_FOUND, ERR_JOB_FLOW_NOT_FOUND

from ..cluster import instances
from ..cluster.lifecycle import Lifecycle
from ..cluster.models import SHUTDOWN_MESSAGE, EmulatedCluster, adopt_cluster, emr_timestamp
from ..cluster.scaling import camel_keys
from ..steps.model import EmrApiError as EmrError


@dataclass(frozen=True)
class RequestContext:
    account_id: str
    region: str
    lifecycle: Lifecycle

    @property
    def backend(self) -> ElasticMapReduceBackend:
        return emr_backends[self.account_id][self.region]

    def cluster(self, params: dict[str, Any], key: str = "ClusterId") -> EmulatedCluster:
        """The cluster a request names; an unknown id is refused in EMR's words, which differ between the
        JobFlow operations (``key="JobFlowId"``) and the others (emr_contract.steps)."""
        cluster_id = params.get(key)
        if not cluster_id:
            raise EmrError("ValidationException", f"{key} is required.")
        cluster = self.backend.clusters.get(cluster_id)
        if cluster is None:
            if key == "JobFlowId":
                raise EmrError.of(ERR_JOB_FLOW_NOT_FOUND)
            raise EmrError.of(ERR_CLUSTER_NOT_FOUND, cluster_id=cluster_id)
        if not isinstance(cluster, EmulatedCluster):
            raise EmrError("InvalidRequestException", f"Cluster '{cluster_id}' was not created through this emulator.")
        return cluster

    def active_cluster(self, params: dict[str, Any]) -> EmulatedCluster:
        cluster = self.cluster(params)
        if not cluster.is_active:
            raise EmrError("ValidationException", SHUTDOWN_MESSAGE)
        return cluster


Handler = Callable[[RequestContext, dict[str, Any]], dict[str, Any]]
PostHook = Callable[[RequestContext, dict[str, Any], dict[str, Any]], None]


# ---- managed scaling --------------------------------------------------------------------------

def put_managed_scaling_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    cluster = ctx.active_cluster(params)
    policy = params.get("ManagedScalingPolicy") or {}
    limits = policy.get("ComputeLimits") or {}
    for key in ("UnitType", "MinimumCapacityUnits", "MaximumCapacityUnits"):
        if key not in limits:
            raise EmrError("ValidationException", f"ManagedScalingPolicy.ComputeLimits.{key} is required.")
    if limits["MinimumCapacityUnits"] > limits["MaximumCapacityUnits"]:
        raise EmrError("ValidationException", "MinimumCapacityUnits must not exceed MaximumCapacityUnits.")
    cluster.managed_scaling_policy = policy
    return {}


def get_managed_scaling_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """``{}`` when there is no policy, which is what the AWS provider reads as "gone"."""
    cluster = ctx.cluster(params)
    policy = cluster.managed_scaling_policy if cluster.is_active else None
    return {"ManagedScalingPolicy": policy} if policy else {}


def remove_managed_scaling_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    cluster = ctx.cluster(params)
    cluster.managed_scaling_policy = None
    return {}


# ---- auto-termination ---------------------------------------------------------------------------

def put_auto_termination_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    cluster = ctx.active_cluster(params)
    policy = params.get("AutoTerminationPolicy") or {}
    idle = policy.get("IdleTimeout", 3600)
    if not isinstance(idle, int) or idle < 1 or idle > 604800:
        raise EmrError("ValidationException", "IdleTimeout must be between 60 and 604800 seconds.")
    cluster.auto_termination_policy = {"IdleTimeout": idle}
    return {}


def get_auto_termination_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    cluster = ctx.cluster(params)
    policy = cluster.auto_termination_policy
    return {"AutoTerminationPolicy": policy} if policy else {}


def remove_auto_termination_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    cluster = ctx.cluster(params)
    cluster.auto_termination_policy = None
    return {}


# ---- steps: the strict step model (steps.model), the same rules as the in-process fake -------------

def add_job_flow_steps(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return ctx.cluster(params, key="JobFlowId").book.add_job_flow_steps(params)


def list_steps(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return ctx.cluster(params).book.list_steps(params)


def describe_step(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return ctx.cluster(params).book.describe_step(params)


def cancel_steps(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The model answers; running steps it moved to CANCEL_PENDING get their signal now."""
    cluster = ctx.cluster(params)
    answer = cluster.book.cancel_steps(params)
    ctx.lifecycle.signal_cancels(cluster)
    return answer


def set_keep_job_flow_alive_when_no_steps(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    for cluster_id in params.get("JobFlowIds") or []:
        cluster = ctx.cluster({"JobFlowId": cluster_id}, key="JobFlowId")
        cluster.keep_job_flow_alive_when_no_steps = bool(params.get("KeepJobFlowAliveWhenNoSteps"))
    return {}


# ---- instance fleets -----------------------------------------------------------------------------

def _fleet_id() -> str:
    return "if-" + "".join(random.choices(string.ascii_uppercase + string.digits, k=13))


def _instance_type_specification(cfg: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {"InstanceType": cfg.get("InstanceType"), "WeightedCapacity": cfg.get("WeightedCapacity", 1)}
    for key in ("BidPrice", "BidPriceAsPercentageOfOnDemandPrice", "CustomAmiId", "Priority"):
        if key in cfg:
            spec[key] = cfg[key]
    spec["Configurations"] = cfg.get("Configurations", [])
    spec["EbsBlockDevices"] = instances.ebs_block_devices(cfg.get("EbsConfiguration"))
    spec["EbsOptimized"] = (cfg.get("EbsConfiguration") or {}).get("EbsOptimized", False)
    return spec


def _fleet_view(cluster: EmulatedCluster, fleet_id: str, req: dict[str, Any]) -> dict[str, Any]:
    ended = not cluster.is_active and cluster.state != "TERMINATING"
    on_demand, spot = req.get("TargetOnDemandCapacity", 0), req.get("TargetSpotCapacity", 0)
    progress = getattr(cluster, "fleet_progress", {}).get(fleet_id, {})  # the scaling engine's, while it runs
    fleet = {
        "Id": fleet_id,
        "Name": req.get("Name", ""),
        "Status": {
            "State": "TERMINATED" if ended else progress.get("State", "RUNNING"),
            "StateChangeReason": {},
            "Timeline": {"CreationDateTime": emr_timestamp(cluster.creation_datetime),
                         "ReadyDateTime": emr_timestamp(cluster.ready_datetime)},
        },
        "InstanceFleetType": req.get("InstanceFleetType"),
        "TargetOnDemandCapacity": on_demand,
        "TargetSpotCapacity": spot,
        "ProvisionedOnDemandCapacity": 0 if ended else progress.get("ProvisionedOnDemandCapacity", on_demand),
        "ProvisionedSpotCapacity": 0 if ended else progress.get("ProvisionedSpotCapacity", spot),
        "InstanceTypeSpecifications": [_instance_type_specification(c) for c in req.get("InstanceTypeConfigs", [])],
    }
    for key in ("LaunchSpecifications", "ResizeSpecifications", "Context"):
        if key in req:
            fleet[key] = req[key]
    return fleet


def _ensure_fleet_ids(cluster: EmulatedCluster) -> None:
    while len(cluster.fleet_ids) < len(cluster.requested_fleets):
        cluster.fleet_ids.append(_fleet_id())


def list_instance_fleets(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The fleets RunJobFlow and AddInstanceFleet asked for, fully provisioned; none for instance groups."""
    cluster = ctx.cluster(params)
    _ensure_fleet_ids(cluster)
    return {"InstanceFleets": [_fleet_view(cluster, fid, req)
                               for fid, req in zip(cluster.fleet_ids, cluster.requested_fleets)]}


def add_instance_fleet(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A TASK fleet on a running fleet cluster (at most one, as on EMR); provisioned as a resize is."""
    cluster = ctx.active_cluster(params)
    fleet = dict(params.get("InstanceFleet") or {})
    if cluster.instance_collection_type != "INSTANCE_FLEET":
        raise EmrError("ValidationException", "Instance fleets can only be added to a cluster that uses instance fleets.")
    if fleet.get("InstanceFleetType") != "TASK":
        raise EmrError("ValidationException", "Only a TASK instance fleet can be added to a running cluster.")
    if any(f.get("InstanceFleetType") == "TASK" for f in cluster.requested_fleets):
        raise EmrError("ValidationException", "The cluster already has a TASK instance fleet.")
    if not fleet.get("InstanceTypeConfigs"):
        raise EmrError("ValidationException", "InstanceFleet.InstanceTypeConfigs is required.")
    _ensure_fleet_ids(cluster)
    cluster.requested_fleets.append(fleet)
    cluster.fleet_ids.append(_fleet_id())
    if cluster.scaling_active:  # the scaling engine provisions it (local_emr/cluster/scaling.py)
        cluster.scaled_pool_ids.add(cluster.fleet_ids[-1])
    instances.sync(cluster)
    return {"ClusterId": cluster.id, "InstanceFleetId": cluster.fleet_ids[-1], "ClusterArn": cluster.arn}


def modify_instance_fleet(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """New target capacities; the scaling engine resizes the fleet to them (RESIZING until done), once the
    cluster runs (local_emr/cluster/scaling.py)."""
    cluster = ctx.cluster(params)
    if cluster.state not in ("RUNNING", "WAITING"):
        raise EmrError("InvalidRequestException",
                       "An instance fleet may only be modified when the cluster is running or waiting.")
    change = params.get("InstanceFleet") or {}
    _ensure_fleet_ids(cluster)
    for fleet_id, req in zip(cluster.fleet_ids, cluster.requested_fleets):
        if fleet_id == change.get("InstanceFleetId"):
            for key in ("TargetOnDemandCapacity", "TargetSpotCapacity", "ResizeSpecifications"):
                if key in change:
                    req[key] = change[key]
            instances.sync(cluster)
            return {}
    raise EmrError("InvalidRequestException", f"Instance fleet '{change.get('InstanceFleetId')}' is not valid.")


# ---- instance groups ----------------------------------------------------------------------------

def put_auto_scaling_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The policy is PENDING until the scaling engine has it (local_emr/cluster/scaling.py), then ATTACHED (API
    AutoScalingPolicyStatus; MG emr-manage-cloudwatch-events: "The policy is pending attachment"). An instance
    group the cluster does not have is refused (_group_of)."""
    cluster = ctx.active_cluster(params)
    group = _group_of(ctx, cluster, params.get("InstanceGroupId"))
    group.auto_scaling_policy = dict(params.get("AutoScalingPolicy") or {})  # moto fills in ${emr.clusterId}
    group.auto_scaling_policy["status"] = {"state": "PENDING"}
    return {"ClusterId": cluster.id, "InstanceGroupId": group.id, "ClusterArn": cluster.arn,
            "AutoScalingPolicy": camel_keys(group.auto_scaling_policy)}


def add_instance_groups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """moto's answer lacks InstanceGroupIds (the AWS provider then crashes); build it here."""
    cluster = ctx.active_cluster({"ClusterId": params.get("JobFlowId")})
    groups = []
    for group in params.get("InstanceGroups") or []:
        ebs = group.get("EbsConfiguration")
        groups.append({
            "instance_count": group["InstanceCount"],
            "instance_role": group["InstanceRole"],
            "instance_type": group["InstanceType"],
            "market": group.get("Market", "ON_DEMAND"),
            "name": group.get("Name"),
            "bid_price": group.get("BidPrice"),
            "ebs_configuration": CamelToUnderscoresWalker.parse_dict(ebs) if ebs else None,
            "auto_scaling_policy": group.get("AutoScalingPolicy"),
        })
    created = ctx.backend.add_instance_groups(cluster.id, groups)
    if cluster.scaling_active:  # the scaling engine provisions them (local_emr/cluster/scaling.py)
        cluster.scaled_pool_ids.update(g.id for g in created)
        for group in created:  # a new group is PROVISIONING until its nodes run (API InstanceGroupStatus)
            group.state, group.running_count = "PROVISIONING", 0
    instances.sync(cluster)
    return {"JobFlowId": cluster.id, "ClusterArn": cluster.arn, "InstanceGroupIds": [g.id for g in created]}


def list_instances(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The cluster's instances with timelines that follow its lifecycle (local_emr/cluster/instances.py); one page."""
    cluster = ctx.cluster(params)
    _ensure_fleet_ids(cluster)
    listed = [instances.view(cluster, r) for r in instances.sync(cluster)]
    group_types = set(params.get("InstanceGroupTypes") or [])
    if group_types:
        ids = {g.id for g in cluster.instance_groups if g.role in group_types}
        listed = [i for i in listed if i.get("InstanceGroupId") in ids]
    for key in ("InstanceGroupId", "InstanceFleetId"):
        if params.get(key):
            listed = [i for i in listed if i.get(key) == params[key]]
    if params.get("InstanceStates"):
        listed = [i for i in listed if i["Status"]["State"] in params["InstanceStates"]]
    return {"Instances": listed}


# ---- hooks after moto handled a call -------------------------------------------------------------

def after_run_job_flow(ctx: RequestContext, params: dict[str, Any], response: dict[str, Any]) -> None:
    """moto makes a cluster WAITING (or TERMINATED) at once; restart it at STARTING under our scheduler, with
    the request's steps in its step book (checked by the same rules as AddJobFlowSteps; a refused step means
    no cluster, as on EMR)."""
    cluster = ctx.backend.clusters[response["JobFlowId"]]
    adopted = adopt_cluster(cluster, params, ctx.lifecycle.clock(), clock=ctx.lifecycle.clock)
    try:
        adopted.book.add_job_flow_steps({"Steps": params.get("Steps") or []})
    except EmrError:
        del ctx.backend.clusters[adopted.id]
        raise
    _ensure_fleet_ids(adopted)
    instances.sync(adopted, now=adopted.creation_datetime)  # its instances are provisioned from its creation
    for group in adopted.instance_groups:  # attached once the cluster runs and the scaling engine has them
        if group.auto_scaling_policy is not None:
            group.auto_scaling_policy["status"] = {"state": "PENDING"}
    ctx.lifecycle.register(adopted)


def _group_of(ctx: RequestContext, cluster: EmulatedCluster | None, group_id: Any) -> Any:
    """The instance group a request names, or a 400 (moto answers a 500: KeyError, AssertionError). The calls
    that name a group declare no error of their own (botocore's service model), so it is the common
    ValidationException (API Common Errors). guess: EMR documents no wording; this is its unknown-cluster one."""
    group = ctx.backend.instance_groups.get(group_id) if isinstance(group_id, str) and group_id else None
    if group is None or (cluster is not None and group.cluster_id != cluster.id):
        raise EmrError("ValidationException", f"Instance group id '{group_id}' is not valid.")
    return group


def check_modify_instance_groups(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Every named group exists (in ClusterId's cluster when it is given) and its cluster is RUNNING or WAITING
    (EMR's ValidationException as hashicorp/terraform issue 22116 quotes it), before moto."""
    cluster = ctx.cluster(params) if params.get("ClusterId") else None
    for change in params.get("InstanceGroups") or []:
        group = _group_of(ctx, cluster, change.get("InstanceGroupId"))
        owner = ctx.backend.clusters.get(group.cluster_id)
        if getattr(owner, "state", None) not in ("RUNNING", "WAITING"):
            raise EmrError("ValidationException",
                           "An instance group may only be modified when the cluster is running or waiting.")


def check_remove_auto_scaling_policy(ctx: RequestContext, params: dict[str, Any]) -> None:
    _group_of(ctx, ctx.cluster(params), params.get("InstanceGroupId"))


def after_modify_instance_groups(ctx: RequestContext, params: dict[str, Any], response: dict[str, Any]) -> None:
    """A resize adds or ends instances now, unless the scaling engine sizes the group (then it is a resize
    through the engine: local_emr/cluster/scaling.py reads the new count)."""
    for change in params.get("InstanceGroups") or []:
        group = ctx.backend.instance_groups.get(change.get("InstanceGroupId"))
        cluster = ctx.backend.clusters.get(getattr(group, "cluster_id", ""))
        if isinstance(cluster, EmulatedCluster):
            if group.id in cluster.scaled_pool_ids and "InstanceCount" in change:
                group.state = "RESIZING"  # the engine reaches the new size (local_emr/cluster/scaling.py)
            instances.sync(cluster)


OVERRIDES: dict[str, Handler] = {
    "AddInstanceGroups": add_instance_groups,
    "ListInstanceFleets": list_instance_fleets,
    "ListInstances": list_instances,
    "AddInstanceFleet": add_instance_fleet,
    "ModifyInstanceFleet": modify_instance_fleet,
    "PutManagedScalingPolicy": put_managed_scaling_policy,
    "PutAutoScalingPolicy": put_auto_scaling_policy,
    "GetManagedScalingPolicy": get_managed_scaling_policy,
    "RemoveManagedScalingPolicy": remove_managed_scaling_policy,
    "PutAutoTerminationPolicy": put_auto_termination_policy,
    "GetAutoTerminationPolicy": get_auto_termination_policy,
    "RemoveAutoTerminationPolicy": remove_auto_termination_policy,
    "AddJobFlowSteps": add_job_flow_steps,
    "ListSteps": list_steps,
    "DescribeStep": describe_step,
    "CancelSteps": cancel_steps,
    "SetKeepJobFlowAliveWhenNoSteps": set_keep_job_flow_alive_when_no_steps,
}

def check_list_supported_instance_types(ctx: RequestContext, params: dict[str, Any]) -> None:
    """A release moto 5.2.5 has no instance-type list for (it answers a 500, FileNotFoundError): the operation's
    declared InvalidRequestException. moto ships the lists of 182 EMR releases; guess: EMR's wording."""
    import moto.emr

    label = str(params.get("ReleaseLabel"))
    if not (Path(moto.emr.__file__).parent / "resources" / f"instance-types-{label}.json.gz").is_file():
        raise EmrError("InvalidRequestException", f"Release label '{label}' is not valid.")


def check_create_security_configuration(ctx: RequestContext, params: dict[str, Any]) -> None:
    """The configuration is a JSON document (API CreateSecurityConfiguration: "The security configuration details
    in JSON format"); moto stores any string. guess: EMR's wording."""
    try:
        document = json.loads(str(params.get("SecurityConfiguration")))
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise EmrError("InvalidRequestException", "SecurityConfiguration is not a valid JSON object.")


# What moto would answer with a 500 (or accept) is refused first, as EMR refuses it.
PRE_CHECKS: dict[str, Callable[[RequestContext, dict[str, Any]], None]] = {
    "ModifyInstanceGroups": check_modify_instance_groups,
    "RemoveAutoScalingPolicy": check_remove_auto_scaling_policy,
    "ListSupportedInstanceTypes": check_list_supported_instance_types,
    "CreateSecurityConfiguration": check_create_security_configuration,
}

POST_HOOKS: dict[str, PostHook] = {
    "RunJobFlow": after_run_job_flow,
    "ModifyInstanceGroups": after_modify_instance_groups,
}
