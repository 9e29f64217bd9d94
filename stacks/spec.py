"""What one shipped stack is made of: typed props for each construct, and the one check of all of them."""
from __future__ import annotations

from dataclasses import dataclass, field

from emr_constructs.validation.construct_checks import absorb, check_props
from emr_constructs.validation.cluster_rules import validate_cluster_props
from emr_constructs.security.cluster_security import validate_cluster_security
from emr_constructs.security.iam import IamProps, validate_iam_props
from emr_constructs.logs.log_bucket import LogBucketProps, validate_log_bucket_props
from emr_constructs.monitoring.emr_monitoring import MonitoringProps, validate_monitoring_props
from emr_constructs.props import ClusterProps
from emr_constructs.logs.step_logs import validate_cluster_step_logs
from emr_constructs.validation.typecheck import check_types
from emr_constructs.validation.checker import Checker


@dataclass(frozen=True, kw_only=True)
class AccessProps:
    """What the cluster's instances may touch besides their log prefix."""

    read_buckets: tuple[str, ...] = ()
    read_write_buckets: tuple[str, ...] = ()
    glue_catalog_read: bool = False
    permissions_boundary_arn: str | None = None


@dataclass(frozen=True, kw_only=True)
class StackSpec:
    stack_name: str
    cluster: ClusterProps
    log_bucket: LogBucketProps = field(default_factory=LogBucketProps)
    access: AccessProps = field(default_factory=AccessProps)
    monitoring: MonitoringProps | None = None
    description: str = ""


def check_stack_spec(spec: StackSpec) -> None:
    """Every problem of every part of ``spec`` in one ConfigError, before the stack creates anything
    (field names as in the spec: ``cluster.core.instance_count``, ``log_bucket.expire_after_days``, ...)."""
    c = Checker()
    if not check_types(c, "", spec):
        c.raise_if_any(f"stack {getattr(spec, 'stack_name', '?')}")
    if check_props(c, "cluster", spec.cluster, validate_cluster_props):
        absorb(c, "cluster", validate_cluster_security, spec.cluster)
        absorb(c, "cluster", validate_cluster_step_logs, spec.cluster, log_prefix=spec.log_bucket.log_prefix)
    check_props(c, "log_bucket", spec.log_bucket, validate_log_bucket_props)
    access = spec.access
    # The roles' names come from the cluster name (checked above); the rest of IamProps is access's.
    absorb(c, "access", validate_iam_props, IamProps(
        name_prefix="x", account_id="123456789012", region="us-east-1", read_buckets=access.read_buckets,
        read_write_buckets=access.read_write_buckets, glue_catalog_read=access.glue_catalog_read,
        permissions_boundary_arn=access.permissions_boundary_arn))
    if spec.monitoring is not None:
        check_props(c, "monitoring", spec.monitoring, validate_monitoring_props)
    c.raise_if_any(f"stack {spec.stack_name}")
