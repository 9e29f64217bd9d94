"""What a stack asks EMR for, read from a synthesized cdk.tf.json or a `terraform show -json` plan.

The attributes cost and scaling depend on: each cluster's primary/core/task groups or fleets (types, counts or
target units, weights, EBS volumes, bid prices), custom autoscaling policies, managed scaling limits, the idle
timeout, the release, the configurations, the scale-down behaviour and the region of the aws provider. Attribute names are the hashicorp/aws provider's
(https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/emr_cluster).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import InputError

_REF = re.compile(r"\$\{aws_emr_cluster\.([^.}]+)\.id\}")


@dataclass(frozen=True)
class Volume:
    type: str
    size_gb: int
    count: int = 1
    iops: int | None = None
    throughput: int | None = None


@dataclass(frozen=True)
class Option:
    """One instance type a pool may launch; ``weight`` is its weighted capacity (1 for groups)."""

    instance_type: str
    weight: int = 1
    volumes: tuple[Volume, ...] = ()
    bid_price: Decimal | None = None          # absolute USD/hour cap (groups, fleets)
    bid_percent: Decimal | None = None        # fleets: cap as % of on-demand (default 100)


@dataclass(frozen=True)
class Pool:
    """An instance group (``fleet`` False: units are instances, one option) or an instance fleet (units are
    weighted capacity). Initial units per market; autoscaling bounds for groups."""

    role: str  # MASTER, CORE, TASK
    name: str
    fleet: bool
    options: tuple[Option, ...]
    on_demand_units: int
    spot_units: int
    autoscaling_min: int | None = None
    autoscaling_max: int | None = None
    autoscaling_policy: dict[str, Any] | None = None  # the AutoScalingPolicy as EMR's API takes it
    market: str | None = None  # an instance group's: SPOT when it has a bid price or says so; fleets have both


@dataclass(frozen=True)
class ManagedLimits:
    """aws_emr_managed_scaling_policy compute_limits (core + task nodes; the primary is outside them)."""

    unit_type: str  # Instances, InstanceFleetUnits, VCPU
    minimum: int
    maximum: int
    maximum_core: int | None = None
    maximum_on_demand: int | None = None


@dataclass(frozen=True)
class Cluster:
    name: str
    pools: tuple[Pool, ...]
    managed: ManagedLimits | None = None
    idle_timeout_seconds: int | None = None
    release_label: str | None = None
    configurations: tuple[dict[str, Any], ...] = ()  # EMR's Configurations list (configurations_json)
    scale_down_behavior: str | None = None
    ebs_root_volume_size: int | None = None


@dataclass(frozen=True)
class Stack:
    name: str
    region: str
    clusters: tuple[Cluster, ...] = field(default=())
    source: str = ""


# ---- reading -------------------------------------------------------------------------------------------

def load_stacks(path: Path) -> list[Stack]:
    """Every stack in ``path``: a cdk.tf.json, a directory of them (cdktf.out/stacks/*), or a plan JSON."""
    if path.is_dir():
        files = sorted(path.glob("*/cdk.tf.json")) or sorted(path.glob("cdk.tf.json"))
        if not files:
            raise InputError(f"{path}: no cdk.tf.json in it or its subdirectories")
        return [s for f in files for s in load_stacks(f)]
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputError(f"cannot read {path}: {e}") from e
    if isinstance(doc, dict) and "planned_values" in doc:
        return [_from_plan(doc, path)]
    if isinstance(doc, dict) and ("resource" in doc or "provider" in doc):
        return [_from_cdktf(doc, path)]
    raise InputError(f"{path} is neither a cdk.tf.json nor a `terraform show -json` plan")


def _from_cdktf(doc: dict[str, Any], path: Path) -> Stack:
    name = path.parent.name if path.name == "cdk.tf.json" else path.stem
    region = _first(doc.get("provider", {}).get("aws")).get("region")
    resources = doc.get("resource", {})
    return _stack(name, region, path, {t: dict(resources.get(t, {})) for t in _TYPES},
                  lambda values: _ref_name(values.get("cluster_id")))


def _from_plan(doc: dict[str, Any], path: Path) -> Stack:
    by_type: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in _TYPES}
    refs: dict[tuple[str, str], str | None] = {}
    for res in _plan_resources(doc.get("planned_values", {}).get("root_module", {})):
        if res.get("type") in by_type and res.get("mode", "managed") == "managed":
            by_type[res["type"]][res["address"]] = res.get("values") or {}
    for res in doc.get("configuration", {}).get("root_module", {}).get("resources", []):
        for ref in res.get("expressions", {}).get("cluster_id", {}).get("references", []):
            if ref.startswith("aws_emr_cluster.") and ref.count(".") == 1:
                refs[(res["type"], res["address"])] = ref
    region = (doc.get("configuration", {}).get("provider_config", {}).get("aws", {})
              .get("expressions", {}).get("region", {}).get("constant_value"))
    clusters = by_type["aws_emr_cluster"]
    # A reference to a cluster, else the only cluster: plans leave cluster_id unknown.
    only = next(iter(clusters)) if len(clusters) == 1 else None

    def owner(values: dict[str, Any], rtype: str = "", address: str = "") -> str | None:
        return refs.get((rtype, address)) or only

    return _stack(path.stem, region, path, by_type, owner, with_address=True)


