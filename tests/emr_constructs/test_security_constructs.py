"""What the security constructs emit, rule by rule (Security Hub EMR.1-EMR.4 and checkov's view)."""
import json

import pytest
from cdktf import Testing, TerraformStack

from emr_constructs import AwsProvider
from emr_constructs.security.block_public_access import BlockPublicAccessProps, EmrBlockPublicAccess, PortRange
from emr_constructs.security.network import ExampleVpc, ExampleVpcProps
from stacks.examples import EXAMPLES, MINIMAL, PRODUCTION

from ..conftest import one_resource, resources_of, synth_json


@pytest.fixture(scope="module")
def minimal(build_stack):
    return synth_json(build_stack(MINIMAL, {"EMR_ACCOUNT_ID": "123456789012"}))


@pytest.fixture(scope="module")
def production(build_stack):
    return synth_json(build_stack(PRODUCTION, {"EMR_ACCOUNT_ID": "123456789012"}))


def security_document(synth):
    return json.loads(one_resource(synth, "aws_emr_security_configuration")["configuration"])


def test_every_shipped_cluster_uses_a_security_configuration(build_stack):
    for spec in EXAMPLES.values():
        out = synth_json(build_stack(spec))
        cluster = one_resource(out, "aws_emr_cluster")
        assert cluster["security_configuration"].startswith("${aws_emr_security_configuration.")
        doc = security_document(out)["EncryptionConfiguration"]
        assert doc["EnableAtRestEncryption"] is True  # EMR.3
        expected_tls = spec.stack_name != "emr-minimal"  # EMR.4; the minimal example opts out explicitly
        assert doc["EnableInTransitEncryption"] is expected_tls


def test_at_rest_encryption_uses_the_created_key_through_its_alias(production):
    doc = security_document(production)
    alias = "arn:aws:kms:eu-west-1:123456789012:alias/emr/spark-production"
    at_rest = doc["EncryptionConfiguration"]["AtRestEncryptionConfiguration"]
    assert at_rest["S3EncryptionConfiguration"] == {"EncryptionMode": "SSE-KMS", "AwsKmsKey": alias}
    assert at_rest["LocalDiskEncryptionConfiguration"] == {
        "EncryptionKeyProviderType": "AwsKms", "AwsKmsKey": alias, "EnableEbsEncryption": True}
    tls = doc["EncryptionConfiguration"]["InTransitEncryptionConfiguration"]["TLSCertificateConfiguration"]
    assert tls == {"CertificateProviderType": "PEM", "S3Object": "s3://example-emr-artifacts/tls/emr-certs.zip"}
    assert doc["InstanceMetadataServiceConfiguration"] == {
        "MinimumInstanceMetadataServiceVersion": 2, "HttpPutResponseHopLimit": 1}
    assert one_resource(production, "aws_kms_alias")["name"] == "alias/emr/spark-production"


