"""cdktf constructs for Amazon EMR, on cdktf core only (no prebuilt provider bindings).

Named ``emr_constructs`` because a package called ``constructs`` would shadow the library
cdktf itself imports.
"""
from .cluster import EmrCluster
from .configurations import configurations_json, merge_configurations
from .iam import EmrRoles, IamProps
from .log_bucket import LogBucket, LogBucketProps
from .props import (
    BootstrapAction,
    ClusterProps,
    Configuration,
    EbsVolume,
    InstanceFleet,
    InstanceGroup,
    InstanceTypeConfig,
    KerberosAttributes,
    Network,
    SecurityGroupRule,
)
from .provider import AwsProvider
from .release_lookup import EmrReleaseLookup
from .block_public_access import BlockPublicAccessProps, EmrBlockPublicAccess, PortRange
from .kms import EmrKmsKey, KmsKeyProps
from .network import EmrSecurityGroups, ExampleVpc, ExampleVpcProps, SecurityGroupsProps
from .security_configuration import SecurityConfiguration, SecurityProps
from .step_logs import StepLogShipping, StepLogsProps
from .validation import ConfigError, Problem
from ._tf import stack_output

__all__ = [
    "AwsProvider", "BootstrapAction", "ClusterProps", "ConfigError", "Configuration", "EbsVolume",
    "EmrCluster", "EmrRoles", "IamProps", "InstanceFleet", "InstanceGroup", "InstanceTypeConfig",
    "LogBucket", "LogBucketProps", "Network", "Problem", "configurations_json", "merge_configurations",
    "BlockPublicAccessProps", "EmrBlockPublicAccess", "PortRange", "EmrKmsKey", "KmsKeyProps", "EmrSecurityGroups",
    "ExampleVpc", "ExampleVpcProps", "SecurityGroupsProps", "SecurityConfiguration", "SecurityProps",
    "StepLogShipping", "StepLogsProps", "KerberosAttributes", "SecurityGroupRule",
    "EmrReleaseLookup", "stack_output",
]
