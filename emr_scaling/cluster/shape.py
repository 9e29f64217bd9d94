"""What a stack's cluster is, as the model needs it: each pool's node types with their YARN memory and HDFS
disk, the policies, and the settings read from the cluster's configurations (EMR's defaults otherwise).

Read from emr_cost's stack model (a cdk.tf.json or a plan), so cost and scaling see the same cluster.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emr_contract import ebs as ebs_defaults
from emr_contract.releases import Release
from emr_contract.scaling import DEFAULT_DECOMMISSION_TIMEOUT_SECONDS, decommission_timeout_property, default_replication
from emr_cost.stack_model import Cluster, ManagedLimits, Stack
from emr_cost.timelines import root_volume
from emr_cost.usage import Volume

from .. import facts
from ..errors import InputError, problem
from ..policies.custom import CustomPolicy, parse_policy

MARKETS = ("ON_DEMAND", "SPOT")


@dataclass(frozen=True)
class NodeKind:
    """One instance type a pool launches, with what a node of it gives YARN and HDFS."""

    instance_type: str
    weight: int  # units of a fleet; 1 for groups
    vcpus: int
    memory_mb: int
    max_allocation_mb: int
    vcores: int
    hdfs_gb: float
    volumes: tuple[Volume, ...]  # for billing, the root volume included

    def units(self, unit_type: str) -> int:
        return self.vcpus if unit_type == "VCPU" else self.weight


@dataclass(frozen=True)
class PoolShape:
    name: str
    role: str  # CORE or TASK
    fleet: bool
    kinds: tuple[NodeKind, ...]
    on_demand: int  # initial units
    spot: int
    policy: CustomPolicy | None = None
    market: str = "ON_DEMAND"  # an instance group's (a group with a bid price is Spot); a fleet has both


@dataclass(frozen=True)
class ClusterShape:
    stack: str
    name: str
    region: str
    release: str | None
    primary: tuple[NodeKind, int, str]  # kind, count, market
    pools: tuple[PoolShape, ...]
    managed: ManagedLimits | None
    idle_timeout_seconds: int | None
    decommission_timeout_seconds: float
    replication: int
    am_on_core_only: bool
    spark_defaults: Mapping[str, str]
    dominant_resources: bool
    min_allocation_mb: int
    instance_hour_scale_down: bool
    shuffle_aware: bool
    warnings: tuple[str, ...] = ()

    @property
    def scaling(self) -> str:
        if self.managed:
            m = self.managed
            return f"managed scaling {m.minimum}-{m.maximum} {m.unit_type}"
        custom = [p for p in self.pools if p.policy]
        if custom:
            return "custom automatic scaling " + ", ".join(
                f"{p.name} {p.policy.min_capacity}-{p.policy.max_capacity}" for p in custom if p.policy)
        return "fixed size"


def cluster_shape(stack: Stack, cluster: Cluster, readable_metrics: frozenset[str]) -> ClusterShape:
    """The model's view of ``cluster``; InputError for what the model cannot run, warnings for what it assumed."""
    where = f"{stack.name}/{cluster.name}"
    config = _classifications(cluster.configurations)
    yarn_site, hdfs_site = config.get("yarn-site", {}), config.get("hdfs-site", {})
    warnings: list[str] = []
    root = root_volume({"ReleaseLabel": cluster.release_label, "EbsRootVolumeSize": cluster.ebs_root_volume_size})
    release = Release.parse(cluster.release_label)
    pools, primary = [], None
    for pool in cluster.pools:
        kinds = tuple(_kind(o.instance_type, o.weight, o.volumes, root, yarn_site, release, warnings, where)
                      for o in pool.options)
        if pool.role == "MASTER":
            primary = (kinds[0], pool.on_demand_units + pool.spot_units, "SPOT" if pool.spot_units else "ON_DEMAND")
            continue
        policy = None
        if pool.autoscaling_policy is not None:
            policy = parse_policy(pool.autoscaling_policy, f"{where}/{pool.name}.autoscaling_policy", readable_metrics)
            for rule in policy.rules:
                if not rule.alarm.readable:
                    warnings.append(f"{pool.name} rule {rule.name!r} watches {rule.alarm.metric}"
                                    f"{'' if rule.alarm.metric in readable_metrics else ', which the model does not publish'}"
                                    ": its alarm gets no data and never fires")
        market = pool.market or ("SPOT" if pool.spot_units and not pool.on_demand_units else "ON_DEMAND")
        pools.append(PoolShape(pool.name, pool.role, pool.fleet, kinds, pool.on_demand_units, pool.spot_units, policy,
                               market))
    if primary is None:
        raise problem(f"{where}", "has no primary node group or fleet")
    if not pools:
        raise problem(f"{where}", "has only a primary node: the model needs core or task nodes to run YARN work")
    core_nodes = sum(_instances(p) for p in pools if p.role == "CORE")
    return ClusterShape(
        stack=stack.name, name=cluster.name, region=stack.region, release=cluster.release_label, primary=primary,
        pools=tuple(pools), managed=cluster.managed, idle_timeout_seconds=cluster.idle_timeout_seconds,
        decommission_timeout_seconds=_decommission_timeout(yarn_site, cluster.release_label, warnings, where),
        replication=_replication(hdfs_site, core_nodes, where),
        am_on_core_only=_am_on_core_only(yarn_site, cluster.release_label),
        spark_defaults=dict(config.get("spark-defaults", {})),
        dominant_resources=config.get("capacity-scheduler", {}).get(
            "yarn.scheduler.capacity.resource-calculator") == facts.DOMINANT_RESOURCE_CALCULATOR,
        min_allocation_mb=_int_property(yarn_site, "yarn.scheduler.minimum-allocation-mb", facts.MIN_ALLOCATION_MB,
                                        where),
        instance_hour_scale_down=cluster.scale_down_behavior == "TERMINATE_AT_INSTANCE_HOUR",
        shuffle_aware=cluster.managed is not None and facts.SHUFFLE_AWARE.allows(cluster.release_label) is not False,
        warnings=tuple(warnings))


