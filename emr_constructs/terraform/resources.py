"""The AWS resource types this library emits, one line each."""
from .base import AwsDataSource, AwsResource


class S3Bucket(AwsResource):
    TYPE = "aws_s3_bucket"


class S3BucketPublicAccessBlock(AwsResource):
    TYPE = "aws_s3_bucket_public_access_block"


class S3BucketOwnershipControls(AwsResource):
    TYPE = "aws_s3_bucket_ownership_controls"


class S3BucketVersioning(AwsResource):
    TYPE = "aws_s3_bucket_versioning"


class S3BucketEncryption(AwsResource):
    TYPE = "aws_s3_bucket_server_side_encryption_configuration"


class S3BucketLifecycle(AwsResource):
    TYPE = "aws_s3_bucket_lifecycle_configuration"


class S3BucketPolicy(AwsResource):
    TYPE = "aws_s3_bucket_policy"


class IamRole(AwsResource):
    TYPE = "aws_iam_role"


class IamRolePolicy(AwsResource):
    TYPE = "aws_iam_role_policy"


class IamRolePolicyAttachment(AwsResource):
    TYPE = "aws_iam_role_policy_attachment"


class IamInstanceProfile(AwsResource):
    TYPE = "aws_iam_instance_profile"


class EmrClusterResource(AwsResource):
    TYPE = "aws_emr_cluster"


class EmrInstanceGroup(AwsResource):
    TYPE = "aws_emr_instance_group"


class EmrInstanceFleet(AwsResource):
    TYPE = "aws_emr_instance_fleet"


class EmrManagedScalingPolicy(AwsResource):
    TYPE = "aws_emr_managed_scaling_policy"


class KmsKey(AwsResource):
    TYPE = "aws_kms_key"


class SnsTopic(AwsResource):
    TYPE = "aws_sns_topic"


class CloudwatchMetricAlarm(AwsResource):
    TYPE = "aws_cloudwatch_metric_alarm"


class CloudwatchDashboard(AwsResource):
    TYPE = "aws_cloudwatch_dashboard"


class CallerIdentity(AwsDataSource):
    TYPE = "aws_caller_identity"


class S3BucketLogging(AwsResource):
    TYPE = "aws_s3_bucket_logging"


class KmsAlias(AwsResource):
    TYPE = "aws_kms_alias"


class EmrSecurityConfiguration(AwsResource):
    TYPE = "aws_emr_security_configuration"


class EmrBlockPublicAccessConfiguration(AwsResource):
    TYPE = "aws_emr_block_public_access_configuration"


class SecurityGroup(AwsResource):
    TYPE = "aws_security_group"


class SecurityGroupIngressRule(AwsResource):
    TYPE = "aws_vpc_security_group_ingress_rule"


class SecurityGroupEgressRule(AwsResource):
    TYPE = "aws_vpc_security_group_egress_rule"


class Vpc(AwsResource):
    TYPE = "aws_vpc"


class Subnet(AwsResource):
    TYPE = "aws_subnet"


class RouteTable(AwsResource):
    TYPE = "aws_route_table"


class RouteTableAssociation(AwsResource):
    TYPE = "aws_route_table_association"


class VpcEndpoint(AwsResource):
    TYPE = "aws_vpc_endpoint"


class DefaultSecurityGroup(AwsResource):
    TYPE = "aws_default_security_group"


class FlowLog(AwsResource):
    TYPE = "aws_flow_log"


class CloudwatchLogGroup(AwsResource):
    TYPE = "aws_cloudwatch_log_group"


class S3Object(AwsResource):
    TYPE = "aws_s3_object"


class SnsTopicPolicy(AwsResource):
    TYPE = "aws_sns_topic_policy"


class SnsTopicSubscription(AwsResource):
    TYPE = "aws_sns_topic_subscription"


class CloudwatchEventRule(AwsResource):
    TYPE = "aws_cloudwatch_event_rule"


class CloudwatchEventTarget(AwsResource):
    TYPE = "aws_cloudwatch_event_target"


class EmrReleaseLabels(AwsDataSource):
    TYPE = "aws_emr_release_labels"
