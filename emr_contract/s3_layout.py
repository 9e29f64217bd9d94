"""Where EMR puts a cluster's logs under its LogUri: what the emulator writes and the step runner reads.

EMR's log pusher copies step logs to `<LogUri>/<cluster>/steps/<step>/` (stdout.gz, stderr.gz, controller.gz,
syslog.gz) and YARN container logs to `<LogUri>/<cluster>/containers/<application>/<container>/`
(Amazon EMR Management Guide, "View log files archived to Amazon S3":
https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-manage-view-web-log-files.html).
"""
from __future__ import annotations

_SCHEMES = ("s3n://", "s3a://")


def normalise(log_uri: str) -> str:
    """EMR accepts s3n:// and s3a:// LogUris; the objects are the same S3 objects under s3://."""
    for scheme in _SCHEMES:
        if log_uri.startswith(scheme):
            return "s3://" + log_uri[len(scheme):]
    return log_uri


def as_described(log_uri: str) -> str:
    """The LogUri DescribeCluster returns for one given to RunJobFlow: s3n://, and ending in "/". The AWS
    provider compares it to its config after replacing s3n:// by s3:// (hashicorp/terraform-provider-aws PR 1374);
    a config without the final "/" then re-plans as a replacement (cloudposse/terraform-aws-emr-cluster issue 8,
    fixed by adding the slash in its PR 60)."""
    uri = "s3n://" + log_uri.removeprefix("s3://") if log_uri.startswith("s3://") else log_uri
    return uri if uri.endswith("/") else uri + "/"


def cluster_log_prefix(log_uri: str, cluster_id: str) -> str:
    """`<LogUri>/<cluster>/`."""
    return f"{normalise(log_uri).rstrip('/')}/{cluster_id}/"


def step_log_prefix(log_uri: str, cluster_id: str, step_id: str) -> str:
    """`<LogUri>/<cluster>/steps/<step>/`."""
    return f"{cluster_log_prefix(log_uri, cluster_id)}steps/{step_id}/"


def container_log_prefix(log_uri: str, cluster_id: str, application_id: str) -> str:
    """`<LogUri>/<cluster>/containers/<application>/`."""
    return f"{cluster_log_prefix(log_uri, cluster_id)}containers/{application_id}/"
