"""What one shipped stack is made of: typed props for each construct."""
from __future__ import annotations

from dataclasses import dataclass, field

from emr_constructs.log_bucket import LogBucketProps
from emr_constructs.monitoring import MonitoringProps
from emr_constructs.props import ClusterProps


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
