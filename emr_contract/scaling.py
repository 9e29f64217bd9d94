"""Amazon EMR's scaling facts: managed-scaling units, custom automatic scaling rules, and the
AWS/ElasticMapReduce CloudWatch metrics with their units.

The constructs check policies against these facts and the scaling model (emr_scaling) evaluates policies
by them; neither restates them. Pure standard library.

Pages cited below:
  CWAD   https://docs.aws.amazon.com/emr/latest/APIReference/API_CloudWatchAlarmDefinition.html
  MSP    https://docs.aws.amazon.com/emr/latest/APIReference/API_ManagedScalingPolicy.html, API_ComputeLimits.html
  MG     Amazon EMR Management Guide, https://docs.aws.amazon.com/emr/latest/ManagementGuide/<page>.html
         (emr-scale-on-demand, emr-automatic-scaling, UsingEMR_ViewingMetrics, managed-scaling-metrics)
  IGC    https://docs.aws.amazon.com/emr/latest/APIReference/API_InstanceGroupConfig.html
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from .releases import Gate, ReleaseLike, release

# Managed scaling (MSP). ComputeLimits.UnitType: Instances or VCPU for instance groups, InstanceFleetUnits
# for fleets ("measured through vCPU cores or instances for instance groups and measured through units for
# instance fleets").
MANAGED_SCALING_GROUP_UNITS = ("Instances", "VCPU")
MANAGED_SCALING_FLEET_UNITS = ("InstanceFleetUnits",)

# Custom automatic scaling (CWAD and friends). MG emr-scale-on-demand: "Instance groups only"; the
# AutoScalingPolicy is "for a core instance group or task instance group" (IGC).
AUTOSCALING_NAMESPACE = "AWS/ElasticMapReduce"  # CWAD Namespace default
# CWAD Period: "CloudWatch metrics for Amazon EMR are emitted every five minutes (300 seconds) ... specify 300."
AUTOSCALING_PERIOD_SECONDS = 300
AUTOSCALING_STATISTICS = ("SAMPLE_COUNT", "AVERAGE", "SUM", "MINIMUM", "MAXIMUM")  # default AVERAGE
AUTOSCALING_COMPARISONS = ("GREATER_THAN_OR_EQUAL", "GREATER_THAN", "LESS_THAN", "LESS_THAN_OR_EQUAL")
AUTOSCALING_ADJUSTMENT_TYPES = ("CHANGE_IN_CAPACITY", "PERCENT_CHANGE_IN_CAPACITY", "EXACT_CAPACITY")
AUTOSCALING_DEFAULT_COOLDOWN_SECONDS = 0  # SimpleScalingPolicyConfiguration CoolDown: "The default value is 0."
# CWAD Unit enum, spelled as the AutoScalingPolicy takes it.
AUTOSCALING_UNITS = (
    "NONE", "SECONDS", "MICRO_SECONDS", "MILLI_SECONDS", "BYTES", "KILO_BYTES", "MEGA_BYTES", "GIGA_BYTES",
    "TERA_BYTES", "BITS", "KILO_BITS", "MEGA_BITS", "GIGA_BITS", "TERA_BITS", "PERCENT", "COUNT",
    "BYTES_PER_SECOND", "KILO_BYTES_PER_SECOND", "MEGA_BYTES_PER_SECOND", "GIGA_BYTES_PER_SECOND",
    "TERA_BYTES_PER_SECOND", "BITS_PER_SECOND", "KILO_BITS_PER_SECOND", "MEGA_BITS_PER_SECOND",
    "GIGA_BITS_PER_SECOND", "TERA_BITS_PER_SECOND", "COUNT_PER_SECOND",
)

# ======================================================================================================
# CloudWatch metrics (AWS/ElasticMapReduce)
# ======================================================================================================

# CloudWatch unit names (as MG UsingEMR_ViewingMetrics prints them) -> the AutoScalingPolicy Unit enum.
# CWAD Unit: "The value specified for Unit must correspond to the units specified in the CloudWatch metric."
# guess: the page lists IsIdle as "Boolean", which is neither a CloudWatch unit nor an enum value; we map it
# to NONE.
CLOUDWATCH_UNIT_TO_ENUM = {"Count": "COUNT", "Percent": "PERCENT", "Bytes": "BYTES", "None": "NONE",
                           "Boolean": "NONE"}


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str  # the CloudWatch unit MG prints ("Count", "Percent", "Boolean")
    only_with: Optional[str] = None  # "managed_scaling" | "auto_termination": published only then
    collection: Optional[str] = None  # "instance_groups" | "instance_fleets": published only for that kind
    note: str = ""

    @property
    def autoscaling_unit(self) -> str:
        return CLOUDWATCH_UNIT_TO_ENUM[self.unit]


def _metrics(unit: str, names: str, **kw) -> dict[str, Metric]:
    return {n: Metric(n, unit, **kw) for n in names.split()}


# MG UsingEMR_ViewingMetrics, table "available for clusters running Hadoop 2.x versions" (the 4.x+ releases).
# Units as printed; ContainerPendingRatio and the Memory*MB metrics are documented as Count.
METRICS: Mapping[str, Metric] = {
    **_metrics("Boolean", "IsIdle"),
    **_metrics("Count", "ContainerAllocated ContainerReserved ContainerPending ContainerPendingRatio "
                        "AppsCompleted AppsFailed AppsKilled AppsPending AppsRunning AppsSubmitted "
                        "MRTotalNodes MRActiveNodes MRLostNodes MRUnhealthyNodes MRDecommissionedNodes "
                        "MRRebootedNodes MultiMasterInstanceGroupNodesRunning MultiMasterInstanceGroupNodesRequested "
                        "S3BytesWritten S3BytesRead HDFSBytesRead HDFSBytesWritten MissingBlocks CorruptBlocks "
                        "TotalLoad MemoryTotalMB MemoryReservedMB MemoryAvailableMB MemoryAllocatedMB "
                        "PendingDeletionBlocks UnderReplicatedBlocks DfsPendingReplicationBlocks "
                        "CapacityRemainingGB"),
    **_metrics("Percent", "LiveDataNodes MultiMasterInstanceGroupNodesRunningPercentage HDFSUtilization "
                          "YARNMemoryAvailablePercentage"),
    # MG: CoreNodesRunning/Pending (and TaskNodes*) "Data points for this metric are reported only when a
    # corresponding instance group exists" -> instance groups only.
    **_metrics("Count", "CoreNodesRunning CoreNodesPending", collection="instance_groups"),
    # guess: the archived page lists TaskNodesRunning/TaskNodesPending/LiveTaskTrackers only in its Hadoop 1
    # table; we keep them (same units) but mark them.
    **_metrics("Count", "TaskNodesRunning TaskNodesPending", collection="instance_groups",
               note="listed under the Hadoop 1 metrics only"),
    **_metrics("Percent", "LiveTaskTrackers", note="listed under the Hadoop 1 metrics only"),
    # MG managed-scaling-metrics: "These metrics are only available when managed scaling is enabled. For
    # clusters composed of instance fleets, the cluster capacity metrics are measured in Units. For clusters
    # composed of instance groups ... in Nodes or vCPU"; every one "Units: Count".
    **_metrics("Count", "TotalUnitsRequested TotalUnitsRunning CoreUnitsRequested CoreUnitsRunning "
                        "TaskUnitsRequested TaskUnitsRunning",
               only_with="managed_scaling", collection="instance_fleets"),
    # The same table lists CoreNodesRunning and TaskNodesRunning (capacity in nodes); those names are the
    # metrics above, which EMR publishes without managed scaling too.
    **_metrics("Count", "TotalNodesRequested TotalNodesRunning TotalVCPURequested TotalVCPURunning "
                        "CoreNodesRequested CoreVCPURequested CoreVCPURunning "
                        "TaskNodesRequested TaskVCPURequested TaskVCPURunning",
               only_with="managed_scaling", collection="instance_groups"),
    # MG UsingEMR_ViewingMetrics: emitted "when you enable auto-termination"; TotalNotebookKernels "only
    # available for Amazon EMR versions 6.4.0 and later". guess: no unit printed for these two; Count for the
    # kernel count, and AutoTerminationIsClusterIdle (0/1) like IsIdle.
    **_metrics("Count", "TotalNotebookKernels", only_with="auto_termination"),
    **_metrics("Boolean", "AutoTerminationIsClusterIdle", only_with="auto_termination"),
}


def metric_unit(name: str) -> str:
    """The AutoScalingPolicy ``Unit`` (CWAD enum spelling) for an EMR metric; KeyError for unknown names."""
    try:
        return METRICS[name].autoscaling_unit
    except KeyError:
        raise KeyError(f"{name!r} is not an AWS/ElasticMapReduce metric this module knows") from None


def metric_usable_in_autoscaling(name: str) -> Optional[bool]:
    """Whether a custom automatic scaling rule (instance groups only) can watch the metric: False for
    metrics EMR publishes only for instance fleets; None for those published only with managed scaling or
    auto-termination (guess: no page says whether a custom policy and managed scaling may coexist)."""
    metric = METRICS.get(name)
    if metric is None:
        return None
    if metric.collection == "instance_fleets":
        return False
    if metric.only_with is not None:
        return None
    return True

# ======================================================================================================
# Scale-in: HDFS replication and graceful decommission
# ======================================================================================================
# Pages:
#   HDFSC  Release Guide "HDFS configuration", https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-hdfs-config.html
#   SCD    Management Guide "Cluster scale-down", https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-scaledown-behavior.html
#   R5120  Release Guide, emr-5.12.0 release notes, https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-5120-release.html

# HDFSC dfs.replication default: "1 for clusters < four core nodes, 2 for clusters < ten core nodes, 3 for all
# other clusters"; SCD: "Graceful shrink does not allow you to shrink core nodes below the HDFS replication
# factor". HDFSC dfs.block.size default 134217728 (128 MB).
REPLICATION_STEPS = ((4, 1), (10, 2))  # (fewer core nodes than this, replication)
REPLICATION_LARGE = 3
HDFS_BLOCK_BYTES = 134217728


def default_replication(core_nodes: int) -> int:
    """dfs.replication EMR sets for a cluster launched with ``core_nodes`` core nodes (HDFSC)."""
    for below, replication in REPLICATION_STEPS:
        if core_nodes < below:
            return replication
    return REPLICATION_LARGE


# SCD: "Using Amazon EMR release version 5.12.0 and later, specify the
# yarn.resourcemanager.nodemanager-graceful-decommission-timeout-secs property. Using earlier Amazon EMR release
# versions, specify the yarn.resourcemanager.decommissioning.timeout property." (R5120: "has changed to".) "If
# there are still running containers or YARN applications when the decommissioning timeout passes, the node is
# forced to be decommissioned ... The default value is 3600s (one hour)."
DECOMMISSION_TIMEOUT_PROPERTY_RENAMED = Gate(
    "yarn.resourcemanager.nodemanager-graceful-decommission-timeout-secs", "yarn-site", ((5, release("5.12.0")),),
    source="MG emr-scaledown-behavior; RG emr-5120-release")
DECOMMISSION_TIMEOUT_PROPERTY = "yarn.resourcemanager.nodemanager-graceful-decommission-timeout-secs"
DECOMMISSION_TIMEOUT_PROPERTY_BEFORE_5_12 = "yarn.resourcemanager.decommissioning.timeout"
DEFAULT_DECOMMISSION_TIMEOUT_SECONDS = 3600


def decommission_timeout_property(release_label: ReleaseLike) -> str:
    """The yarn-site property that sets the graceful decommission timeout on this release (SCD). An unknown
    release gets the current name."""
    return DECOMMISSION_TIMEOUT_PROPERTY_BEFORE_5_12 if DECOMMISSION_TIMEOUT_PROPERTY_RENAMED.allows(
        release_label) is False else DECOMMISSION_TIMEOUT_PROPERTY
