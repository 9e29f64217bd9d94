"""Amazon EMR's facts for cluster props: releases and their gates, applications, configuration
classifications, EBS volume limits and instance limits. The release mechanism (Release, Gate) lives in
emr_contract/releases.py and the scaling and CloudWatch-metric facts in emr_contract/scaling.py, which the
scaling model reads too; this package re-exports what the constructs read of them.

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

One module per section: releases (lines and gates), applications, classifications, ebs, instances,
names_and_tags. Readers import from the package (``from emr_constructs import facts``).
"""
from __future__ import annotations

from emr_contract.releases import Release  # noqa: F401
from emr_contract.ebs import default_root_volume_size_gib, default_root_volume_type  # noqa: F401
from emr_contract.scaling import (  # noqa: F401  (re-exported: the constructs read scaling facts here)
    AUTOSCALING_ADJUSTMENT_TYPES, AUTOSCALING_COMPARISONS, AUTOSCALING_NAMESPACE, AUTOSCALING_PERIOD_SECONDS,
    AUTOSCALING_STATISTICS, AUTOSCALING_UNITS, CLOUDWATCH_UNIT_TO_ENUM, METRICS, metric_unit,
    metric_usable_in_autoscaling,
)

from .releases import (  # noqa: F401
    ARCHIVED_WINDOW, EBS_ENCRYPTION, GATES, LINES, MANAGED_SCALING, STEP_CONCURRENCY,
    default_spot_allocation_strategy, gate_allows, known_release, three_masters_allowed,
)
from .applications import (  # noqa: F401
    APPLICATIONS, APPLICATION_NAMES_CASE_SENSITIVE, EXCLUSIVE_APPLICATIONS, NOT_APPLICATIONS, application_available,
    canonical_application,
)
from .classifications import (  # noqa: F401
    ALL_CLASSIFICATIONS, CLASSIFICATIONS_CASE_SENSITIVE, CLASSIFICATIONS_SINCE, CLASSIFICATION_APPLICATION,
    CLASSIFICATION_SPANS, classification_application, classification_available,
)
from .ebs import (  # noqa: F401
    EBS_VOLUME_TYPES, EMR_VOLUME_TYPES, MAX_EBS_VOLUMES_PER_INSTANCE, MIN_CORE_EBS_VOLUME_GB, ROOT_VOLUME_IOPS,
    ROOT_VOLUME_MAX_GIB, ebs_volume_problems, root_volume_size_range,
)
from .instances import (  # noqa: F401
    IDLE_TIMEOUT_SECONDS, MASTER_FLEET_TARGET, MASTER_FLEET_TARGET_HA, MASTER_WEIGHTED_CAPACITY,
    MAX_BOOTSTRAP_ACTIONS, MAX_FLEETS_PER_NODE_TYPE, MAX_FLEET_INSTANCE_TYPES,
    MAX_FLEET_INSTANCE_TYPES_WITH_ALLOCATION_STRATEGY, MAX_INSTANCE_GROUPS, MAX_TASK_INSTANCE_GROUPS,
    MIN_WEIGHTED_CAPACITY, ON_DEMAND_ALLOCATION_STRATEGIES, PLACEMENT_GROUP_ROLES, PLACEMENT_GROUP_STRATEGIES,
    PRIMARY_NODE_COUNTS, RESIZE_TIMEOUT_MINUTES, SCALE_DOWN_BEHAVIORS, SPOT_ALLOCATION_STRATEGIES,
    SPOT_PROVISIONING_TIMEOUT_MINUTES, SPOT_TIMEOUT_ACTIONS, STEP_CONCURRENCY_LEVEL, bid_price_valid,
)
from .names_and_tags import MAX_NAME_CHARS, MAX_TAGS, MAX_XML_STRING_CHARS, tag_problems, xml_string_ok  # noqa: F401

__all__ = [  # static: what other modules read here (tools and readers need not run the module)
    "ALL_CLASSIFICATIONS", "APPLICATIONS", "APPLICATION_NAMES_CASE_SENSITIVE", "ARCHIVED_WINDOW",
    "AUTOSCALING_ADJUSTMENT_TYPES", "AUTOSCALING_COMPARISONS", "AUTOSCALING_NAMESPACE",
    "AUTOSCALING_PERIOD_SECONDS", "AUTOSCALING_STATISTICS", "AUTOSCALING_UNITS", "CLASSIFICATIONS_CASE_SENSITIVE",
    "CLASSIFICATIONS_SINCE", "CLASSIFICATION_APPLICATION", "CLASSIFICATION_SPANS", "CLOUDWATCH_UNIT_TO_ENUM",
    "EBS_ENCRYPTION", "EBS_VOLUME_TYPES", "EMR_VOLUME_TYPES", "EXCLUSIVE_APPLICATIONS", "GATES",
    "IDLE_TIMEOUT_SECONDS", "LINES", "MANAGED_SCALING", "MASTER_FLEET_TARGET", "MASTER_FLEET_TARGET_HA",
    "MASTER_WEIGHTED_CAPACITY", "MAX_BOOTSTRAP_ACTIONS", "MAX_EBS_VOLUMES_PER_INSTANCE", "MAX_FLEETS_PER_NODE_TYPE",
    "MAX_FLEET_INSTANCE_TYPES", "MAX_FLEET_INSTANCE_TYPES_WITH_ALLOCATION_STRATEGY", "MAX_INSTANCE_GROUPS",
    "MAX_NAME_CHARS", "MAX_TAGS", "MAX_TASK_INSTANCE_GROUPS", "MAX_XML_STRING_CHARS", "METRICS",
    "MIN_CORE_EBS_VOLUME_GB", "MIN_WEIGHTED_CAPACITY", "NOT_APPLICATIONS", "ON_DEMAND_ALLOCATION_STRATEGIES",
    "PLACEMENT_GROUP_ROLES", "PLACEMENT_GROUP_STRATEGIES", "PRIMARY_NODE_COUNTS", "RESIZE_TIMEOUT_MINUTES",
    "ROOT_VOLUME_IOPS", "ROOT_VOLUME_MAX_GIB", "Release", "SCALE_DOWN_BEHAVIORS", "SPOT_ALLOCATION_STRATEGIES",
    "SPOT_PROVISIONING_TIMEOUT_MINUTES", "SPOT_TIMEOUT_ACTIONS", "STEP_CONCURRENCY", "STEP_CONCURRENCY_LEVEL",
    "application_available", "bid_price_valid", "canonical_application", "classification_application",
    "classification_available", "default_root_volume_size_gib", "default_root_volume_type",
    "default_spot_allocation_strategy", "ebs_volume_problems", "gate_allows", "known_release", "metric_unit",
    "metric_usable_in_autoscaling", "root_volume_size_range", "tag_problems", "three_masters_allowed",
    "xml_string_ok"
]
