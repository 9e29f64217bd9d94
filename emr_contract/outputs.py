"""The stack outputs the step runner reads, by name: the stack declares them, `emr-steps --outputs` reads them.

Renaming one breaks every deployed stack's users, so the names live here and nowhere else.
"""
from __future__ import annotations

CLUSTER_ID = "cluster_id"
CLUSTER_NAME = "cluster_name"
LOG_URI = "log_uri"
LOG_BUCKET = "log_bucket"
# Declared only when the cluster ships step logs to CloudWatch Logs (ClusterProps.step_logs).
LOG_GROUP = "log_group"

# Every stack declares these.
RUNNER_OUTPUTS = (
    CLUSTER_ID, CLUSTER_NAME, LOG_URI, LOG_BUCKET, "master_public_dns", "master_private_dns",
    "service_role_arn", "instance_profile_arn",
)
STEP_LOG_OUTPUTS = (LOG_GROUP,)
# What other stacks and modules reference; a stack declares each one it has.
REFERENCE_OUTPUTS = (
    "master_security_group_id", "slave_security_group_id", "service_access_security_group_id",
    "service_role_name", "instance_role_name", "instance_role_arn", "autoscaling_role_arn",
    "kms_key_arn", "security_configuration_name", "alarm_topic_arn",
)
