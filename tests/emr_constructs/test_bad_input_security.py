"""Bad-input catalogue for the security constructs: every case raises one ConfigError naming the
field, and nothing is added to the stack when input is invalid."""
from dataclasses import replace

import pytest
from cdktf import Testing, TerraformStack

from emr_constructs import ClusterProps, ConfigError, EmrCluster, IamProps, Network
from emr_constructs.security.block_public_access import (
    BlockPublicAccessProps,
    EmrBlockPublicAccess,
    PortRange,
    validate_block_public_access_props,
)
from emr_constructs.security.cluster_security import validate_cluster_security
from emr_constructs.security.kms import KmsKeyProps, validate_kms_key_props
from emr_constructs.logs.log_bucket import LogBucketProps, validate_log_bucket_props
from emr_constructs.security.network import (
    ExampleVpcProps,
    SecurityGroupsProps,
    validate_example_vpc_props,
    validate_security_groups_props,
)
from emr_constructs.security.security_configuration import SecurityProps, validate_security_props

IAM = IamProps(name_prefix="c", account_id="123456789012", region="eu-west-1")
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
VPC = "vpc-0a1b2c3d4e5f60000"
SUBNET = ("subnet-0a1b2c3d4e5f60001",)

SECURITY_CASES = [
    ("security.kms_key_arn", dict(kms_key_arn="alias/emr")),
    ("security.kms_key_arn", dict(kms_key_arn="arn:aws:s3:::bucket")),
    ("security.kms_key", dict(kms_key_arn=KEY, kms_key=KmsKeyProps(alias="mine"))),
    ("security.kms_key.deletion_window_days", dict(kms_key=KmsKeyProps(deletion_window_days=3))),
    ("security.kms_key.enable_rotation", dict(kms_key=KmsKeyProps(enable_rotation=False))),
    ("security.kms_key.alias", dict(kms_key=KmsKeyProps(alias="aws/emr"))),
    ("security.s3_encryption_mode", dict(s3_encryption_mode="CSE-CUSTOM")),
    ("security.s3_encryption_mode", dict(s3_encryption_mode="sse-kms")),
    ("security.local_disk_encryption", dict(local_disk_encryption=False, ebs_encryption=False)),
    ("security.ebs_encryption", dict(local_disk_encryption=False, allow_unencrypted_local_disks=True)),
    ("security.tls_certificates_s3_uri", dict(tls_certificates_s3_uri="/home/me/certs.zip")),
    ("security.tls_certificates_s3_uri", dict(tls_certificates_s3_uri="s3://bucket/certs.tar.gz")),
    ("security.allow_no_in_transit_encryption",
     dict(tls_certificates_s3_uri="s3://bucket/tls/certs.zip", allow_no_in_transit_encryption=True)),
    ("security.imds_hop_limit", dict(imds_hop_limit=0)),
    ("security.imds_hop_limit", dict(imds_hop_limit=65)),
    ("security.imds_v2_required", dict(imds_v2_required=False)),
    ("security.name", dict(name="my config!")),
]


@pytest.mark.parametrize("field,changes", SECURITY_CASES, ids=[f"{f}-{i}" for i, (f, _) in enumerate(SECURITY_CASES)])
def test_invalid_security_props_name_the_field(field, changes):
    with pytest.raises(ConfigError) as err:
        validate_cluster_security(ClusterProps(name="c", security=SecurityProps(**changes)))
    assert field in [p.field for p in err.value.problems]
    assert f"{field}=" in str(err.value)


NETWORK_CASES = [
    ("network.vpc_id", Network(vpc_id="vpc-xyz")),
    ("network.vpc_id", Network(subnet_ids=SUBNET)),
    ("network.emr_managed_slave_security_group", Network(emr_managed_master_security_group="sg-0a1b2c3d4e")),
    ("network.service_access_security_group",
     Network(subnet_ids=SUBNET, emr_managed_master_security_group="sg-0a1b2c3d4e",
             emr_managed_slave_security_group="sg-0a1b2c3d4f")),
    ("network.https_egress_cidrs[0]", Network(https_egress_cidrs=("everywhere",))),
    ("network.https_egress_cidrs[1]", Network(https_egress_cidrs=("10.0.0.0/8", "10.0.0.1/8"))),
]


@pytest.mark.parametrize("field,network", NETWORK_CASES, ids=[f"{f}-{i}" for i, (f, _) in enumerate(NETWORK_CASES)])
def test_invalid_network_security_names_the_field(field, network):
    with pytest.raises(ConfigError) as err:
        validate_cluster_security(ClusterProps(name="c", network=network))
    assert field in [p.field for p in err.value.problems]


