"""cdktf constructs for Amazon EMR, on cdktf core only (no prebuilt provider bindings).

Named ``emr_constructs`` because a package called ``constructs`` would shadow the library
cdktf itself imports.
"""
from .cluster import EmrCluster
from .configurations import configurations_json, merge_configurations
from .security.iam import EmrRoles, IamProps
from .logs.log_bucket import LogBucket, LogBucketProps
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
from .terraform.provider import AwsProvider
from .terraform.release_lookup import EmrReleaseLookup
from .security.block_public_access import BlockPublicAccessProps, EmrBlockPublicAccess, PortRange
from .security.kms import EmrKmsKey, KmsKeyProps
from .security.network import EmrSecurityGroups, ExampleVpc, ExampleVpcProps, SecurityGroupsProps
from .security.security_configuration import SecurityConfiguration, SecurityProps
from .logs.step_logs import StepLogShipping, StepLogsProps
from .validation.checker import ConfigError, Problem
from .terraform.base import stack_output

__all__ = [
    "AwsProvider", "BootstrapAction", "ClusterProps", "ConfigError", "Configuration", "EbsVolume",
    "EmrCluster", "EmrRoles", "IamProps", "InstanceFleet", "InstanceGroup", "InstanceTypeConfig",
    "LogBucket", "LogBucketProps", "Network", "Problem", "configurations_json", "merge_configurations",
    "BlockPublicAccessProps", "EmrBlockPublicAccess", "PortRange", "EmrKmsKey", "KmsKeyProps", "EmrSecurityGroups",
    "ExampleVpc", "ExampleVpcProps", "SecurityGroupsProps", "SecurityConfiguration", "SecurityProps",
    "StepLogShipping", "StepLogsProps", "KerberosAttributes", "SecurityGroupRule",
    "EmrReleaseLookup", "stack_output",
]