_TYPES = ("aws_emr_cluster", "aws_emr_instance_group", "aws_emr_instance_fleet", "aws_emr_managed_scaling_policy")


def _plan_resources(module: dict[str, Any]) -> list[dict[str, Any]]:
    out = list(module.get("resources", []))
    for child in module.get("child_modules", []):
        out.extend(_plan_resources(child))
    return out


def _stack(name: str, region: str | None, path: Path, by_type: dict[str, dict[str, dict[str, Any]]],
           owner: Any, with_address: bool = False) -> Stack:
    if not region:
        raise InputError(f"{path}: no region in the aws provider block")
    clusters = []
    for key, values in by_type["aws_emr_cluster"].items():
        def mine(rtype: str) -> list[dict[str, Any]]:
            found = []
            for address, v in by_type[rtype].items():
                who = owner(v, rtype, address) if with_address else owner(v)
                if who == key or (who is None and len(by_type["aws_emr_cluster"]) == 1):
                    found.append(v)
            return found
        clusters.append(_cluster(values, mine("aws_emr_instance_group"), mine("aws_emr_instance_fleet"),
                                 mine("aws_emr_managed_scaling_policy"), str(values.get("name") or key), path))
    return Stack(name, region, tuple(clusters), str(path))


def _cluster(values: dict[str, Any], groups: list[dict[str, Any]], fleets: list[dict[str, Any]],
             policies: list[dict[str, Any]], name: str, path: Path) -> Cluster:
    pools: list[Pool] = []
    for role, key in (("MASTER", "master_instance_group"), ("CORE", "core_instance_group")):
        if values.get(key):
            pools.append(_group(role, _first(values[key]), path))
    for role, key in (("MASTER", "master_instance_fleet"), ("CORE", "core_instance_fleet")):
        if values.get(key):
            pools.append(_fleet(role, _first(values[key]), path))
    pools += [_group("TASK", g, path) for g in groups]
    pools += [_fleet("TASK", f, path) for f in fleets]
    managed = None
    if policies:
        limits = _first(policies[0].get("compute_limits"))
        managed = ManagedLimits(str(limits.get("unit_type", "Instances")), int(limits["minimum_capacity_units"]),
                                int(limits["maximum_capacity_units"]), _int(limits.get("maximum_core_capacity_units")),
                                _int(limits.get("maximum_ondemand_capacity_units")))
    idle = _int(_first(values.get("auto_termination_policy")).get("idle_timeout"))
    return Cluster(name, tuple(pools), managed, idle, _str(values.get("release_label")),
                   _configurations(values.get("configurations_json"), path), _str(values.get("scale_down_behavior")),
                   _int(values.get("ebs_root_volume_size")))


def _group(role: str, g: dict[str, Any], path: Path) -> Pool:
    count = _int(g.get("instance_count"))
    count = 1 if count is None else count
    bid = g.get("bid_price")
    option = Option(str(g["instance_type"]), 1, _volumes(g.get("ebs_config")), Decimal(str(bid)) if bid else None)
    lo = hi = policy = None
    if g.get("autoscaling_policy"):
        try:
            policy = json.loads(g["autoscaling_policy"])
            constraints = policy.get("Constraints", {})
        except (TypeError, ValueError, AttributeError) as e:
            raise InputError(f"{path}: autoscaling_policy of the {role.lower()} group is not a JSON object: {e}") from e
        lo, hi = _int(constraints.get("MinCapacity")), _int(constraints.get("MaxCapacity"))
    name = str(g.get("name") or role.lower())
    return Pool(role, name, False, (option,), 0 if bid else count, count if bid else 0, lo, hi, policy,
                "SPOT" if bid else "ON_DEMAND")


def _fleet(role: str, f: dict[str, Any], path: Path) -> Pool:
    options = []
    for c in f.get("instance_type_configs") or []:
        pct = c.get("bid_price_as_percentage_of_on_demand_price")
        bid = c.get("bid_price")
        options.append(Option(str(c["instance_type"]), _int(c.get("weighted_capacity")) or 1, _volumes(c.get("ebs_config")),
                              Decimal(str(bid)) if bid else None, Decimal(str(pct)) if pct is not None else None))
    if not options:
        raise InputError(f"{path}: the {role.lower()} fleet has no instance_type_configs")
    return Pool(role, str(f.get("name") or role.lower()), True, tuple(options),
                _int(f.get("target_on_demand_capacity")) or 0, _int(f.get("target_spot_capacity")) or 0)