def _kind(instance_type: str, weight: int, volumes: tuple[Any, ...], root: Volume | None,
          yarn_site: Mapping[str, str], release: Release | None, warnings: list[str], where: str) -> NodeKind:
    yarn = facts.yarn_node(instance_type)
    cpus = facts.vcpus(instance_type)
    if yarn is None or cpus is None:
        cpus = cpus or 4
        per_cpu = 3072  # the m5 family's YARN memory per vCPU in TASK (m5.xlarge: 12288 MiB for 4 vCPUs)
        yarn = facts.YarnNode(instance_type, per_cpu * cpus, per_cpu * cpus, cpus,
                              f"{instance_type}'s YARN memory is not documented here: assumed {per_cpu * cpus} MiB "
                              f"(m5's 3072 MiB per vCPU, {cpus} vCPUs); set yarn.nodemanager.resource.memory-mb in "
                              "yarn-site to override")
    if yarn.assumed and "yarn.nodemanager.resource.memory-mb" not in yarn_site:
        note = f"{where}: {yarn.assumed}"
        if note not in warnings:
            warnings.append(note)
    memory = _int_property(yarn_site, "yarn.nodemanager.resource.memory-mb", yarn.memory_mb, where)
    max_alloc = _int_property(yarn_site, "yarn.scheduler.maximum-allocation-mb", min(yarn.max_allocation_mb, memory),
                              where)
    vcores = _int_property(yarn_site, "yarn.nodemanager.resource.cpu-vcores", yarn.vcores, where)
    ebs = [Volume(v.type, v.size_gb, v.iops, v.throughput) for v in volumes for _ in range(v.count)]
    hdfs = float(sum(v.size_gib for v in ebs))
    if not ebs:
        default = facts.default_ebs_gib(instance_type)
        if default is not None and ebs_defaults.DEFAULT_DATA_VOLUMES.allows(release) is not False:
            hdfs = float(default)
            count, size = facts.DEFAULT_EBS_BY_SIZE[instance_type.split(".")[-1]]
            ebs = [Volume("gp3" if ebs_defaults.GP3_BY_DEFAULT.allows(release) else "gp2", size)] * count
        else:
            note = f"{where}: {instance_type} lists no EBS volumes and EMR's default storage for it is not known " \
                   f"here: its HDFS capacity is taken as 0"
            if note not in warnings:
                warnings.append(note)
    return NodeKind(instance_type, weight, cpus, memory, max_alloc, vcores, hdfs,
                    ((root,) if root else ()) + tuple(ebs))


def _classifications(configurations: tuple[dict[str, Any], ...]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for item in configurations:
        props = item.get("Properties") or {}
        out.setdefault(str(item.get("Classification")), {}).update({str(k): str(v) for k, v in props.items()})
    return out


def _decommission_timeout(yarn_site: Mapping[str, str], release: str | None, warnings: list[str], where: str) -> float:
    name = decommission_timeout_property(release)
    others = [k for k in yarn_site if k.endswith("decommissioning.timeout") or
              k.endswith("graceful-decommission-timeout-secs")]
    for other in others:
        if other != name:
            warnings.append(f"{where}: yarn-site {other} is not read by {release} (it reads {name})")
    return float(_int_property(yarn_site, name, DEFAULT_DECOMMISSION_TIMEOUT_SECONDS, where))


def _replication(hdfs_site: Mapping[str, str], core_nodes: int, where: str) -> int:
    return _int_property(hdfs_site, "dfs.replication", default_replication(core_nodes), where)


def _am_on_core_only(yarn_site: Mapping[str, str], release: str | None) -> bool:
    enabled, expression = (yarn_site.get(k) for k in facts.AM_LABEL_PROPERTIES)
    if enabled is not None or expression is not None:
        return str(enabled).lower() == "true" and expression == "CORE"
    return facts.AM_ANYWHERE.allows(release) is False


def _int_property(props: Mapping[str, str], key: str, default: int, where: str) -> int:
    if key not in props:
        return default
    try:
        value = int(str(props[key]).strip())
    except ValueError:
        raise InputError(f"{where} configurations {key}", props[key], "must be a whole number") from None
    if value < 0:
        raise InputError(f"{where} configurations {key}", value, "must be >= 0")
    return value


def _instances(pool: PoolShape) -> int:
    if not pool.fleet:
        return pool.on_demand + pool.spot
    return math.ceil((pool.on_demand + pool.spot) / pool.kinds[0].weight)

