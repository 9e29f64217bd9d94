"""Amazon EMR's facts for cluster props: releases and their gates, applications, configuration
classifications, EBS volume limits and instance limits. The release mechanism (Release, Gate) lives in
emr_contract/releases.py and the scaling and CloudWatch-metric facts in emr_contract/scaling.py, which the
scaling model reads too; this module re-exports both.

Plain data and tiny pure helpers; standard library only, so checks, fakes and docs can read the facts
without loading cdktf. Checks read these facts; they never restate them.

Every fact names the page it comes from (keys below). A fact no page states is marked ``# guess:`` with
the reason and the reading we chose; where pages disagree we keep the stricter reading and say so.
Helpers answer ``None`` for "unknown" rather than guess a yes or a no.

Pages cited below:
  RJF    EMR API Reference, RunJobFlow (botocore emr/2009-03-31/service-2.json, the same text):
         https://docs.aws.amazon.com/emr/latest/APIReference/API_RunJobFlow.html
  JFIC   https://docs.aws.amazon.com/emr/latest/APIReference/API_JobFlowInstancesConfig.html
  IGC    https://docs.aws.amazon.com/emr/latest/APIReference/API_InstanceGroupConfig.html
  IFC    https://docs.aws.amazon.com/emr/latest/APIReference/API_InstanceFleetConfig.html
  ITC    https://docs.aws.amazon.com/emr/latest/APIReference/API_InstanceTypeConfig.html
  VOLSPEC https://docs.aws.amazon.com/emr/latest/APIReference/API_VolumeSpecification.html
  ATP    https://docs.aws.amazon.com/emr/latest/APIReference/API_AutoTerminationPolicy.html
  SPOT   https://docs.aws.amazon.com/emr/latest/APIReference/API_SpotProvisioningSpecification.html
  RESIZE https://docs.aws.amazon.com/emr/latest/APIReference/API_SpotResizingSpecification.html and
         API_OnDemandResizingSpecification.html
  CWAD   https://docs.aws.amazon.com/emr/latest/APIReference/API_CloudWatchAlarmDefinition.html
  MSP    https://docs.aws.amazon.com/emr/latest/APIReference/API_ManagedScalingPolicy.html, API_ComputeLimits.html
  PGC    https://docs.aws.amazon.com/emr/latest/APIReference/API_PlacementGroupConfig.html
  MG     Amazon EMR Management Guide, https://docs.aws.amazon.com/emr/latest/ManagementGuide/<page>.html
         (pages named inline: emr-plan-ha, emr-plan-bootstrap, emr-plan-storage, emr-instance-fleet,
         emr-instance-group-configuration, emr-auto-termination-policy, emr-managed-scaling,
         emr-scale-on-demand, emr-automatic-scaling, UsingEMR_ViewingMetrics, managed-scaling-metrics,
         emr-custom-ami-root-volume-size, emr-custom-ami-change-al-release, emr-plan-tags-restrictions,
         emr-add-steps-console). Text before June 2023 read from github awsdocs/amazon-emr-management-guide
         (doc_source/, archived 2023-06); later text from the docs pages themselves.
  RG     Amazon EMR Release Guide, https://docs.aws.amazon.com/emr/latest/ReleaseGuide/<page>.html
         (emr-release-app-versions-{5,6,7}.x, <App>-release-history, emr-<NNN>-release, emr-delta,
         Deltausing-cluster-spark, Deltacluster-trino, emr-iceberg-create-cluster, emr-trino,
         emr-hudi-installation-and-configuration, emr-AmazonCloudWatchAgent, emr-sqoop, emr-mxnet,
         emr-release-components). Release notes up to 5.34.0 / 6.5.0 read from github
         awsdocs/amazon-emr-release-guide (doc_source/, archived 2023-06).
  EBS    Amazon EC2 API Reference CreateVolume / EbsBlockDevice (botocore ec2/2016-11-15/service-2.json,
         2026 snapshot): https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVolume.html
  EBSPI  https://docs.aws.amazon.com/ebs/latest/userguide/provisioned-iops.html
  EBSGP  https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html
  TAGS   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html#tag-restrictions (EMR's tag
         page defers to it; the same four limits are quoted verbatim by AWS Batch and ECS docs)

It is due to become a package, one file per section; until then its sections are marked.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Optional, Union

from emr_contract.releases import Gate, Release, ReleaseLike  # noqa: F401  (re-exported)
from emr_contract.ebs import default_root_volume_size_gib, default_root_volume_type
from emr_contract.releases import release as _r
from emr_contract.steps import MAX_STEP_CONCURRENCY, MIN_STEP_CONCURRENCY, XML_STRING
from emr_contract.scaling import (  # noqa: F401  (re-exported: the constructs read scaling facts here)
    MANAGED_SCALING_GROUP_UNITS, MANAGED_SCALING_FLEET_UNITS, UTILIZATION_PERFORMANCE_INDEX, SCALING_STRATEGIES, AUTOSCALING_NAMESPACE,
    AUTOSCALING_PERIOD_SECONDS, AUTOSCALING_STATISTICS, AUTOSCALING_COMPARISONS, AUTOSCALING_ADJUSTMENT_TYPES, AUTOSCALING_DEFAULT_COOLDOWN_SECONDS,
    AUTOSCALING_ROLES, AUTOSCALING_UNITS, CLOUDWATCH_UNIT_TO_ENUM, Metric, METRICS,
    metric_unit, metric_usable_in_autoscaling,
)

# ======================================================================================================
# Releases
# ======================================================================================================


# The lines this module knows. RG emr-release-components: the latest releases are 7.12.0 (7.x), 6.15.0
# (6.x) and 5.36.2 (5.x); RG Ganglia-release-history: "releases higher than 6.15.0" are 7.x. The 5.x and
# 6.x lines are closed: a label past their last release names no release we know of.
LINE_FIRST = {5: _r("5.0.0"), 6: _r("6.0.0"), 7: _r("7.0.0")}
LINE_LAST = {5: _r("5.36.2"), 6: _r("6.15.0")}
# The newest 7.x release any page we read lists (RG TensorFlow-release-history shows emr-7.14.0).
NEWEST_SEEN = _r("7.14.0")
# The archived release guide (awsdocs/amazon-emr-release-guide) documents every release up to these.
ARCHIVED_WINDOW = ((_r("5.0.0"), _r("5.34.0")), (_r("6.0.0"), _r("6.5.0")))


def known_release(release: ReleaseLike) -> Optional[bool]:
    """False for labels past the end of a closed line (emr-6.16.0), True inside a known line, None for
    other lines or 7.x past the newest release we saw."""
    r = Release.of(release)
    if r is None or r.major not in LINE_FIRST:
        return None
    if r.major in LINE_LAST:
        return r <= LINE_LAST[r.major]
    return True if r <= NEWEST_SEEN else None


# ======================================================================================================
# Release gates
# ======================================================================================================



STEP_CONCURRENCY = Gate(
    "more than one step at a time", "StepConcurrencyLevel > 1", ((5, _r("5.28.0")),),
    # MG emr-add-steps-console: "Running multiple steps in parallel is only supported with Amazon EMR
    # version 5.28.0 and later."
    source="MG emr-add-steps-console")

AUTO_TERMINATION = Gate(
    "auto-termination policy (idle timeout)", "AutoTerminationPolicy", ((5, _r("5.30.0")), (6, _r("6.1.0"))),
    # MG emr-auto-termination-policy: "Auto-termination is supported with Amazon EMR versions 5.30.0 and
    # 6.1.0 and later." (so 6.0.x lacks it)
    source="MG emr-auto-termination-policy")

MANAGED_SCALING = Gate(
    "EMR managed scaling", "ManagedScalingPolicy", ((5, _r("5.30.0")), (6, _r("6.0.0"))),
    # MG emr-managed-scaling and emr-scale-on-demand: "Amazon EMR version 5.30.0 and later (except Amazon
    # EMR version 6.0.0)"; the same page lists a managed-scaling fix shipped in 6.0.1, so 6.0.1 has it.
    source="MG emr-managed-scaling, emr-scale-on-demand",
    excluded=frozenset({_r("6.0.0")}))

THREE_MASTERS_GROUPS = Gate(
    "three primary nodes with instance groups", "master InstanceCount 3", ((5, _r("5.23.0")),),
    # MG emr-plan-ha: "For instance groups, high availability is supported with Amazon EMR releases
    # 5.23.0 and higher."
    source="MG emr-plan-ha")

THREE_MASTERS_FLEETS = Gate(
    "three primary nodes with instance fleets", "master fleet target capacity 3",
    ((5, _r("5.36.1")), (6, _r("6.12.0")), (7, _r("7.0.0"))),
    # MG emr-plan-ha / emr-plan-ha-considerations: "High availability for instance fleets is supported with
    # Amazon EMR releases 5.36.1, 5.36.2, 6.8.1, 6.9.1, 6.10.1, 6.11.1, 6.12.0, and higher."
    # So 6.8.0, 6.9.0, 6.10.0 and 6.11.0 lack it although older patch-1 releases have it.
    source="MG emr-plan-ha",
    also=frozenset({_r("6.8.1"), _r("6.9.1"), _r("6.10.1"), _r("6.11.1")}))

LOG_ENCRYPTION_KMS_KEY = Gate(
    "KMS key for log files", "LogEncryptionKmsKeyId", ((5, _r("5.30.0")), (6, _r("6.0.0"))),
    # RJF LogEncryptionKmsKeyId: "This attribute is only available with Amazon EMR releases 5.30.0 and
    # later, excluding Amazon EMR 6.0.0."
    source="RJF LogEncryptionKmsKeyId",
    excluded=frozenset({_r("6.0.0")}),
    # guess: the page names 6.0.0 only; whether "6.0.0" means the 6.0.x line (6.0.1) is not said, so
    # 6.0.1 is left unknown rather than allowed.
    unknown=((_r("6.0.1"), _r("6.0.1")),))

EBS_ROOT_VOLUME_SIZE = Gate(
    "EBS root volume size", "EbsRootVolumeSize", ((4, _r("4.0.0")),),
    # RJF EbsRootVolumeSize: "Available in Amazon EMR releases 4.x and later."
    source="RJF EbsRootVolumeSize")

EBS_ROOT_VOLUME_IOPS = Gate(
    "EBS root volume IOPS", "EbsRootVolumeIops", ((6, _r("6.15.0")),),
    # RJF EbsRootVolumeIops: "Available in Amazon EMR releases 6.15.0 and later."
    source="RJF EbsRootVolumeIops; MG emr-custom-ami-root-volume-size")

EBS_ROOT_VOLUME_THROUGHPUT = Gate(
    "EBS root volume throughput", "EbsRootVolumeThroughput", ((6, _r("6.15.0")),),
    # RJF EbsRootVolumeThroughput: "Available in Amazon EMR releases 6.15.0 and later."
    source="RJF EbsRootVolumeThroughput; MG emr-custom-ami-root-volume-size")

OS_RELEASE_LABEL = Gate(
    "choosing the Amazon Linux release", "OSReleaseLabel", ((6, _r("6.6.0")),),
    # MG emr-custom-ami-change-al-release: "When you launch a cluster using Amazon EMR 6.6.0 or higher ...
    # You can specify a different Amazon Linux release"; RJF OSReleaseLabel names no release.
    source="MG emr-custom-ami-change-al-release",
    # guess: MG emr-default-ami applies automatic Amazon Linux updates from 5.36 too, but no page says 5.36
    # takes OSReleaseLabel; unknown rather than refused.
    unknown=((_r("5.36.0"), _r("5.36.2")),))

CUSTOM_AMI = Gate(
    "custom AMI", "CustomAmiId", ((5, _r("5.7.0")),),
    # RJF CustomAmiId: "Available only in Amazon EMR releases 5.7.0 and later."
    source="RJF CustomAmiId")

INSTANCE_FLEETS = Gate(
    "instance fleets", "InstanceFleets", ((4, _r("4.8.0")),),
    # JFIC InstanceFleets: "available only in Amazon EMR releases 4.8.0 and later, excluding 5.0.x
    # versions" (RG emr-release-app-versions-5.x: the 5.0.x releases are 5.0.0 and 5.0.3).
    source="JFIC InstanceFleets",
    excluded=frozenset({_r("5.0.0"), _r("5.0.3")}),
    unknown=((_r("5.0.1"), _r("5.0.2")),))

FLEET_ALLOCATION_STRATEGY = Gate(
    "On-Demand/Spot allocation strategies for fleets", "LaunchSpecifications.*.AllocationStrategy",
    ((5, _r("5.12.1")),),
    # SPOT / InstanceFleetProvisioningSpecifications: "On-Demand and Spot instance allocation strategies
    # are available in Amazon EMR releases 5.12.1 and later."
    source="SPOT")

CUSTOM_AUTOSCALING = Gate(
    "custom automatic scaling policy", "InstanceGroupConfig.AutoScalingPolicy", ((4, _r("4.0.0")),),
    # MG emr-scale-on-demand: custom automatic scaling "Amazon EMR version 4.0.0 and later",
    # "Instance groups only".
    source="MG emr-scale-on-demand")

SCALE_DOWN_AT_INSTANCE_HOUR = Gate(
    "ScaleDownBehavior TERMINATE_AT_INSTANCE_HOUR", "ScaleDownBehavior", ((5, _r("5.1.0")),),
    # RJF ScaleDownBehavior: "TERMINATE_AT_INSTANCE_HOUR ... only available with Amazon EMR 5.1.0 and later"
    source="RJF ScaleDownBehavior")

SCALE_DOWN_AT_TASK_COMPLETION = Gate(
    "ScaleDownBehavior TERMINATE_AT_TASK_COMPLETION", "ScaleDownBehavior", ((4, _r("4.1.0")),),
    # RJF ScaleDownBehavior: "TERMINATE_AT_TASK_COMPLETION available only in Amazon EMR releases 4.1.0 and
    # later"
    source="RJF ScaleDownBehavior")

UNHEALTHY_NODE_REPLACEMENT = Gate(
    "unhealthy node replacement", "UnhealthyNodeReplacement", ((4, _r("4.0.0")),),
    # guess: JFIC UnhealthyNodeReplacement and MG emr-plan-node-replacement name no release; the page's
    # sentence "Unhealthy node replacement is available for all ..." was cut off where we read it. Taken
    # as ungated.
    source="JFIC UnhealthyNodeReplacement; MG emr-plan-node-replacement (guess: no gate found)")

KERBEROS = Gate(
    "Kerberos authentication", "KerberosAttributes", ((5, _r("5.10.0")),),
    # MG emr-kerberos: "Amazon EMR release version 5.10.0 and later supports Kerberos".
    source="MG emr-kerberos")

PLACEMENT_GROUPS = Gate(
    "placement group for the primary nodes", "PlacementGroupConfigs", ((5, _r("5.23.0")),),
    # MG emr-plan-ha-placementgroup: "Placement group strategies are supported starting with Amazon EMR
    # version 5.23.0 as an option for multiple primary node clusters."
    source="MG emr-plan-ha-placementgroup")

EBS_ENCRYPTION = Gate(
    "EBS encryption in a security configuration", "security.ebs_encryption", ((5, _r("5.24.0")),),
    # MG emr-data-encryption-options: "Beginning with Amazon EMR version 5.24.0, you can use a security
    # configuration option to encrypt EBS root device and storage volumes when you specify AWS KMS as your key
    # provider."
    source="MG emr-data-encryption-options")

IMDS_V2 = Gate(
    "requiring IMDSv2 (MinimumInstanceMetadataServiceVersion 2)", "security.imds_v2_required",
    ((5, _r("5.32.0")), (6, _r("6.2.0"))),
    # MG emr-create-security-configuration: "Amazon EMR supports IMDSv2 in Amazon EMR 5.23.1, 5.27.1, 5.32 or
    # later, and 6.2 or later ... In earlier Amazon EMR 5.x or 6.x releases, turning off IMDSv1 causes cluster
    # startup failure"
    source="MG emr-create-security-configuration", also=frozenset({_r("5.23.1"), _r("5.27.1")}))

AMAZON_LINUX_2 = Gate(
    "Amazon Linux 2 nodes (systemd, python3.7)", "release_label", ((5, _r("5.30.0")), (6, _r("6.0.0"))),
    # RG emr-release-components / emr-5300-release: Amazon EMR 5.30.0 and later 5.x releases and every 6.x release
    # run on Amazon Linux 2 (7.x on Amazon Linux 2023); earlier releases on Amazon Linux (2018.03), which has
    # neither systemd nor python3.7.
    source="RG emr-5300-release")

GATES: Mapping[str, Gate] = {
    "step_concurrency": STEP_CONCURRENCY,
    "auto_termination": AUTO_TERMINATION,
    "managed_scaling": MANAGED_SCALING,
    "three_masters_groups": THREE_MASTERS_GROUPS,
    "three_masters_fleets": THREE_MASTERS_FLEETS,
    "log_encryption_kms_key": LOG_ENCRYPTION_KMS_KEY,
    "ebs_root_volume_size": EBS_ROOT_VOLUME_SIZE,
    "ebs_root_volume_iops": EBS_ROOT_VOLUME_IOPS,
    "ebs_root_volume_throughput": EBS_ROOT_VOLUME_THROUGHPUT,
    "os_release_label": OS_RELEASE_LABEL,
    "custom_ami": CUSTOM_AMI,
    "instance_fleets": INSTANCE_FLEETS,
    "fleet_allocation_strategy": FLEET_ALLOCATION_STRATEGY,
    "custom_autoscaling": CUSTOM_AUTOSCALING,
    "scale_down_at_instance_hour": SCALE_DOWN_AT_INSTANCE_HOUR,
    "scale_down_at_task_completion": SCALE_DOWN_AT_TASK_COMPLETION,
    "unhealthy_node_replacement": UNHEALTHY_NODE_REPLACEMENT,
    "kerberos": KERBEROS,
    "placement_groups": PLACEMENT_GROUPS,
    "ebs_encryption": EBS_ENCRYPTION,
    "imds_v2": IMDS_V2,
    "amazon_linux_2": AMAZON_LINUX_2,
}


def gate_allows(gate: str, release: ReleaseLike) -> Optional[bool]:
    """Whether ``release`` has the gated feature named ``gate`` (a key of GATES); None if unknown."""
    return GATES[gate].allows(release)


def three_masters_allowed(release: ReleaseLike, *, fleets: bool) -> Optional[bool]:
    return (THREE_MASTERS_FLEETS if fleets else THREE_MASTERS_GROUPS).allows(release)


# Release-dependent defaults.


def default_spot_allocation_strategy(release: ReleaseLike) -> Optional[str]:
    """RESIZE SpotResizingSpecification.AllocationStrategy: "If you run Amazon EMR releases 6.9.0 or higher,
    the default is price-capacity-optimized. If you run Amazon EMR releases 6.8.0 or lower, the default is
    capacity-optimized." (6.8.1, between the two, is not named: answered by ordering, as "lower".)"""
    r = Release.of(release)
    if r is None:
        return None
    return "price-capacity-optimized" if r >= _r("6.9.0") else "capacity-optimized"


