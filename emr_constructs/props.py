"""Typed props of an EMR cluster. Frozen, keyword-only: the types users see.

These never reach jsii as objects: the constructs turn them into plain dicts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping, Optional

from . import defaults
from .security.security_configuration import SecurityProps

if TYPE_CHECKING:
    from .scaling.automatic import AutoScalingPolicy
    from .scaling.managed import ManagedScaling
    from .scaling.scale_in import ScaleIn
    from .logs.step_logs import StepLogsProps


@dataclass(frozen=True, kw_only=True)
class EbsVolume:
    size_gb: int = defaults.EBS_VOLUME_SIZE_GB
    type: str = defaults.EBS_VOLUME_TYPE
    iops: Optional[int] = None
    throughput: Optional[int] = None
    volumes_per_instance: int = 1


@dataclass(frozen=True, kw_only=True)
class InstanceGroup:
    """``autoscaling_json``: EMR's own AutoScalingPolicy JSON instead of ``autoscaling`` (checked against
    botocore's shape at synth)."""

    instance_type: str = defaults.INSTANCE_TYPE
    instance_count: int = 1
    ebs_volumes: tuple[EbsVolume, ...] = (EbsVolume(),)
    bid_price: Optional[str] = None
    name: Optional[str] = None
    autoscaling: Optional["AutoScalingPolicy"] = None
    autoscaling_json: Optional[str] = None

    @property
    def scales(self) -> bool:
        return self.autoscaling is not None or self.autoscaling_json is not None

    @property
    def autoscaling_limits(self) -> Optional[tuple[int, int]]:
        """(min, max) instances of the autoscaling policy, typed or JSON; None without one (or unreadable)."""
        if self.autoscaling is not None:
            return self.autoscaling.min_capacity, self.autoscaling.max_capacity
        if isinstance(self.autoscaling_json, str):
            try:
                limits = json.loads(self.autoscaling_json)["Constraints"]
                low, high = limits["MinCapacity"], limits["MaxCapacity"]
            except (ValueError, KeyError, TypeError):
                return None
            if isinstance(low, int) and isinstance(high, int):
                return low, high
        return None


@dataclass(frozen=True, kw_only=True)
class InstanceTypeConfig:
    instance_type: str
    weighted_capacity: int = 1
    bid_price_as_percentage_of_on_demand_price: Optional[float] = None
    ebs_volumes: tuple[EbsVolume, ...] = (EbsVolume(),)


@dataclass(frozen=True, kw_only=True)
class InstanceFleet:
    instance_types: tuple[InstanceTypeConfig, ...]
    target_on_demand_capacity: int = 0
    target_spot_capacity: int = 0
    on_demand_allocation_strategy: str = "lowest-price"
    spot_allocation_strategy: str = "price-capacity-optimized"
    spot_timeout_action: str = "SWITCH_TO_ON_DEMAND"
    spot_timeout_minutes: int = 10
    name: Optional[str] = None


@dataclass(frozen=True, kw_only=True)
class BootstrapAction:
    name: str
    path: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Configuration:
    """One EMR configuration classification, e.g. ``spark-defaults``."""

    classification: str
    properties: Mapping[str, str] = field(default_factory=dict)
    configurations: tuple["Configuration", ...] = ()


@dataclass(frozen=True, kw_only=True)
class SecurityGroupRule:
    """One more rule on a security group the cluster creates (``group``: master, slave or service_access).
    The peer is exactly one of ``cidr`` (IPv4 or IPv6), ``prefix_list_id`` (e.g. the S3 gateway endpoint's
    pl-...) or ``security_group_id``. ``protocol`` "-1" means every protocol and port."""

    group: str
    direction: str
    protocol: str = "tcp"
    from_port: Optional[int] = None
    to_port: Optional[int] = None
    cidr: Optional[str] = None
    prefix_list_id: Optional[str] = None
    security_group_id: Optional[str] = None
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class KerberosAttributes:
    """``aws_emr_cluster.kerberos_attributes``: the cluster's KDC and, optionally, its cross-realm trust or
    Active Directory join. Pass passwords as references (a sensitive variable or secret), not literals:
    whatever is given lands in the Terraform state."""

    realm: str
    kdc_admin_password: str
    cross_realm_trust_principal_password: Optional[str] = None
    ad_domain_join_user: Optional[str] = None
    ad_domain_join_password: Optional[str] = None


