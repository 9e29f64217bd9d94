"""The AWS resource types this library emits, one line each."""
from ._tf import AwsDataSource, AwsResource


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


class EmrCluster(AwsResource):
    TYPE = "aws_emr_cluster"


class EmrInstanceGroup(AwsResource):
    TYPE = "aws_emr_instance_group"


class EmrInstanceFleet(AwsResource):
    TYPE = "aws_emr_instance_fleet"


class CallerIdentity(AwsDataSource):
    TYPE = "aws_caller_identity"