def test_kms_key_rotates_and_its_policy_names_only_the_emr_roles(production):
    keys = {k: v for k, v in production["resource"]["aws_kms_key"].items() if "_security_" in k}
    assert len(keys) == 1
    key = next(iter(keys.values()))
    assert key["enable_key_rotation"] is True and key["deletion_window_in_days"] == 30
    statements = {s["Sid"]: s for s in json.loads(key["policy"])["Statement"]}
    # production ships step logs: CloudWatch Logs may use the key for that one log group (test_step_logs.py)
    assert set(statements) == {"EnableIamPoliciesForAccount", "AllowEmrRolesToUseKey", "AllowEmrServiceRoleGrantsForEbs",
                               "AllowCloudWatchLogsForStepLogs"}
    principals = statements["AllowEmrRolesToUseKey"]["Principal"]["AWS"]
    assert len(principals) == 2 and all(p.startswith("${aws_iam_role.") for p in principals)
    assert statements["AllowEmrServiceRoleGrantsForEbs"]["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    assert all(s["Principal"] != {"AWS": "*"} for s in statements.values())


def test_private_subnet_security_groups_have_the_documented_rules(production):
    groups = resources_of(production, "aws_security_group")
    assert len(groups) == 3
    assert all(g["revoke_rules_on_delete"] is True for g in groups)
    assert all(g["tags"]["for-use-with-amazon-emr-managed-policies"] == "true" for g in groups)
    assert all(g["vpc_id"] == "vpc-0a1b2c3d4e5f60000" for g in groups)
    ingress = resources_of(production, "aws_vpc_security_group_ingress_rule")
    assert sorted(r["from_port"] for r in ingress) == [8443, 8443, 9443]
    assert not any("cidr_ipv4" in r or "cidr_ipv6" in r for r in ingress)  # nothing from 0.0.0.0/0 (EMR.2)
    egress = resources_of(production, "aws_vpc_security_group_egress_rule")
    assert sorted(r.get("from_port", -1) for r in egress if r["ip_protocol"] == "tcp") == [443, 443, 8443, 8443, 9443, 9443]
    assert all(r.get("cidr_ipv4") != "0.0.0.0/0" for r in egress if r["ip_protocol"] == "-1")
    ec2 = one_resource(production, "aws_emr_cluster")["ec2_attributes"][0]
    assert all(ec2[k].startswith("${aws_security_group.") for k in (
        "emr_managed_master_security_group", "emr_managed_slave_security_group", "service_access_security_group"))


def test_minimal_cluster_gets_groups_in_the_default_vpc_without_service_access(minimal):
    groups = resources_of(minimal, "aws_security_group")
    assert len(groups) == 2 and all("vpc_id" not in g for g in groups)
    assert "service_access_security_group" not in one_resource(minimal, "aws_emr_cluster")["ec2_attributes"][0]


def test_log_bucket_is_kms_encrypted_and_access_logged(minimal):
    logging = one_resource(minimal, "aws_s3_bucket_logging")
    assert logging["target_prefix"] == "s3-access/" and "access-logs" in logging["target_bucket"]
    sse = {k: v["rule"][0]["apply_server_side_encryption_by_default"][0]["sse_algorithm"]
           for k, v in minimal["resource"]["aws_s3_bucket_server_side_encryption_configuration"].items()}
    assert sorted(sse.values()) == ["AES256", "aws:kms"]  # access-log targets must be SSE-S3
    policies = [json.loads(p["policy"]) for p in resources_of(minimal, "aws_s3_bucket_policy")]
    delivery = [s for p in policies for s in p["Statement"] if s["Sid"] == "AllowS3ServerAccessLogDelivery"]
    assert delivery[0]["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert "aws:SourceArn" in delivery[0]["Condition"]["ArnLike"]


def test_in_transit_off_warns_unless_acknowledged():
    from dataclasses import replace

    from emr_constructs import ClusterProps, EmrCluster, IamProps
    from emr_constructs.security.security_configuration import SecurityProps

    iam = IamProps(name_prefix="t", account_id="123456789012", region="eu-west-1")
    for security, warned in ((SecurityProps(), True), (SecurityProps(allow_no_in_transit_encryption=True), False)):
        stack = TerraformStack(Testing.app(), "w")
        emr = EmrCluster(stack, "emr", replace(ClusterProps(name="x"), security=security), iam_props=iam)
        meta = [str(m.data) for m in emr.security.configuration.node.metadata]
        assert any("in-transit encryption is off" in m for m in meta) is warned


def test_old_release_drops_what_it_cannot_do_with_a_warning():
    from emr_constructs.security.security_configuration import SecurityProps, for_release

    props, warnings = for_release(SecurityProps(), "emr-5.30.0")
    assert props.ebs_encryption is True and props.imds_v2_required is False and len(warnings) == 1
    props, warnings = for_release(SecurityProps(), "emr-5.11.0")
    assert props.ebs_encryption is False and len(warnings) == 2
    assert for_release(SecurityProps(), "emr-6.2.0") == (SecurityProps(), [])


def test_block_public_access_and_example_vpc():
    stack = TerraformStack(Testing.app(), "acct")
    AwsProvider(stack, "aws", region="eu-west-1")
    EmrBlockPublicAccess(stack, "bpa", BlockPublicAccessProps(
        permitted_public_port_ranges=(PortRange(min_port=22, max_port=22),)))
    vpc = ExampleVpc(stack, "vpc", ExampleVpcProps(name="emr", region="eu-west-1"))
    out = synth_json(stack)
    bpa = one_resource(out, "aws_emr_block_public_access_configuration")
    assert bpa["block_public_security_group_rules"] is True
    assert bpa["permitted_public_security_group_rule_range"] == [{"min_range": 22, "max_range": 22}]
    assert [s["map_public_ip_on_launch"] for s in resources_of(out, "aws_subnet")] == [False] * 3
    assert one_resource(out, "aws_vpc_endpoint")["service_name"] == "com.amazonaws.eu-west-1.s3"
    assert "ingress" not in one_resource(out, "aws_default_security_group")
    assert len(vpc.subnet_ids) == 3


def test_waiver_list_has_a_reason_per_entry():
    from scripts.security import load_parliament_waivers, load_waivers

    waivers = load_waivers()
    assert {w.check for w in waivers} >= {"CKV_AWS_144", "CKV2_AWS_62", "CKV_AWS_114"}
    assert all(len(w.reason) > 40 for w in waivers)
    assert all(len(w["reason"]) > 40 for w in load_parliament_waivers())
    assert len(waivers) <= 6


def test_scannable_json_drops_required_version(tmp_path):
    from scripts.security import scannable_json

    source = {"terraform": {"required_version": ">= 1.5"}, "resource": {}}
    out = json.loads(scannable_json(source, tmp_path / "scan" / "s.tf.json").read_text())
    assert "required_version" not in out["terraform"]
