"""Every default of the library, in one place. User values are merged over these."""
from __future__ import annotations

RELEASE_LABEL = "emr-7.2.0"
APPLICATIONS = ("Spark",)
INSTANCE_TYPE = "m5.xlarge"
CORE_INSTANCE_COUNT = 2
EBS_VOLUME_TYPE = "gp3"
EBS_VOLUME_SIZE_GB = 64
STEP_CONCURRENCY_LEVEL = 1
SCALE_DOWN_BEHAVIOR = "TERMINATE_AT_TASK_COMPLETION"

# The tag AmazonEMRServicePolicy_v2 requires on every resource EMR may touch.
MANAGED_POLICY_TAG = {"for-use-with-amazon-emr-managed-policies": "true"}

LOG_PREFIX = "logs/"
LOG_EXPIRE_AFTER_DAYS = 90
LOG_NONCURRENT_EXPIRE_AFTER_DAYS = 30
ABORT_INCOMPLETE_UPLOAD_DAYS = 7

SERVICE_POLICY_ARN = "arn:{partition}:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2"
AUTOSCALING_POLICY_ARN = "arn:{partition}:iam::aws:policy/service-role/AmazonElasticMapReduceforAutoScalingRole"

# Security (issue 6): encryption, instance metadata, networking.
KMS_DELETION_WINDOW_DAYS = 30
KMS_ROTATION_PERIOD_DAYS = 365
S3_ENCRYPTION_MODE = "SSE-KMS"
IMDS_MIN_VERSION = 2
IMDS_HOP_LIMIT = 1
ACCESS_LOG_PREFIX = "s3-access/"
ACCESS_LOG_EXPIRE_AFTER_DAYS = 365
HTTPS_EGRESS_CIDRS = ("0.0.0.0/0",)
EXAMPLE_VPC_CIDR = "10.42.0.0/16"

# Step logs in CloudWatch Logs (issue 7).
STEP_LOGS_RETENTION_DAYS = 30
STEP_LOGS_CONTAINERS = "driver"
# Where the bootstrap script lives in the log bucket: outside the log prefix instances may write to.
STEP_LOGS_SCRIPT_PREFIX = "bootstrap/emr-step-logs/"