@dataclass(frozen=True, kw_only=True)
class Network:
    """Where the cluster runs. Private subnets are the default expectation. ``security_group_rules`` add to
    the groups the cluster creates (not to groups you pass)."""

    subnet_ids: tuple[str, ...] = ()
    emr_managed_master_security_group: Optional[str] = None
    emr_managed_slave_security_group: Optional[str] = None
    service_access_security_group: Optional[str] = None
    additional_master_security_groups: tuple[str, ...] = ()
    additional_slave_security_groups: tuple[str, ...] = ()
    key_name: Optional[str] = None
    vpc_id: Optional[str] = None
    private_subnets: bool = True
    https_egress_cidrs: tuple[str, ...] = defaults.HTTPS_EGRESS_CIDRS
    security_group_rules: tuple[SecurityGroupRule, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ClusterProps:
    """A cluster. Escape hatches for what the typed fields do not cover: ``configurations_json`` (EMR's
    ConfigurationList JSON, merged with ``configurations``), ``security_configuration_json`` (a whole security
    configuration document), ``additional_info`` (RunJobFlow's AdditionalInfo JSON)."""

    name: str
    release_label: str = defaults.RELEASE_LABEL
    applications: tuple[str, ...] = defaults.APPLICATIONS
    master: InstanceGroup | InstanceFleet = InstanceGroup()
    core: Optional[InstanceGroup | InstanceFleet] = InstanceGroup(instance_count=defaults.CORE_INSTANCE_COUNT)
    task: tuple[InstanceGroup, ...] | Optional[InstanceFleet] = ()
    network: Network = Network()
    bootstrap_actions: tuple[BootstrapAction, ...] = ()
    configurations: tuple[Configuration, ...] = ()
    step_concurrency_level: int = defaults.STEP_CONCURRENCY_LEVEL
    idle_timeout_seconds: Optional[int] = None
    termination_protection: bool = False
    unhealthy_node_replacement: bool = True
    visible_to_all_users: bool = True
    scale_down_behavior: str = defaults.SCALE_DOWN_BEHAVIOR
    ebs_root_volume_size_gb: Optional[int] = None
    custom_ami_id: Optional[str] = None
    security_configuration: Optional[str] = None
    security: SecurityProps = field(default_factory=SecurityProps)
    log_encryption_kms_key_id: Optional[str] = None
    managed_scaling: Optional["ManagedScaling"] = None
    scale_in: Optional["ScaleIn"] = None
    capacity_managed_by_scaling: bool = False
    # Ship step and driver logs to CloudWatch Logs while steps run (step_logs.py); off by default.
    step_logs: Optional["StepLogsProps"] = None
    tags: Mapping[str, str] = field(default_factory=dict)
    configurations_json: Optional[str] = None
    security_configuration_json: Optional[str] = None
    additional_info: Optional[str] = None
    # SPREAD the primary nodes (3 of them) over distinct hardware: aws_emr_cluster.placement_group_config.
    placement_strategy: Optional[str] = None
    kerberos: Optional[KerberosAttributes] = None

    @property
    def uses_fleets(self) -> bool:
        return isinstance(self.master, InstanceFleet)

    @property
    def autoscaled_groups(self) -> list[InstanceGroup]:
        tasks = self.task if isinstance(self.task, (tuple, list)) else ()
        groups = [self.core, *tasks] if not self.uses_fleets else []
        return [g for g in groups if isinstance(g, InstanceGroup) and g.scales]

    @property
    def creates_security_configuration(self) -> bool:
        return self.security_configuration is None

    @property
    def creates_kms_key(self) -> bool:
        """Whether the cluster creates a KMS key: for the security configuration it builds from ``security``."""
        return (self.security_configuration is None and self.security_configuration_json is None
                and self.security.needs_key and self.security.kms_key_arn is None)

    @property
    def counts_are_scaled(self) -> bool:
        """Whether something other than Terraform changes instance counts at run time."""
        return self.capacity_managed_by_scaling or self.managed_scaling is not None or bool(self.autoscaled_groups)