def _volumes(ebs: Any) -> tuple[Volume, ...]:
    out = []
    for v in ebs or []:
        out.append(Volume(str(v.get("type", "gp2")), int(v["size"]), _int(v.get("volumes_per_instance")) or 1,
                          _int(v.get("iops")), _int(v.get("throughput"))))
    return tuple(out)


def _configurations(text: Any, path: Path) -> tuple[dict[str, Any], ...]:
    if not text:
        return ()
    try:
        items = json.loads(text) if isinstance(text, str) else text
    except ValueError as e:
        raise InputError(f"{path}: configurations_json is not JSON: {e}") from e
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InputError(f"{path}: configurations_json is not a list of configurations")
    return tuple(items)


def _str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _first(value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        return value[0] if value else {}
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def _ref_name(value: Any) -> str | None:
    match = _REF.fullmatch(str(value or ""))
    return match.group(1) if match else None


# ---- a running cluster, as EMR's API describes it ----------------------------------------------------

def cluster_from_api(cluster: dict[str, Any], groups: list[dict[str, Any]], fleets: list[dict[str, Any]],
                     managed: dict[str, Any] | None = None, idle_timeout: int | None = None) -> Cluster:
    """The same model from DescribeCluster's Cluster, ListInstanceGroups' or ListInstanceFleets' items,
    GetManagedScalingPolicy's ManagedScalingPolicy and GetAutoTerminationPolicy's IdleTimeout
    (https://docs.aws.amazon.com/emr/latest/APIReference/API_InstanceGroup.html, API_InstanceFleet.html): each
    group's current RequestedInstanceCount and its AutoScalingPolicy (the policy without its Status)."""
    pools: list[Pool] = []
    for g in groups:
        role = str(g.get("InstanceGroupType", "TASK"))
        count = int(g.get("RequestedInstanceCount") or 0)
        spot = g.get("Market") == "SPOT"
        bid = g.get("BidPrice")
        option = Option(str(g.get("InstanceType", "")), 1, _api_volumes(g.get("EbsBlockDevices")),
                        Decimal(str(bid)) if bid and bid != "OnDemandPrice" else None)
        policy = g.get("AutoScalingPolicy")
        policy = {k: v for k, v in policy.items() if k != "Status"} if policy else None
        constraints = (policy or {}).get("Constraints", {})
        pools.append(Pool(role, str(g.get("Name") or g.get("Id") or role.lower()), False, (option,),
                          0 if spot else count, count if spot else 0, _int(constraints.get("MinCapacity")),
                          _int(constraints.get("MaxCapacity")), policy, "SPOT" if spot else "ON_DEMAND"))
    for f in fleets:
        options = tuple(Option(str(s.get("InstanceType", "")), int(s.get("WeightedCapacity") or 1),
                               _api_volumes(s.get("EbsBlockDevices")),
                               Decimal(str(s["BidPrice"])) if s.get("BidPrice") else None,
                               Decimal(str(s["BidPriceAsPercentageOfOnDemandPrice"]))
                               if s.get("BidPriceAsPercentageOfOnDemandPrice") is not None else None)
                        for s in f.get("InstanceTypeSpecifications") or [])
        pools.append(Pool(str(f.get("InstanceFleetType", "TASK")), str(f.get("Name") or f.get("Id") or "fleet"),
                          True, options, int(f.get("TargetOnDemandCapacity") or 0),
                          int(f.get("TargetSpotCapacity") or 0)))
    pools.sort(key=lambda p: ("MASTER", "CORE", "TASK").index(p.role) if p.role in ("MASTER", "CORE", "TASK") else 3)
    limits = (managed or {}).get("ComputeLimits")
    return Cluster(str(cluster.get("Name") or cluster.get("Id") or "cluster"), tuple(pools), None if not limits else
                   ManagedLimits(str(limits.get("UnitType", "Instances")), int(limits.get("MinimumCapacityUnits", 0)),
                                 int(limits.get("MaximumCapacityUnits", 0)),
                                 _int(limits.get("MaximumCoreCapacityUnits")),
                                 _int(limits.get("MaximumOnDemandCapacityUnits"))),
                   idle_timeout, _str(cluster.get("ReleaseLabel")), tuple(cluster.get("Configurations") or ()),
                   _str(cluster.get("ScaleDownBehavior")), _int(cluster.get("EbsRootVolumeSize")))


def _api_volumes(devices: Any) -> tuple[Volume, ...]:
    out = []
    for device in devices or []:
        spec = device.get("VolumeSpecification") or {}
        if spec.get("VolumeType") and spec.get("SizeInGB"):
            out.append(Volume(str(spec["VolumeType"]), int(spec["SizeInGB"]), 1, _int(spec.get("Iops")),
                              _int(spec.get("Throughput"))))
    return tuple(out)
