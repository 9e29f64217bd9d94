"""EMR release lines and release gates: which labels name a release, and which release gained a feature. The pages the
comments cite are listed in the package docstring."""
from __future__ import annotations

from typing import Mapping, Optional

from emr_contract.releases import Gate, Release, ReleaseLike, Span, span
from emr_contract.releases import release as _r


# The lines this module knows. RG emr-release-components: the latest releases are 7.12.0 (7.x), 6.15.0
# (6.x) and 5.36.2 (5.x); RG Ganglia-release-history: "releases higher than 6.15.0" are 7.x. The 5.x and
# 6.x lines are closed: a label past their last release names no release we know of.
# The 7.x line is open: it is known up to the newest release any page we read lists (RG
# TensorFlow-release-history shows emr-7.14.0).
LINES: Mapping[int, Span] = {5: span("5.0.0", last="5.36.2"), 6: span("6.0.0", last="6.15.0"),
                             7: span("7.0.0", seen="7.14.0")}
# The archived release guide (awsdocs/amazon-emr-release-guide) documents every release in these.
ARCHIVED_WINDOW = (span("5.0.0", last="5.34.0"), span("6.0.0", last="6.5.0"))


def known_release(release: ReleaseLike) -> Optional[bool]:
    """False for labels past the end of a closed line (emr-6.16.0), True inside a known line, None for
    other lines or 7.x past the newest release we saw."""
    r = Release.of(release)
    return LINES[r.major].contains(r) if r is not None and r.major in LINES else None


def in_archived_window(release: ReleaseLike) -> bool:
    return any(window.contains(release) for window in ARCHIVED_WINDOW)


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


PRICE_CAPACITY_OPTIMIZED_DEFAULT = Gate(
    "price-capacity-optimized as the default Spot allocation strategy", "spot_allocation_strategy",
    ((6, _r("6.9.0")),),
    # RESIZE SpotResizingSpecification.AllocationStrategy: "If you run Amazon EMR releases 6.9.0 or higher, the
    # default is price-capacity-optimized. If you run Amazon EMR releases 6.8.0 or lower, the default is
    # capacity-optimized." (6.8.1, between the two, is not named: answered by ordering, as "lower".)
    source="RESIZE")


def default_spot_allocation_strategy(release: ReleaseLike) -> Optional[str]:
    allows = PRICE_CAPACITY_OPTIMIZED_DEFAULT.allows(release)
    if allows is None:
        return None
    return "price-capacity-optimized" if allows else "capacity-optimized"
