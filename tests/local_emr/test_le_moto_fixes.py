"""moto outside EMR, corrected where the shipped stacks need AWS's behaviour (local_emr.api.moto_fixes)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from local_emr import LocalEmr

from .conftest import FAKE

pytestmark = pytest.mark.integration  # the emulator's server

PLACEHOLDER_VPC = "vpc-0a1b2c3d4e5f6abcd"


@pytest.fixture(scope="module")
def client(emulator: LocalEmr) -> Any:
    return lambda service: boto3.client(service, endpoint_url=emulator.endpoint_url, **FAKE)


def test_aws_managed_policy_is_loaded_on_first_use(client: Any) -> None:
    iam = client("iam")
    iam.create_role(RoleName="le-emr-service", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17",
                                                                                   "Statement": []}))
    arn = "arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2"
    iam.attach_role_policy(RoleName="le-emr-service", PolicyArn=arn)
    assert iam.list_attached_role_policies(RoleName="le-emr-service")["AttachedPolicies"] == [
        {"PolicyName": "AmazonEMRServicePolicy_v2", "PolicyArn": arn}]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PolicyName"] == "AmazonEMRServicePolicy_v2"
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.attach_role_policy(RoleName="le-emr-service", PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicyLe")


def test_logging_to_a_bucket_without_acls_needs_no_grant_up_front(client: Any) -> None:
    s3 = client("s3")
    for name in ("le-source-bucket", "le-access-logs"):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_ownership_controls(Bucket="le-access-logs", OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    s3.put_bucket_logging(Bucket="le-source-bucket", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "le-access-logs", "TargetPrefix": "s3-access/"}})
    assert s3.get_bucket_logging(Bucket="le-source-bucket")["LoggingEnabled"]["TargetBucket"] == "le-access-logs"
    s3.put_bucket_ownership_controls(Bucket="le-access-logs", OwnershipControls={
        "Rules": [{"ObjectOwnership": "ObjectWriter"}]})  # ACLs on: moto's grant check applies again
    with pytest.raises(s3.exceptions.ClientError, match="InvalidTargetBucketForLogging"):
        s3.put_bucket_logging(Bucket="le-source-bucket", BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": "le-access-logs", "TargetPrefix": "again/"}})


def test_security_group_in_a_placeholder_vpc_and_its_rules(client: Any) -> None:
    ec2 = client("ec2")
    master = ec2.create_security_group(GroupName="le-master", Description="m", VpcId=PLACEHOLDER_VPC)["GroupId"]
    slave = ec2.create_security_group(GroupName="le-slave", Description="s", VpcId=PLACEHOLDER_VPC)["GroupId"]
    assert ec2.describe_vpcs(VpcIds=[PLACEHOLDER_VPC])["Vpcs"][0]["VpcId"] == PLACEHOLDER_VPC
    default_egress = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    ec2.revoke_security_group_egress(GroupId=master, IpPermissions=default_egress)  # what the provider does

    rule = ec2.authorize_security_group_egress(GroupId=master, IpPermissions=[{
        "IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": slave, "Description": "to the slave group"}]}],
    )["SecurityGroupRules"][0]
    (read,) = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule["SecurityGroupRuleId"]])["SecurityGroupRules"]
    assert read["Description"] == "to the slave group"
    assert read["ReferencedGroupInfo"] == {"GroupId": slave}  # same account: no UserId, so no "acct/sg" drift

    # revoke_rules_on_delete: the provider revokes what DescribeSecurityGroups lists, descriptions and all.
    listed = ec2.describe_security_groups(GroupIds=[master])["SecurityGroups"][0]["IpPermissionsEgress"]
    ec2.revoke_security_group_egress(GroupId=master, IpPermissions=listed)
    assert ec2.describe_security_groups(GroupIds=[master])["SecurityGroups"][0]["IpPermissionsEgress"] == []
    ec2.authorize_security_group_ingress(GroupId=slave, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443, "UserIdGroupPairs": [{"GroupId": master}]}])
    ec2.revoke_security_group_ingress(GroupId=slave, IpPermissions=[{   # another description: still the same rule
        "IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443,
        "UserIdGroupPairs": [{"GroupId": master, "Description": "renamed"}]}])
    for group in (master, slave):
        ec2.delete_security_group(GroupId=group)


def test_kms_rotation_period_is_kept(client: Any) -> None:
    kms = client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is False
    kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=180)
    status = kms.get_key_rotation_status(KeyId=key)
    assert (status["KeyRotationEnabled"], status["RotationPeriodInDays"]) == (True, 180)
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=other)
    assert kms.get_key_rotation_status(KeyId=other)["RotationPeriodInDays"] == 365