# ======================================================================================================
# Applications
# ======================================================================================================

# RJF Applications: "A case-insensitive list of applications for Amazon EMR to install".
APPLICATION_NAMES_CASE_SENSITIVE = False


@dataclass(frozen=True)
class AppSpan:
    """Releases of one major line that ship an application: ``first`` .. ``last`` when the application
    left the line, else ``first`` .. ``seen`` (the newest release we saw it in; past it: unknown)."""

    first: Release
    last: Optional[Release] = None
    seen: Optional[Release] = None

    def contains(self, r: Release) -> Optional[bool]:
        if r < self.first:
            return False
        if self.last is not None:
            return r <= self.last
        return True if self.seen is not None and r <= self.seen else None


def _span(first: str, last: Optional[str] = None, seen: Optional[str] = None) -> AppSpan:
    return AppSpan(_r(first), _r(last) if last else None, _r(seen) if seen else None)


# Abbreviations of the evidence behind each span:
#   T5, T6 = RG emr-release-app-versions-5.x / 6.x as archived (every release to 5.34.0 / 6.5.0);
#   T7 = RG emr-release-app-versions-7.x (rows to HBase read: AmazonCloudWatchAgent, Delta, Flink,
#        Ganglia "-", HBase, through emr-7.12.0);  H(App) = RG <App>-release-history, newest rows;
#   C(App) = the application's components listed under another application's release history (e.g.
#        hadoop-* under Spark at emr-7.13.0): the components ship, so we take the application as shipping.
# guess (continuity): an application shipped in 6.5.0 (T6) and again from 7.0.0 is taken to ship in every
# 6.x release between (6.6.0-6.15.0) where no page of ours lists that line's later releases.
# Where a line's key is missing, nothing we read says either way: the answer is None.
_C6 = dict(seen="6.15.0")  # continuity through the end of the 6.x line (guess, see above)