def test_existing_security_configuration_or_props_never_both():
    with pytest.raises(ConfigError) as err:
        validate_cluster_security(ClusterProps(name="c", security_configuration="corp-secure",
                                               security=SecurityProps(imds_hop_limit=2)))
    assert [p.field for p in err.value.problems] == ["security"]


CONSTRUCT_CASES = [
    (validate_kms_key_props, KmsKeyProps(rotation_period_days=30), "rotation_period_days"),
    (validate_kms_key_props, KmsKeyProps(alias="alias/emr"), "alias"),
    (validate_security_groups_props, SecurityGroupsProps(name_prefix="c"), "vpc_id"),
    (validate_security_groups_props, SecurityGroupsProps(name_prefix="", vpc_id=VPC), "name_prefix"),
    (validate_security_groups_props, SecurityGroupsProps(name_prefix="c", vpc_id=VPC, https_egress_cidrs=("1.2.3.4/40",)),
     "https_egress_cidrs[0]"),
    (validate_example_vpc_props, ExampleVpcProps(name="v", region="eu-west-1", cidr="10.0.0.0/8"), "cidr"),
    (validate_example_vpc_props, ExampleVpcProps(name="v", region="Ireland"), "region"),
    (validate_example_vpc_props, ExampleVpcProps(name="v", region="eu-west-1", availability_zones=("A",)),
     "availability_zones[0]"),
    (validate_example_vpc_props, ExampleVpcProps(name="v", region="eu-west-1", availability_zones=()),
     "availability_zones"),
    (validate_block_public_access_props, BlockPublicAccessProps(block_public_security_group_rules=False),
     "block_public_security_group_rules"),
    (validate_block_public_access_props,
     BlockPublicAccessProps(permitted_public_port_ranges=(PortRange(min_port=80, max_port=80),)),
     "permitted_public_port_ranges[0]"),
    (validate_block_public_access_props,
     BlockPublicAccessProps(permitted_public_port_ranges=(PortRange(min_port=22, max_port=70000),),
                            allow_ports_other_than_ssh=True), "permitted_public_port_ranges[0].max_port"),
    (validate_block_public_access_props,
     BlockPublicAccessProps(permitted_public_port_ranges=(PortRange(min_port=30, max_port=20),),
                            allow_ports_other_than_ssh=True), "permitted_public_port_ranges[0]"),
    (validate_log_bucket_props, LogBucketProps(access_logging=False), "access_logging"),
    (validate_log_bucket_props, LogBucketProps(access_log_expire_after_days=0), "access_log_expire_after_days"),
]


@pytest.mark.parametrize("validate,props,field", CONSTRUCT_CASES,
                         ids=[f"{v.__name__}-{f}-{i}" for i, (v, _, f) in enumerate(CONSTRUCT_CASES)])
def test_invalid_construct_props_name_the_field(validate, props, field):
    with pytest.raises(ConfigError) as err:
        validate(props)
    assert field in [p.field for p in err.value.problems]


def test_catalogue_has_at_least_30_cases():
    assert len(SECURITY_CASES) + len(NETWORK_CASES) + len(CONSTRUCT_CASES) + 1 >= 30


@pytest.mark.parametrize("kwargs", [
    dict(props=ClusterProps(name="c", security=SecurityProps(s3_encryption_mode="none"))),
    dict(props=ClusterProps(name="c", network=Network(subnet_ids=SUBNET))),
    dict(props=ClusterProps(name="c", release_label="7"), iam_props=IAM),
])
def test_nothing_is_synthesized_when_input_is_invalid(kwargs):
    stack = TerraformStack(Testing.app(), "bad")
    kwargs.setdefault("iam_props", IAM)
    with pytest.raises(ConfigError):
        EmrCluster(stack, "emr", kwargs.pop("props"), **kwargs)
    assert stack.node.try_find_child("emr") is None
    assert [c for c in stack.node.children] == []


def test_block_public_access_invalid_adds_nothing():
    stack = TerraformStack(Testing.app(), "bpa")
    with pytest.raises(ConfigError):
        EmrBlockPublicAccess(stack, "bpa", BlockPublicAccessProps(
            permitted_public_port_ranges=(PortRange(min_port=3389, max_port=3389),)))
    assert stack.node.children == []


def test_valid_and_token_values_pass():
    token = "${TfToken[TOKEN.7]}"
    validate_security_props(SecurityProps(kms_key_arn=token, tls_certificates_s3_uri=token))
    validate_security_props(SecurityProps(s3_encryption_mode="SSE-S3", local_disk_encryption=False,
                                          ebs_encryption=False, allow_unencrypted_local_disks=True))
    validate_cluster_security(replace(ClusterProps(name="c"), network=Network(vpc_id=token, subnet_ids=(token,))))
    validate_block_public_access_props(BlockPublicAccessProps(
        permitted_public_port_ranges=(PortRange(min_port=22, max_port=22),)))
