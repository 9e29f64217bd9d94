"""The EMR CloudWatch metrics a cluster publishes, by scaling mode, and the panels both dashboards show.

What EMR publishes depends on how the cluster scales, so panels and alarms are chosen per
``ScalingMode`` from these facts and never name a metric the cluster does not publish.

Pages cited below:
  METRICS  "Monitoring Amazon EMR metrics with CloudWatch", its metric table:
           https://docs.aws.amazon.com/emr/latest/ManagementGuide/UsingEMR_ViewingMetrics.html
           (read as awsdocs/amazon-emr-management-guide doc_source/UsingEMR_ViewingMetrics.md
           @ bbda00b69007d0644f41b5463f4db40a85677e53, table "clusters running Hadoop 2.x versions")
  MANAGED  "Understanding managed scaling metrics in Amazon EMR":
           https://docs.aws.amazon.com/emr/latest/ManagementGuide/managed-scaling-metrics.html
  AUTO     "Using automatic scaling with a custom policy for instance groups":
           https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-automatic-scaling.html
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from .. import facts

if TYPE_CHECKING:
    from ..props import ClusterProps

NAMESPACE = facts.AUTOSCALING_NAMESPACE  # "AWS/ElasticMapReduce"
# METRICS: "Metrics are updated every five minutes ... This interval is not configurable."
PERIOD_SECONDS = 300

# Which metric a cluster publishes comes from facts.METRICS (units, and when each is published, each with
# its page); these sets only sort its entries, they never restate them.
HADOOP1_ONLY = frozenset(n for n, m in facts.METRICS.items() if "Hadoop 1" in m.note)
# Published by every cluster of a Hadoop 2.x+ release (every release this library builds).
ALWAYS_PUBLISHED = frozenset(n for n, m in facts.METRICS.items()
                             if m.only_with is None and m.collection is None and n not in HADOOP1_ONLY)
# METRICS, CoreNodesRunning/CoreNodesPending: "Data points for this metric are reported only when a
# corresponding instance group exists": instance groups, never fleets.
INSTANCE_GROUP_ONLY = frozenset(n for n, m in facts.METRICS.items()
                                if m.only_with is None and m.collection == "instance_groups" and n not in HADOOP1_ONLY)
# METRICS lists TaskNodesRunning/TaskNodesPending only in its Hadoop 1 table; for Hadoop 2.x+ task node
# counts come only from managed scaling (MANAGED: TaskNodesRunning/TaskNodesRequested; no TaskNodesPending
# at all). A custom-autoscaling or fixed-size cluster's task nodes show up only in YARN's node counts
# (MRTotalNodes, MRActiveNodes).
NOT_PUBLISHED = frozenset({"TaskNodesRunning", "TaskNodesPending"})
assert NOT_PUBLISHED <= HADOOP1_ONLY, "facts.METRICS no longer marks the task node counts as Hadoop 1 only"

# MANAGED: "These metrics are only available when managed scaling is enabled. For clusters composed of
# instance fleets, the cluster capacity metrics are measured in Units. For clusters composed of
# instance groups, the cluster capacity metrics are measured in Nodes or vCPU based on the unit type
# used in the managed scaling policy." Names: {Total,Core,Task}{Units,Nodes,VCPU}{Requested,Running}.
MANAGED_CAPACITY_UNIT = {"Instances": "Nodes", "VCPU": "VCPU", "InstanceFleetUnits": "Units"}
CAPACITY_SCOPES = ("Total", "Core", "Task")


def managed_capacity_metric(scope: str, unit_type: str, kind: str) -> str:
    """e.g. ``("Task", "Instances", "Running")`` -> ``TaskNodesRunning`` (MANAGED)."""
    if scope not in CAPACITY_SCOPES or kind not in ("Requested", "Running"):
        raise ValueError(f"no managed scaling metric for {scope!r}/{kind!r}")
    name = f"{scope}{MANAGED_CAPACITY_UNIT[unit_type]}{kind}"
    if name not in facts.METRICS:
        raise ValueError(f"{name} is not in facts.METRICS")
    return name


# --- scaling modes ------------------------------------------------------------------------------

SCALER_NONE, SCALER_MANAGED, SCALER_CUSTOM = "none", "managed", "custom"
SCALERS = (SCALER_NONE, SCALER_MANAGED, SCALER_CUSTOM)


@dataclass(frozen=True, kw_only=True)
class ScalingMode:
    """How a cluster changes size, which decides what EMR publishes for it.

    ``scaler``: ``none`` (fixed size), ``managed`` (EMR managed scaling) or ``custom`` (automatic
    scaling policies on instance groups, AUTO: "not available when using instance fleets").
    ``unit_type``: the managed scaling policy's unit type (Instances, VCPU, InstanceFleetUnits).
    """

    scaler: str = SCALER_NONE
    fleets: bool = False
    unit_type: Optional[str] = None

    @classmethod
    def of(cls, cluster: "ClusterProps") -> "ScalingMode":
        """The mode of a cluster, from ``managed_scaling``, ``autoscaled_groups`` and ``uses_fleets``."""
        if cluster.managed_scaling is not None:
            return cls(scaler=SCALER_MANAGED, fleets=cluster.uses_fleets, unit_type=cluster.managed_scaling.unit_type)
        if cluster.autoscaled_groups:
            return cls(scaler=SCALER_CUSTOM, fleets=cluster.uses_fleets)
        return cls(scaler=SCALER_NONE, fleets=cluster.uses_fleets)

    def problems(self) -> list[tuple[str, object, str]]:
        """(field, value, rule) for a mode no cluster can have."""
        found = []
        if self.scaler not in SCALERS:
            found.append(("scaling.scaler", self.scaler, f"must be one of {', '.join(SCALERS)}"))
        if self.scaler == SCALER_CUSTOM and self.fleets:
            found.append(("scaling.fleets", True, "custom automatic scaling is for instance groups only"))
        if self.scaler == SCALER_MANAGED:
            expected = ("InstanceFleetUnits",) if self.fleets else ("Instances", "VCPU")
            if self.unit_type not in expected:
                found.append(("scaling.unit_type", self.unit_type,
                              f"managed scaling of {'fleets' if self.fleets else 'instance groups'} uses "
                              f"{' or '.join(expected)}"))
        elif self.unit_type is not None:
            found.append(("scaling.unit_type", self.unit_type, "only managed scaling has a unit type"))
        return found

    @property
    def slug(self) -> str:
        """A name for the set of panels this mode gets (the exported Grafana file is named by it)."""
        if self.scaler == SCALER_MANAGED:
            return f"managed-scaling-{MANAGED_CAPACITY_UNIT[self.unit_type].lower()}"
        return "instance-fleets" if self.fleets else "instance-groups"

    @property
    def description(self) -> str:
        if self.scaler == SCALER_MANAGED:
            return (f"EMR managed scaling of {'instance fleets' if self.fleets else 'instance groups'} "
                    f"in {self.unit_type}")
        if self.fleets:
            return "instance fleets without managed scaling"
        return "instance groups, fixed size or custom automatic scaling"


def published_metrics(mode: ScalingMode) -> frozenset[str]:
    """Every metric name EMR publishes for a cluster of this mode."""
    found = set(ALWAYS_PUBLISHED)
    if not mode.fleets:
        found |= INSTANCE_GROUP_ONLY
    if mode.scaler == SCALER_MANAGED:
        found |= {managed_capacity_metric(scope, mode.unit_type, kind)
                  for scope in CAPACITY_SCOPES for kind in ("Requested", "Running")}
    return frozenset(found)


# --- panels -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Panel:
    title: str
    unit: str  # percent | ratio | count | 0/1
    metrics: tuple[str, ...]


# Shown for every cluster: each metric is in ALWAYS_PUBLISHED.
COMMON_PANELS = (
    Panel("YARN memory available", "percent", ("YARNMemoryAvailablePercentage",)),
    Panel("Pending containers per allocated", "ratio", ("ContainerPendingRatio",)),
    Panel("HDFS utilization", "percent", ("HDFSUtilization",)),
    Panel("Applications", "count", ("AppsRunning", "AppsPending")),
    Panel("YARN nodes (core and task)", "count", ("MRTotalNodes", "MRActiveNodes")),
    Panel("Unhealthy and lost nodes", "count", ("MRUnhealthyNodes", "MRLostNodes")),
    Panel("Idle", "0/1", ("IsIdle",)),
)


def panels_for(mode: ScalingMode) -> tuple[Panel, ...]:
    """The panels of a cluster of this mode, in display order."""
    panels = list(COMMON_PANELS)
    if not mode.fleets:
        panels.append(Panel("Core nodes", "count", ("CoreNodesRunning", "CoreNodesPending")))
    if mode.scaler == SCALER_MANAGED:
        unit = MANAGED_CAPACITY_UNIT[mode.unit_type].lower()
        for scope in CAPACITY_SCOPES:
            panels.append(Panel(f"{scope} capacity, managed scaling ({unit})", "count",
                                tuple(managed_capacity_metric(scope, mode.unit_type, k) for k in ("Running", "Requested"))))
    return tuple(panels)


def unpublished(panels: tuple[Panel, ...], mode: ScalingMode) -> list[str]:
    """Metrics of ``panels`` that a cluster of ``mode`` never publishes (their lines stay empty)."""
    available = published_metrics(mode)
    return [m for p in panels for m in p.metrics if m not in available]


# One of each distinct panel set: the exported Grafana dashboards.
EXPORTED_MODES = (
    ScalingMode(scaler=SCALER_NONE),
    ScalingMode(scaler=SCALER_NONE, fleets=True),
    ScalingMode(scaler=SCALER_MANAGED, unit_type="Instances"),
    ScalingMode(scaler=SCALER_MANAGED, unit_type="VCPU"),
    ScalingMode(scaler=SCALER_MANAGED, fleets=True, unit_type="InstanceFleetUnits"),
)