APPLICATIONS: Mapping[str, Mapping[int, Optional[AppSpan]]] = {
    # T5, T6; H(Spark) newest row emr-7.13.0.
    "Spark": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; C(Spark): hadoop-client, hadoop-hdfs-*, hadoop-yarn-* at emr-7.13.0.
    "Hadoop": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; C(Presto): hive-client, hcatalog-server at emr-7.13.0.
    "Hive": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    "HCatalog": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; C(Spark/Zeppelin): livy-server at emr-7.13.0.
    "Livy": {5: _span("5.9.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; T7 HBase row through emr-7.10.0 (docs.aws) / emr-7.12.0 (docs.amazonaws.cn).
    "HBase": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.12.0")},
    # T5 (5.1.0+), T6 (6.1.0+, not in 6.0.x); T7 Flink row through emr-7.12.0.
    "Flink": {5: _span("5.1.0", seen="5.34.0"), 6: _span("6.1.0", **_C6), 7: _span("7.0.0", seen="7.12.0")},
    # T5, T6; H(Hue) newest row emr-7.13.0, emr-6.14.0 in the 6.x rows (continuity to 6.15.0).
    "Hue": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6 (6.1.0+); H(Pig) emr-7.13.0.
    "Pig": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.1.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; H(Oozie) emr-7.13.0 and emr-6.14.0.
    "Oozie": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; H(Phoenix) emr-7.13.0; RG emr-phoenix names emr-6.15.0.
    "Phoenix": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; H(Presto) emr-7.13.0; RG emr-presto names emr-6.15.0.
    "Presto": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # RG emr-610-release: "PrestoSQL is supported on EMR 6.1.0 and later versions only, not on EMR 6.0.0 or
    # EMR 5.x ... To install PrestoSQL on clusters, use the application name PrestoSQL"; RG emr-640-release:
    # "PrestoSQL has been renamed to Trino". guess: 6.4.0+ no longer takes the name PrestoSQL (RG emr-trino:
    # "6.4.0 and later generally refer to Trino"); 6.3.1 is the last 6.3.x release (T6).
    "PrestoSQL": {5: None, 6: _span("6.1.0", last="6.3.1"), 7: None},
    # T6 row "Trino (PrestoSQL)" from 6.4.0 under the name Trino; RG emr-trino names emr-7.13.0. Not in 5.x.
    "Trino": {5: None, 6: _span("6.4.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; H(Tez) emr-7.13.0.
    "Tez": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; H(Zeppelin) emr-7.13.0.
    "Zeppelin": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5, T6; C(Phoenix): zookeeper-server at emr-7.13.0.
    "ZooKeeper": {5: _span("5.0.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.13.0")},
    # T5 (5.14.0+), T6. Nothing read for 7.x.
    "JupyterHub": {5: _span("5.14.0", seen="5.34.0"), 6: _span("6.0.0", seen="6.5.0")},
    # T5 (5.32.0+), T6 (6.2.0+). Nothing read for 7.x.
    "JupyterEnterpriseGateway": {5: _span("5.32.0", seen="5.34.0"), 6: _span("6.2.0", seen="6.5.0")},
    # T5 (5.0.0+), T6 (6.1.0+); RG emr-sqoop: "The last release to include Apache Sqoop was Amazon EMR
    # Release 7.4 ... removed from Amazon EMR Release 7.5 and higher"; H(Sqoop) lists emr-5.36.2.
    "Sqoop": {5: _span("5.0.0", last="5.36.2"), 6: _span("6.1.0", last="6.15.0"), 7: _span("7.0.0", last="7.4.0")},
    # T5 (5.17.0+), T6; H(TensorFlow) emr-7.14.0.
    "TensorFlow": {5: _span("5.17.0", seen="5.34.0"), 6: _span("6.0.0", **_C6), 7: _span("7.0.0", seen="7.14.0")},
    # T5 (5.10.0+), T6; RG emr-mxnet: "Amazon EMR 7.2.0 is the last release that includes MXNet";
    # H(MXNet) lists emr-5.36.2 and emr-6.15.0.
    "MXNet": {5: _span("5.10.0", last="5.36.2"), 6: _span("6.0.0", last="6.15.0"), 7: _span("7.0.0", last="7.2.0")},
    # T5, T6; H(Ganglia): "The last release of Amazon EMR to include Ganglia was Amazon EMR 6.15.0"
    # (emr-5.36.2 listed); T7 Ganglia row "-" in every 7.x release.
    "Ganglia": {5: _span("5.0.0", last="5.36.2"), 6: _span("6.0.0", last="6.15.0"), 7: None},
    # T5 (every 5.x); T6 Mahout row "-" in every 6.x release. guess: not in 7.x either (dropped in 6.0.0,
    # no 7.x page lists it).
    "Mahout": {5: _span("5.0.0", seen="5.34.0"), 6: None, 7: None},
    # RG emr-AmazonCloudWatchAgent / AmazonCloudWatchAgent-config: "Amazon EMR 7.0.0 and higher include the
    # Amazon CloudWatch agent"; T7 row through emr-7.12.0. The application is named AmazonCloudWatchAgent
    # (T7), not CloudWatchAgent. RG emr-5140-release shows the row "-" for 5.x; H(Ganglia): releases
    # "higher than 6.15.0" include the agent.
    "AmazonCloudWatchAgent": {5: None, 6: None, 7: _span("7.0.0", seen="7.12.0")},
}

# Names the release tables list that the Applications list does not take: they are bundled with other
# applications or switched on by a classification. guess: no page says RunJobFlow refuses them as
# application names; the pages never pass them in --applications, and the release histories list their
# installed components as "Not available." We answer False for them as applications.
NOT_APPLICATIONS: Mapping[str, str] = {
    # RG emr-iceberg-create-cluster: create the cluster with classification iceberg-defaults
    # {"iceberg.enabled": "true"} (Iceberg from 6.5.0, T6), Spark installs it (H(Spark) component iceberg).
    "Iceberg": "enable with the iceberg-defaults classification {'iceberg.enabled': 'true'} (6.5.0+)",
    # RG Deltausing-cluster-spark: "Starting with Amazon EMR version 6.9.0 ... [{"Classification":
    # "delta-defaults", "Properties":{"delta.enabled":"true"}}]" with --applications Name=Spark; RG emr-delta:
    # components installed with Delta "Not available."
    "Delta": "enable with the delta-defaults classification {'delta.enabled': 'true'} (6.9.0+)",
    # RG emr-hudi-installation-and-configuration: "With Amazon EMR release version 5.28.0 and later, Amazon
    # EMR installs Hudi components by default when Spark, Hive, or Presto is installed"; H(Hudi):
    # components "Not available."
    "Hudi": "installed with Spark, Hive, Presto or Flink (5.28.0+); tune with hudi-defaults (6.4.0+)",
    # Misspelling of AmazonCloudWatchAgent.
    "CloudWatchAgent": "the application is named AmazonCloudWatchAgent (7.0.0+)",
}

# RG emr-presto / emr-trino: "Trino and Presto can't run simultaneously on the same cluster"; RG
# emr-610-release: "If both PrestoDB and PrestoSQL are specified ... a validation error occurs".
EXCLUSIVE_APPLICATIONS = (frozenset({"Presto", "Trino"}), frozenset({"Presto", "PrestoSQL"}))

_APP_BY_LOWER = {name.lower(): name for name in APPLICATIONS}


def canonical_application(name: object) -> Optional[str]:
    """The EMR spelling of an application name given in any case (RJF: the list is case-insensitive)."""
    return _APP_BY_LOWER.get(name.lower()) if isinstance(name, str) else None


def application_available(name: str, release: ReleaseLike) -> Optional[bool]:
    """Whether ``release`` ships the application ``name`` (any case). None when unknown: an unparsable
    label, a line we know nothing of, a release past the newest we saw the application in, or a label past
    the end of a closed line."""
    r = Release.of(release)
    if r is None or known_release(r) is not True:
        return None
    canon = canonical_application(name)
    if canon is None:
        # Not an application of any EMR release we read (including NOT_APPLICATIONS).
        return False
    lines = APPLICATIONS[canon]
    if r.major not in lines:
        return None
    span = lines[r.major]
    return False if span is None else span.contains(r)


# ======================================================================================================
# Configuration classifications
# ======================================================================================================

# guess: classifications are matched exactly, case and all. Every page spells them in lower case, RJF
# documents Applications as case-insensitive but says nothing of Configuration.Classification (a plain
# String in the API model), so we take the stricter reading.
CLASSIFICATIONS_CASE_SENSITIVE = True

# The classifications each release accepts, from the "emr-X.Y.Z classifications" table of every release
# note in the archived release guide (RG emr-<NNN>-release, 5.0.0-5.34.0 and 6.0.0-6.5.0). Each line is
# "first..last [first..last]: names"; every release of the archived window between first and last
# (inclusive) lists every name on the line, and no other release of the window lists it.
_CLASSIFICATION_TABLE = """
5.0.0..5.34.0 6.0.0..6.5.0: capacity-scheduler core-site emrfs-site hadoop-env hadoop-kms-acls
    hadoop-kms-env hadoop-kms-log4j hadoop-kms-site hadoop-log4j hadoop-ssl-client hadoop-ssl-server
    hbase-env hbase-log4j hbase-metrics hbase-policy hbase-site hcatalog-env hcatalog-server-jndi
    hcatalog-server-proto-hive-site hcatalog-webhcat-env hcatalog-webhcat-log4j2 hcatalog-webhcat-site
    hdfs-encryption-zones hdfs-site hive-beeline-log4j2 hive-env hive-exec-log4j2 hive-llap-daemon-log4j2
    hive-log4j2 hive-site hiveserver2-site httpfs-env httpfs-site hue-ini mapred-env mapred-site oozie-env
    oozie-log4j oozie-site phoenix-hbase-metrics phoenix-hbase-site phoenix-log4j phoenix-metrics
    presto-config presto-connector-blackhole presto-connector-cassandra presto-connector-hive
    presto-connector-jmx presto-connector-kafka presto-connector-localfile presto-connector-mongodb
    presto-connector-mysql presto-connector-postgresql presto-connector-raptor presto-connector-redis
    presto-connector-tpch presto-log spark spark-defaults spark-env spark-hive-site spark-log4j
    spark-metrics tez-site yarn-env yarn-site zeppelin-env zookeeper-config zookeeper-log4j
5.0.0..5.34.0 6.1.0..6.5.0: pig-log4j pig-properties sqoop-env sqoop-oraoop-site sqoop-site
5.1.0..5.34.0 6.1.0..6.5.0: flink-conf flink-log4j flink-log4j-cli
5.1.0..5.32.1 6.1.0..6.2.1: flink-log4j-yarn-session
5.2.0..5.34.0 6.0.0..6.5.0: hbase
5.3.0..5.34.0 6.0.0..6.5.0: hive-parquet-logging
5.6.0..5.34.0 6.0.0..6.5.0: presto-env presto-node
5.9.0..5.34.0 6.0.0..6.5.0: livy-conf livy-env livy-log4j
5.12.0..5.34.0 6.0.0..6.5.0: presto-connector-redshift
5.12.0..5.34.0 6.1.0..6.5.0: pig-env
5.14.0..5.34.0 6.0.0..6.5.0: container-log4j jupyter-hub-conf jupyter-notebook-conf jupyter-sparkmagic-conf
5.16.0..5.34.0 6.0.0..6.5.0: presto-password-authenticator
5.17.0..5.34.0 6.0.0..6.5.0: jupyter-s3-conf
5.19.0..5.34.0 6.0.0..6.5.0: presto-connector-memory presto-connector-tpcds
5.25.0..5.34.0 6.0.0..6.0.1: recordserver-conf recordserver-env recordserver-log4j
5.27.0..5.34.0 6.0.0..6.5.0: ranger-kms-db-ca ranger-kms-dbks-site ranger-kms-env ranger-kms-log4j
    ranger-kms-site
5.30.0..5.34.0 6.1.0..6.5.0: hudi-env
5.32.0..5.34.0 6.0.0..6.5.0: container-executor
5.32.0..5.34.0 6.2.0..6.5.0: docker-conf
5.33.0..5.34.0 6.3.0..6.5.0: flink-log4j-session zeppelin-site
6.0.0..6.5.0: hdfs-env hive
6.1.0..6.3.1: prestosql-config prestosql-connector-blackhole prestosql-connector-cassandra
    prestosql-connector-hive prestosql-connector-jmx prestosql-connector-kafka prestosql-connector-localfile
    prestosql-connector-memory prestosql-connector-mongodb prestosql-connector-mysql
    prestosql-connector-postgresql prestosql-connector-raptor prestosql-connector-redis
    prestosql-connector-redshift prestosql-connector-tpcds prestosql-connector-tpch prestosql-env
    prestosql-log prestosql-node prestosql-password-authenticator
6.4.0..6.5.0: hudi-defaults trino-config trino-connector-blackhole trino-connector-cassandra
    trino-connector-hive trino-connector-jmx trino-connector-kafka trino-connector-localfile
    trino-connector-memory trino-connector-mongodb trino-connector-mysql trino-connector-postgresql
    trino-connector-raptor trino-connector-redis trino-connector-redshift trino-connector-tpcds
    trino-connector-tpch trino-env trino-log trino-node trino-password-authenticator
6.5.0..6.5.0: iceberg-defaults
"""


def _parse_classification_table(text: str) -> dict[str, tuple[tuple[Release, Release], ...]]:
    spans: dict[str, tuple[tuple[Release, Release], ...]] = {}
    for entry in re.split(r"\n(?=\S)", text.strip()):
        head, names = entry.split(":", 1)
        ranges = tuple((_r(lo), _r(hi)) for lo, hi in (part.split("..") for part in head.split()))
        for name in names.split():
            spans[name] = ranges
    return spans


# name -> the archived-window ranges of releases that list it.
CLASSIFICATION_SPANS: Mapping[str, tuple[tuple[Release, Release], ...]] = _parse_classification_table(
    _CLASSIFICATION_TABLE)

# Classifications documented for releases after the archived window, with the first release that takes
# them. guess: once added they stay (no page we read removes them).
CLASSIFICATIONS_SINCE: Mapping[str, Release] = {
    # RG emr-iceberg-create-cluster (iceberg-defaults, {"iceberg.enabled": "true"}); the first 6.x release
    # that lists it is 6.5.0 (RG emr-650-release).
    "iceberg-defaults": _r("6.5.0"),
    # RG Deltausing-cluster-spark: "Starting with Amazon EMR version 6.9.0 ... delta-defaults".
    "delta-defaults": _r("6.9.0"),
    # RG Deltacluster-trino: "With Amazon EMR releases 6.9.0 and higher ... trino-connector-delta".
    "trino-connector-delta": _r("6.9.0"),
}

ALL_CLASSIFICATIONS = frozenset(CLASSIFICATION_SPANS) | frozenset(CLASSIFICATIONS_SINCE)

# The application a classification configures, by its first dash-separated word: where the release does
# not ship that application, it does not list the classification (T5/T6 against the tables above, e.g.
# flink-* and pig-* are absent from 6.0.x like Flink and Pig; trino-* only from 6.4.0 like Trino).
CLASSIFICATION_APPLICATION = {
    "flink": "Flink", "hbase": "HBase", "hcatalog": "HCatalog", "hive": "Hive", "hiveserver2": "Hive",
    "hue": "Hue", "jupyter": "JupyterHub", "livy": "Livy", "oozie": "Oozie", "phoenix": "Phoenix",
    "pig": "Pig", "presto": "Presto", "prestosql": "PrestoSQL", "spark": "Spark", "sqoop": "Sqoop",
    "tez": "Tez", "trino": "Trino", "zeppelin": "Zeppelin", "zookeeper": "ZooKeeper",
}


def _in_archived_window(r: Release) -> bool:
    return any(lo <= r <= hi for lo, hi in ARCHIVED_WINDOW)


def classification_application(name: str) -> Optional[str]:
    """The application a classification belongs to (``trino-config`` -> Trino), None for shared ones."""
    return CLASSIFICATION_APPLICATION.get(name.split("-", 1)[0]) if isinstance(name, str) else None


def classification_available(name: str, release: ReleaseLike) -> Optional[bool]:
    """Whether ``release`` accepts the configuration classification ``name`` (matched exactly).

    Inside the archived window (5.0.0-5.34.0, 6.0.0-6.5.0) the answer is the release notes' table. After it:
    True for CLASSIFICATIONS_SINCE from their first release; False when the classification's application is
    not shipped by the release; None otherwise (unknown)."""
    r = Release.of(release)
    if r is None or not isinstance(name, str) or known_release(r) is not True:
        return None
    if _in_archived_window(r):
        return any(lo <= r <= hi for lo, hi in CLASSIFICATION_SPANS.get(name, ()))
    if name in CLASSIFICATIONS_SINCE:
        return r >= CLASSIFICATIONS_SINCE[name]
    app = classification_application(name)
    if app is not None and application_available(app, r) is False:
        return False
    return None


# ======================================================================================================
# EBS volumes
# ======================================================================================================


@dataclass(frozen=True)
class EbsVolumeType:
    """What EC2 accepts for one volume type (EBS), and whether EMR takes the type at all (VOLSPEC)."""

    name: str
    size_gib: tuple[int, int]
    iops: Optional[tuple[int, int]]  # None: the type takes no Iops ("Omit for all other volume types")
    iops_required: bool
    max_iops_per_gib: Optional[float]
    throughput_mibps: Optional[tuple[int, int]]  # None: no Throughput (gp3 only)
    max_mibps_per_iops: Optional[float]
    emr_accepts: bool


# VOLSPEC VolumeType: "Volume types supported are gp3, gp2, io1, st1, sc1, and standard." (no io2)
EMR_VOLUME_TYPES = ("gp3", "gp2", "io1", "st1", "sc1", "standard")

EBS_VOLUME_TYPES: Mapping[str, EbsVolumeType] = {
    # EBS Size "gp2: 1 - 16,384 GiB"; Iops "Omit for all other volume types" (only gp3, io1, io2 take it).
    "gp2": EbsVolumeType("gp2", (1, 16384), None, False, None, None, None, True),
    # EBS (2026): gp3 size 1-65,536 GiB, IOPS 3,000 (default)-80,000, throughput 125-2,000 MiB/s. Older EC2
    # text (and the SDK docs most tools embed) says 1-16,384 GiB, 3,000-16,000 IOPS, 125-1,000 MiB/s, and
    # VOLSPEC caps Throughput at "125 - 1000". guess: we keep the older, stricter limits until EMR's own page
    # moves. Ratios: EBSGP and MG emr-custom-ami-root-volume-size ("size and IOPS can't have a ratio higher
    # than 1 volume to 500 IOPS", "IOPS and throughput ... 1 IOPS to 0.25 throughput").
    "gp3": EbsVolumeType("gp3", (1, 16384), (3000, 16000), False, 500, (125, 1000), 0.25, True),
    # EBS: io1 4-16,384 GiB, 100-64,000 IOPS, Iops "Required for io1 and io2"; EBSPI: at most 50 IOPS per GiB.
    "io1": EbsVolumeType("io1", (4, 16384), (100, 64000), True, 50, None, None, True),
    # EBS: io2 4-65,536 GiB, 100-256,000 IOPS; EBSPI (io2 Block Express): IOPS:GiB ratio 1,000:1. EMR does
    # not list io2 (VOLSPEC).
    "io2": EbsVolumeType("io2", (4, 65536), (100, 256000), True, 1000, None, None, False),
    # EBS: "st1 and sc1: 125 - 16,384 GiB"; no Iops, no Throughput.
    "st1": EbsVolumeType("st1", (125, 16384), None, False, None, None, None, True),
    "sc1": EbsVolumeType("sc1", (125, 16384), None, False, None, None, None, True),
    # EBS: "standard: 1 - 1024 GiB".
    "standard": EbsVolumeType("standard", (1, 1024), None, False, None, None, None, True),
}

# VOLSPEC SizeInGB: "This can be a number from 1 - 1024. If the volume type is EBS-optimized, the minimum
# value is 10." The EMR API page caps every type at 1,024 GiB, below EC2's per-type maximum; the pages
# disagree and we keep EMR's cap (stricter). guess: "EBS-optimized" is read as EbsOptimized=true.
EMR_VOLUME_SIZE_GIB = (1, 1024)
EMR_VOLUME_MIN_GIB_EBS_OPTIMIZED = 10
# MG emr-plan-storage: "There is a limit of 25 volumes per instance." "The Amazon EBS volumes on core
# nodes cannot be less than 5 GB." "Amazon EBS has a fixed limit of 2,500 EBS volumes per instance launch
# request."
MAX_EBS_VOLUMES_PER_INSTANCE = 25
MIN_CORE_EBS_VOLUME_GB = 5
MAX_EBS_VOLUMES_PER_LAUNCH_REQUEST = 2500


def ebs_volume_problems(volume_type: str, size_gib: int, iops: Optional[int] = None,
                        throughput: Optional[int] = None, *, emr: bool = True) -> list[tuple[str, str]]:
    """Every way a volume breaks EC2's limits (and, with ``emr``, EMR's), as (the parameter at fault, why):
    "volume_type", "size_gib", "iops" or "throughput"; empty when it is fine."""
    spec = EBS_VOLUME_TYPES.get(volume_type)
    if spec is None:
        return [("volume_type",
                 f"volume type {volume_type!r} is not an EBS volume type ({', '.join(EBS_VOLUME_TYPES)})")]
    problems = []
    if emr and not spec.emr_accepts:
        problems.append(("volume_type",
                         f"EMR does not take {volume_type} volumes (it takes {', '.join(EMR_VOLUME_TYPES)})"))
    lo, hi = spec.size_gib
    if emr:
        hi = min(hi, EMR_VOLUME_SIZE_GIB[1])
    if not lo <= size_gib <= hi:
        problems.append(("size_gib", f"{volume_type} volumes are {lo}-{hi} GiB, got {size_gib}"))
    if spec.iops is None:
        if iops is not None:
            problems.append(("iops", f"{volume_type} volumes take no iops"))
    elif iops is None:
        if spec.iops_required:
            problems.append(("iops", f"{volume_type} volumes need iops ({spec.iops[0]}-{spec.iops[1]})"))
    else:
        if not spec.iops[0] <= iops <= spec.iops[1]:
            problems.append(("iops", f"{volume_type} iops are {spec.iops[0]}-{spec.iops[1]}, got {iops}"))
        if spec.max_iops_per_gib is not None and iops > spec.max_iops_per_gib * size_gib:
            problems.append(("iops", f"{volume_type} allows at most {spec.max_iops_per_gib:g} iops per GiB: "
                            f"{size_gib} GiB takes at most {int(spec.max_iops_per_gib * size_gib)} iops, got {iops}"))
    if spec.throughput_mibps is None:
        if throughput is not None:
            problems.append(("throughput", f"{volume_type} volumes take no throughput (gp3 only)"))
    elif throughput is not None:
        if not spec.throughput_mibps[0] <= throughput <= spec.throughput_mibps[1]:
            problems.append(("throughput", f"{volume_type} throughput is "
                             f"{spec.throughput_mibps[0]}-{spec.throughput_mibps[1]} MiB/s, got {throughput}"))
        effective_iops = iops if iops is not None else (spec.iops[0] if spec.iops else 0)
        if spec.max_mibps_per_iops is not None and throughput > spec.max_mibps_per_iops * effective_iops:
            problems.append(("throughput", f"{volume_type} allows at most {spec.max_mibps_per_iops:g} MiB/s per iops: "
                            f"{effective_iops} iops take at most {spec.max_mibps_per_iops * effective_iops:g} "
                            f"MiB/s, got {throughput}"))
    return problems


# Root volume (EbsRootVolumeSize/Iops/Throughput), MG emr-custom-ami-root-volume-size: "You can adjust this up
# to 100 GiB"; "The default root volume IOPS is 3000. You can adjust this up to 16000."; "The default root
# volume throughput is 125 MiB/s. You can adjust this up to 1000 Mib/s."; ratios 1:500 (GiB:IOPS) and
# 1:0.25 (IOPS:MiB/s). Iops/throughput from 6.15.0 (EBS_ROOT_VOLUME_IOPS / _THROUGHPUT gates).
ROOT_VOLUME_MAX_GIB = 100
# guess: the smallest root volume is not stated for current releases; MG (2022) said "from 10 GiB (the
# default) up to 100 GiB". We take the release's default size as the minimum (15 GiB from 6.10.0), the
# stricter reading: see default_root_volume_size_gib.
ROOT_VOLUME_IOPS = (3000, 16000)
ROOT_VOLUME_THROUGHPUT_MIBPS = (125, 1000)
ROOT_VOLUME_MAX_IOPS_PER_GIB = 500
ROOT_VOLUME_MAX_MIBPS_PER_IOPS = 0.25


def root_volume_size_range(release: ReleaseLike) -> Optional[tuple[int, int]]:
    default = default_root_volume_size_gib(release)
    return None if default is None else (default, ROOT_VOLUME_MAX_GIB)


# ======================================================================================================
# Instance groups, instance fleets and other limits
# ======================================================================================================

# MG emr-plan-bootstrap: "You can specify up to 16 bootstrap actions per cluster".
MAX_BOOTSTRAP_ACTIONS = 16

# MG emr-instance-group-configuration: "Each Amazon EMR cluster can include up to 50 instance groups: one
# master instance group ..., a core instance group ..., and up to 48 optional task instance groups."
MAX_INSTANCE_GROUPS = 50
MAX_TASK_INSTANCE_GROUPS = 48
# MG emr-plan-ha: "you can choose to have one or three primary nodes" (see THREE_MASTERS_* gates).
PRIMARY_NODE_COUNTS = (1, 3)
# guess: no page gives a largest instance count for a group; EC2 quotas bound it per account.

# MG emr-instance-group-configuration / emr-instance-fleet: "Each node type has a single instance fleet, and
# using a task instance fleet is optional" - at most one fleet per node type, so at most one task fleet.
MAX_FLEETS_PER_NODE_TYPE = 1
# ITC / MG emr-instance-fleet: up to five instance types per fleet; "When you use an allocation strategy,
# you can include a maximum of 30 instance type configurations for a fleet" (CLI/API). The (old) console
# allowed 15 for task fleets with an allocation strategy.
MAX_FLEET_INSTANCE_TYPES = 5
MAX_FLEET_INSTANCE_TYPES_WITH_ALLOCATION_STRATEGY = 30
# IFC TargetOnDemandCapacity/TargetSpotCapacity: "For a master instance fleet, only one of
# TargetSpotCapacity and TargetOnDemandCapacity can be specified, and its value must be 1." With three
# primary nodes (THREE_MASTERS_FLEETS) the target is 3; MG emr-plan-ha-considerations: "On
# high-availability clusters, Amazon EMR only supports the launch of primary nodes with On Demand
# instances." IFC: "At least one of TargetSpotCapacity and TargetOnDemandCapacity should be greater than 0."
MASTER_FLEET_TARGET = 1
MASTER_FLEET_TARGET_HA = 3
# ITC WeightedCapacity: "This value is 1 for a master instance fleet, and must be 1 or greater for core and
# task instance fleets. Defaults to 1". guess: no upper bound is documented (the API shape is WholeNumber,
# min 0, no max).
MASTER_WEIGHTED_CAPACITY = 1
MIN_WEIGHTED_CAPACITY = 1

# ITC / IGC BidPriceAsPercentageOfOnDemandPrice: NonNegativeDouble (min 0); "If neither BidPrice nor
# BidPriceAsPercentageOfOnDemandPrice is provided, BidPriceAsPercentageOfOnDemandPrice defaults to 100%."
# guess: no maximum is documented.
DEFAULT_BID_PRICE_PERCENT = 100.0
# IGC BidPrice: "Specify OnDemandPrice to set the amount equal to the On-Demand price, or specify an amount
# in USD." (a string of at most 256 characters). guess: the USD amount is a plain decimal number.
BID_PRICE_ON_DEMAND = "OnDemandPrice"
BID_PRICE_USD = re.compile(r"\d+(\.\d+)?")


def bid_price_valid(value: str, *, fleets: bool = False) -> bool:
    """IGC: groups take OnDemandPrice or a USD amount; ITC: fleets take a USD amount (their on-demand
    default is BidPriceAsPercentageOfOnDemandPrice)."""
    if not isinstance(value, str) or len(value) > 256:
        return False
    if value == BID_PRICE_ON_DEMAND:
        return not fleets
    return BID_PRICE_USD.fullmatch(value) is not None


# SPOT / IFC enums.
SPOT_ALLOCATION_STRATEGIES = ("capacity-optimized", "price-capacity-optimized", "lowest-price", "diversified",
                              "capacity-optimized-prioritized")
ON_DEMAND_ALLOCATION_STRATEGIES = ("lowest-price", "prioritized")
SPOT_TIMEOUT_ACTIONS = ("SWITCH_TO_ON_DEMAND", "TERMINATE_CLUSTER")
# SPOT TimeoutDurationMinutes: "Minimum value is 5 and maximum value is 1440" (initial provisioning only).
SPOT_PROVISIONING_TIMEOUT_MINUTES = (5, 1440)
# RESIZE TimeoutDurationMinutes: "The minimum value is 5 minutes, and the maximum value is 10,080 minutes".
RESIZE_TIMEOUT_MINUTES = (5, 10080)
# SPOT BlockDurationMinutes: 60..360 by 60; Spot blocks are "no longer available to new customers".
SPOT_BLOCK_DURATIONS = (60, 120, 180, 240, 300, 360)
# OnDemandCapacityReservationOptions.
CAPACITY_RESERVATION_USAGE = ("use-capacity-reservations-first",)
CAPACITY_RESERVATION_PREFERENCES = ("open", "none")
# PGC: "Starting with Amazon EMR release 5.23.0, the only supported instance role is MASTER"; "the only
# supported placement strategy is SPREAD for the MASTER instance role."
PLACEMENT_GROUP_ROLES = ("MASTER",)
PLACEMENT_GROUP_STRATEGIES = ("SPREAD",)

# RJF StepConcurrencyLevel: "The default value is 1. The maximum value is 256." (emr_contract.steps)
STEP_CONCURRENCY_LEVEL = (MIN_STEP_CONCURRENCY, MAX_STEP_CONCURRENCY)
# ATP IdleTimeout: "a minimum of 60 seconds and a maximum of 604800 seconds (seven days)"; MG
# emr-auto-termination-policy: "Idle timeout defaults to 60 minutes".
IDLE_TIMEOUT_SECONDS = (60, 604800)
DEFAULT_IDLE_TIMEOUT_SECONDS = 3600
# RJF ScaleDownBehavior enum (gates above).
SCALE_DOWN_BEHAVIORS = ("TERMINATE_AT_INSTANCE_HOUR", "TERMINATE_AT_TASK_COMPLETION")
# RJF RepoUpgradeOnBoot (only with CustomAmiId): default SECURITY.
REPO_UPGRADE_ON_BOOT = ("SECURITY", "NONE")

# RJF Name, bootstrap action Name (BootstrapActionConfig), instance group/fleet Name: XmlStringMaxLen256 -
# 0 to 256 characters matching this pattern. InstanceType: 1 to 256 characters (IGC/ITC). ScriptBootstrap
# Path: XmlString, at most 10280 characters.
MAX_NAME_CHARS = 256
MAX_XML_STRING_CHARS = 10280


def xml_string_ok(value: object, max_chars: int = MAX_NAME_CHARS, min_chars: int = 0) -> bool:
    """Whether ``value`` fits EMR's XmlString shape (RJF): its characters and its length."""
    return (isinstance(value, str) and min_chars <= len(value) <= max_chars
            and XML_STRING.fullmatch(value) is not None)


# Tags. MG emr-plan-tags-restrictions: EC2's restrictions apply; "Do not use the aws: prefix in tag names and
# values"; "A tag value can be an empty string, but not null. In addition, a tag key cannot be an empty
# string."; allowed characters "any alphabetic character in any language, any numeric character, white
# spaces, invisible separators, and the following symbols: _ . : / = + - @". TAGS: at most 50 tags, keys of
# at most 128 and values of at most 256 Unicode characters; the aws: prefix is reserved in any case.
MAX_TAGS = 50
TAG_KEY_CHARS = (1, 128)
TAG_VALUE_CHARS = (0, 256)
TAG_RESERVED_PREFIX = "aws:"
TAG_CHARACTERS = re.compile(r"[\w\s.:/=+\-@\u2060-\u2064\u180e\u200b-\u200d]*", re.UNICODE)


def tag_problems(key: object, value: object) -> list[tuple[str, str]]:
    """Every way a tag breaks EC2's tag rules, as ("key" or "value", why)."""
    problems = []
    if not isinstance(key, str) or not TAG_KEY_CHARS[0] <= len(key) <= TAG_KEY_CHARS[1]:
        problems.append(("key", f"tag keys are {TAG_KEY_CHARS[0]}-{TAG_KEY_CHARS[1]} characters"))
    elif key.lower().startswith(TAG_RESERVED_PREFIX):
        problems.append(("key", "tag keys must not start with the reserved prefix aws:"))
    elif not TAG_CHARACTERS.fullmatch(key):
        problems.append(("key", "tag keys take letters, digits, spaces and _ . : / = + - @ only"))
    if not isinstance(value, str) or len(value) > TAG_VALUE_CHARS[1]:
        problems.append(("value", f"tag values are strings of at most {TAG_VALUE_CHARS[1]} characters"))
    elif value.lower().startswith(TAG_RESERVED_PREFIX):
        problems.append(("value", "tag values must not start with the reserved prefix aws:"))
    elif not TAG_CHARACTERS.fullmatch(value):
        problems.append(("value", "tag values take letters, digits, spaces and _ . : / = + - @ only"))
    return problems


# Managed scaling, custom automatic scaling and the CloudWatch metrics live in emr_contract/scaling.py
# (the scaling model reads them too); imported above.



__all__ = [  # static: what other modules read here (tools and readers need not run the module)
    "ALL_CLASSIFICATIONS", "AMAZON_LINUX_2", "APPLICATIONS", "APPLICATION_NAMES_CASE_SENSITIVE", "ARCHIVED_WINDOW",
    "AUTOSCALING_ADJUSTMENT_TYPES", "AUTOSCALING_COMPARISONS", "AUTOSCALING_DEFAULT_COOLDOWN_SECONDS",
    "AUTOSCALING_NAMESPACE", "AUTOSCALING_PERIOD_SECONDS", "AUTOSCALING_ROLES", "AUTOSCALING_STATISTICS",
    "AUTOSCALING_UNITS", "AUTO_TERMINATION", "AppSpan", "BID_PRICE_ON_DEMAND", "BID_PRICE_USD",
    "CAPACITY_RESERVATION_PREFERENCES", "CAPACITY_RESERVATION_USAGE", "CLASSIFICATIONS_CASE_SENSITIVE",
    "CLASSIFICATIONS_SINCE", "CLASSIFICATION_APPLICATION", "CLASSIFICATION_SPANS", "CLOUDWATCH_UNIT_TO_ENUM",
    "CUSTOM_AMI", "CUSTOM_AUTOSCALING", "DEFAULT_BID_PRICE_PERCENT", "DEFAULT_IDLE_TIMEOUT_SECONDS",
    "EBS_ENCRYPTION", "EBS_ROOT_VOLUME_IOPS", "EBS_ROOT_VOLUME_SIZE", "EBS_ROOT_VOLUME_THROUGHPUT",
    "EBS_VOLUME_TYPES", "EMR_VOLUME_MIN_GIB_EBS_OPTIMIZED", "EMR_VOLUME_SIZE_GIB", "EMR_VOLUME_TYPES",
    "EXCLUSIVE_APPLICATIONS", "EbsVolumeType", "FLEET_ALLOCATION_STRATEGY", "GATES", "Gate", "IDLE_TIMEOUT_SECONDS",
    "IMDS_V2", "INSTANCE_FLEETS", "KERBEROS", "LINE_FIRST", "LINE_LAST", "LOG_ENCRYPTION_KMS_KEY",
    "MANAGED_SCALING", "MANAGED_SCALING_FLEET_UNITS", "MANAGED_SCALING_GROUP_UNITS", "MASTER_FLEET_TARGET",
    "MASTER_FLEET_TARGET_HA", "MASTER_WEIGHTED_CAPACITY", "MAX_BOOTSTRAP_ACTIONS", "MAX_EBS_VOLUMES_PER_INSTANCE",
    "MAX_EBS_VOLUMES_PER_LAUNCH_REQUEST", "MAX_FLEETS_PER_NODE_TYPE", "MAX_FLEET_INSTANCE_TYPES",
    "MAX_FLEET_INSTANCE_TYPES_WITH_ALLOCATION_STRATEGY", "MAX_INSTANCE_GROUPS", "MAX_NAME_CHARS",
    "MAX_STEP_CONCURRENCY", "MAX_TAGS", "MAX_TASK_INSTANCE_GROUPS", "MAX_XML_STRING_CHARS", "METRICS",
    "MIN_CORE_EBS_VOLUME_GB", "MIN_STEP_CONCURRENCY", "MIN_WEIGHTED_CAPACITY", "Metric", "NEWEST_SEEN",
    "NOT_APPLICATIONS", "ON_DEMAND_ALLOCATION_STRATEGIES", "OS_RELEASE_LABEL", "PLACEMENT_GROUPS",
    "PLACEMENT_GROUP_ROLES", "PLACEMENT_GROUP_STRATEGIES", "PRIMARY_NODE_COUNTS", "REPO_UPGRADE_ON_BOOT",
    "RESIZE_TIMEOUT_MINUTES", "ROOT_VOLUME_IOPS", "ROOT_VOLUME_MAX_GIB", "ROOT_VOLUME_MAX_IOPS_PER_GIB",
    "ROOT_VOLUME_MAX_MIBPS_PER_IOPS", "ROOT_VOLUME_THROUGHPUT_MIBPS", "Release", "ReleaseLike",
    "SCALE_DOWN_AT_INSTANCE_HOUR", "SCALE_DOWN_AT_TASK_COMPLETION", "SCALE_DOWN_BEHAVIORS", "SCALING_STRATEGIES",
    "SPOT_ALLOCATION_STRATEGIES", "SPOT_BLOCK_DURATIONS", "SPOT_PROVISIONING_TIMEOUT_MINUTES",
    "SPOT_TIMEOUT_ACTIONS", "STEP_CONCURRENCY", "STEP_CONCURRENCY_LEVEL", "TAG_CHARACTERS", "TAG_KEY_CHARS",
    "TAG_RESERVED_PREFIX", "TAG_VALUE_CHARS", "THREE_MASTERS_FLEETS", "THREE_MASTERS_GROUPS",
    "UNHEALTHY_NODE_REPLACEMENT", "UTILIZATION_PERFORMANCE_INDEX", "XML_STRING", "application_available",
    "bid_price_valid", "canonical_application", "classification_application", "classification_available",
    "default_root_volume_size_gib", "default_root_volume_type", "default_spot_allocation_strategy",
    "ebs_volume_problems", "gate_allows", "known_release", "metric_unit", "metric_usable_in_autoscaling",
    "root_volume_size_range", "tag_problems", "three_masters_allowed", "xml_string_ok"
]
