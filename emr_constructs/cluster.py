"""The EMR cluster construct: one constructor call gives a working, secure cluster.

It creates its log bucket and IAM roles unless you bring your own (never both), and exposes
what it created: ``cluster``, ``log_bucket``, ``roles``, ``task_groups``, ``task_fleet``, and what
others reference: ``cluster_id``, ``security_group_ids`` (master, slave, service_access),
``kms_key_arn``, ``security_configuration_name``, ``autoscaling_role_arn``.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any, Mapping, Optional, Sequence

from .cdk import Annotations, TerraformProvider
from constructs import Construct

from . import defaults, facts
from .terraform.base import Scope
from .validation.construct_checks import absorb, check_props
from .validation.cluster_rules import validate_cluster_props
from .security.cluster_security import ClusterSecurity, name_stem, validate_cluster_security
from .configurations import configurations_json
from .terraform.resources import EmrManagedScalingPolicy
from .scaling.scale_in import effective_configurations
from .logs.step_logs import StepLogShipping, validate_cluster_step_logs
from .security.iam import IAM_ROLE_ARN, EmrRoles, IamProps, role_names, validate_iam_props
from .logs.log_bucket import LogBucket, LogBucketProps, validate_log_bucket_props
from .props import ClusterProps, EbsVolume, InstanceFleet, InstanceGroup, KerberosAttributes
from .terraform.resources import EmrClusterResource
from .terraform.resources import EmrInstanceFleet, EmrInstanceGroup
from .terraform.unique_names import check_unclaimed, claim
from .validation.checker import Checker, is_token


def _ebs(volumes: Sequence[EbsVolume]) -> list[dict[str, Any]]:
    return [
        {
            "size": v.size_gb,
            "type": v.type,
            "iops": v.iops,
            "throughput": v.throughput,
            "volumes_per_instance": v.volumes_per_instance,
        }
        for v in volumes
    ]


def _group(group: InstanceGroup, *, with_throughput: bool = True) -> dict[str, Any]:
    ebs = _ebs(group.ebs_volumes)
    if not with_throughput:
        for volume in ebs:
            volume.pop("throughput")
    return {
        "name": group.name,
        "instance_type": group.instance_type,
        "instance_count": group.instance_count,
        "bid_price": group.bid_price,
        "ebs_config": ebs,
        "autoscaling_policy": _autoscaling_policy(group),
    }


def _autoscaling_policy(group: InstanceGroup) -> Optional[str]:
    if group.autoscaling is not None:
        return group.autoscaling.to_json()
    if group.autoscaling_json is None or is_token(group.autoscaling_json):
        return group.autoscaling_json
    return json.dumps(json.loads(group.autoscaling_json), separators=(",", ":"))


def _compact_json(text: Optional[str]) -> Optional[str]:
    if text is None or is_token(text):
        return text
    return json.dumps(json.loads(text), separators=(",", ":"), sort_keys=True)


def _kerberos(attrs: Optional[KerberosAttributes]) -> Optional[list[dict[str, Any]]]:
    if attrs is None:
        return None
    return [{
        "realm": attrs.realm,
        "kdc_admin_password": attrs.kdc_admin_password,
        "cross_realm_trust_principal_password": attrs.cross_realm_trust_principal_password,
        "ad_domain_join_user": attrs.ad_domain_join_user,
        "ad_domain_join_password": attrs.ad_domain_join_password,
    }]


def _fleet(fleet: InstanceFleet) -> dict[str, Any]:
    launch: dict[str, Any] = {}
    if fleet.target_on_demand_capacity:
        launch["on_demand_specification"] = [{"allocation_strategy": fleet.on_demand_allocation_strategy}]
    if fleet.target_spot_capacity:
        launch["spot_specification"] = [{
            "allocation_strategy": fleet.spot_allocation_strategy,
            "timeout_action": fleet.spot_timeout_action,
            "timeout_duration_minutes": fleet.spot_timeout_minutes,
        }]
    configs = []
    for cfg in fleet.instance_types:
        ebs = _ebs(cfg.ebs_volumes)
        for volume in ebs:
            volume.pop("throughput")
        configs.append({
            "instance_type": cfg.instance_type,
            "weighted_capacity": cfg.weighted_capacity,
            "bid_price_as_percentage_of_on_demand_price": cfg.bid_price_as_percentage_of_on_demand_price,
            "ebs_config": ebs,
        })
    return {
        "name": fleet.name,
        "target_on_demand_capacity": fleet.target_on_demand_capacity,
        "target_spot_capacity": fleet.target_spot_capacity,
        "instance_type_configs": configs,
        "launch_specifications": [launch] if launch else None,
    }


def unique_names(props: ClusterProps, iam_props: Optional[IamProps]) -> dict[str, tuple[str, Any]]:
    """The account-unique names this cluster creates, with the field that chose each."""
    names: dict[str, tuple[str, Any]] = {}
    security = props.security
    if props.creates_kms_key:
        alias = security.kms_key.alias or f"emr/{name_stem(props.name)}"
        field = "security.kms_key.alias" if security.kms_key.alias else "name"
        names[f"KMS alias alias/{alias}"] = (field, security.kms_key.alias or props.name)
    if props.security_configuration is None and props.security_configuration_json is None:
        if security.name:
            names[f"EMR security configuration {security.name}"] = ("security.name", security.name)
    if iam_props is not None:
        for role in role_names(iam_props):
            names[f"IAM role {role}"] = ("iam_props.name_prefix", iam_props.name_prefix)
    return names


def _named_after(cluster_name: str, props: LogBucketProps) -> LogBucketProps:
    """Give a created log bucket a recognisable prefix unless the user named it."""
    if props.bucket_name or props.bucket_prefix:
        return props
    stem = re.sub(r"[^a-z0-9-]+", "-", cluster_name.lower()).strip("-")[:30] or "emr"
    return replace(props, bucket_prefix=f"{stem}-logs-")


def _checked_arguments(scope: Construct, props: ClusterProps, *, iam_props: Optional[IamProps],
                       roles: Optional["EmrRoles"], log_bucket_props: Optional[LogBucketProps],
                       log_bucket: Optional[LogBucket], autoscaling_role_arn: Optional[str]
                       ) -> tuple[Optional[IamProps], dict]:
    """Every argument checked in one pass (one error naming each problem), before any jsii call: the IAM props to
    build roles with (an autoscaling role added when the policies need one) and the names the cluster claims."""
    c = Checker()
    c.check(not (roles and iam_props), "roles", "EmrRoles", "pass roles or iam_props, not both")
    if roles is None and iam_props is None:
        c.fail("iam_props", None, "pass iam_props (to create roles) or roles (to bring your own)")
    c.check(not (log_bucket and log_bucket_props), "log_bucket", "LogBucket",
            "pass log_bucket or log_bucket_props, not both")
    c.check(roles is None or isinstance(roles, EmrRoles), "roles", type(roles).__name__, "must be an EmrRoles")
    c.check(log_bucket is None or isinstance(log_bucket, LogBucket), "log_bucket", type(log_bucket).__name__,
            "must be a LogBucket (LogBucket.from_existing for a bucket you manage)")
    c.check(isinstance(autoscaling_role_arn, str), "autoscaling_role_arn", autoscaling_role_arn, "must be a role ARN")
    c.matches("autoscaling_role_arn", autoscaling_role_arn, IAM_ROLE_ARN, "must be an IAM role ARN")
    props_ok = check_props(c, "", props, validate_cluster_props)
    if props_ok:
        absorb(c, "", validate_cluster_security, props)
        prefix = log_bucket.log_prefix if isinstance(log_bucket, LogBucket) else getattr(
            log_bucket_props or LogBucketProps(), "log_prefix", defaults.LOG_PREFIX)
        absorb(c, "", validate_cluster_step_logs, props, log_prefix=prefix)
    if iam_props is not None and check_props(c, "iam_props", iam_props, validate_iam_props):
        c.check(not (autoscaling_role_arn and iam_props.with_autoscaling_role), "iam_props.with_autoscaling_role",
                True, "pass autoscaling_role_arn (your own role) or with_autoscaling_role=True, not both")
    if log_bucket_props is not None:
        check_props(c, "log_bucket_props", log_bucket_props, validate_log_bucket_props)
    _check_given_roles(c, props if props_ok else None, roles, autoscaling_role_arn)
    needs_autoscaling_role = props_ok and bool(props.autoscaled_groups)
    if not c.problems and iam_props is not None and needs_autoscaling_role and autoscaling_role_arn is None:
        iam_props = replace(iam_props, with_autoscaling_role=True)
    names = unique_names(props, iam_props) if not c.problems else {}
    check_unclaimed(c, scope, names)
    c.raise_if_any("EMR cluster")
    return iam_props, names


def _check_given_roles(c: Checker, props: Optional[ClusterProps], roles: Optional["EmrRoles"],
                       autoscaling_role_arn: Optional[str]) -> None:
    """Roles you bring must have what the cluster's props need: an instance role, an autoscaling role."""
    if props is None or not isinstance(roles, EmrRoles):
        return
    if roles.instance_role is None and (props.creates_kms_key or props.step_logs is not None):
        c.fail("roles.instance_role", None, "is needed here: the KMS key the cluster creates must let the "
               "instance role use it, and step_logs grants it statements; pass instance_role to "
               "EmrRoles.from_existing")
    if props.autoscaled_groups:
        c.check(roles.autoscaling_role is not None or autoscaling_role_arn is not None, "autoscaling_role_arn",
                "unset", "custom autoscaling policies need an autoscaling role: pass autoscaling_role_arn "
                "or roles built with with_autoscaling_role=True")


def cluster_attributes(props: ClusterProps, *, service_role_arn: str, instance_profile_arn: str,
                       autoscaling_role: Optional[str], log_uri: str, security: Any, bootstrap: list,
                       step_log_tags: Mapping[str, str]) -> dict[str, Any]:
    """The aws_emr_cluster attributes: a pure function of the props and the names of what the cluster uses."""
    fleets = props.uses_fleets
    ec2 = {
        "instance_profile": instance_profile_arn,
        "subnet_id": props.network.subnet_ids[0] if props.network.subnet_ids and not fleets else None,
        "subnet_ids": list(props.network.subnet_ids) if fleets and props.network.subnet_ids else None,
        **security.ec2_security_group_fields,
        "additional_master_security_groups": ",".join(props.network.additional_master_security_groups) or None,
        "additional_slave_security_groups": ",".join(props.network.additional_slave_security_groups) or None,
        "key_name": props.network.key_name,
    }
    attributes: dict[str, Any] = {
        "name": props.name,
        "release_label": props.release_label,
        "applications": list(props.applications),
        "service_role": service_role_arn,
        "autoscaling_role": autoscaling_role,
        "log_uri": log_uri,
        "log_encryption_kms_key_id": props.log_encryption_kms_key_id,
        "security_configuration": security.configuration_name,
        "step_concurrency_level": props.step_concurrency_level,
        "termination_protection": props.termination_protection,
        "unhealthy_node_replacement": props.unhealthy_node_replacement,
        "visible_to_all_users": props.visible_to_all_users,
        "keep_job_flow_alive_when_no_steps": True,
        "scale_down_behavior": props.scale_down_behavior,
        "ebs_root_volume_size": props.ebs_root_volume_size_gb,
        "custom_ami_id": props.custom_ami_id,
        "configurations_json": configurations_json(effective_configurations(props)),
        "ec2_attributes": [ec2],
        "bootstrap_action": bootstrap,
        "auto_termination_policy": (
            [{"idle_timeout": props.idle_timeout_seconds}] if props.idle_timeout_seconds else None
        ),
        "tags": {**props.tags, **step_log_tags, **defaults.MANAGED_POLICY_TAG},
        "additional_info": _compact_json(props.additional_info),
        "placement_group_config": (
            [{"instance_role": facts.PLACEMENT_GROUP_ROLES[0], "placement_strategy": props.placement_strategy}]
            if props.placement_strategy else None
        ),
        "kerberos_attributes": _kerberos(props.kerberos),
    }
    if fleets:
        attributes["master_instance_fleet"] = [_fleet(props.master)]
        attributes["core_instance_fleet"] = [_fleet(props.core)] if props.core else None
    else:
        attributes["master_instance_group"] = [_group(props.master)]
        attributes["core_instance_group"] = [_group(props.core)] if props.core else None
    return attributes


class EmrCluster(Scope):
    def __init__(
        self,
        scope: Construct,
        id: str,
        props: ClusterProps,
        *,
        iam_props: Optional[IamProps] = None,
        roles: Optional[EmrRoles] = None,
        log_bucket_props: Optional[LogBucketProps] = None,
        log_bucket: Optional[LogBucket] = None,
        autoscaling_role_arn: Optional[str] = None,
        provider: Optional[TerraformProvider] = None,
    ) -> None:
        """``provider``: a provider alias (another region or account) for every resource created here;
        ``props.tags`` go on every taggable resource created here."""
        iam_props, names = _checked_arguments(scope, props, iam_props=iam_props, roles=roles,
                                              log_bucket_props=log_bucket_props, log_bucket=log_bucket,
                                              autoscaling_role_arn=autoscaling_role_arn)
        claim(scope, names, f"EmrCluster '{id}'")
        super().__init__(scope, id, provider=provider, tags=props.tags)
        self.props = props
        autoscaling_role = self._logs_and_roles(iam_props, roles, log_bucket, log_bucket_props, autoscaling_role_arn)
        self.security = ClusterSecurity(self, "security", props, roles=self.roles,
                                        account_id=self.roles.props.account_id, region=self.roles.props.region,
                                        partition=self.roles.props.partition)
        bootstrap = self._step_logs_and_bootstrap()
        self._warn(props)
        if not props.network.subnet_ids:
            Annotations.of(self).add_warning(
                "no subnet given: EMR launches into the default VPC's subnet; pass private subnets "
                "in network.subnet_ids for production"
            )
        attributes = cluster_attributes(props, service_role_arn=self.roles.service_role.arn,
                                        instance_profile_arn=self.roles.instance_profile.arn,
                                        autoscaling_role=autoscaling_role, log_uri=self.log_bucket.log_uri,
                                        security=self.security, bootstrap=bootstrap,
                                        step_log_tags=self.step_logs.tags if self.step_logs else {})
        self.cluster = EmrClusterResource(
            self, "cluster", attributes,
            depends_on=self.roles.dependables + (self.step_logs.dependables if self.step_logs else []),
            ignore_changes=self._scaled_cluster_attributes(),
        )
        self.cluster_id = self.cluster.resource_id
        self.cluster_name = self.cluster.attr("name")
        self.master_dns = self.cluster.attr("master_public_dns")
        self.autoscaling_role_arn: Optional[str] = autoscaling_role
        self.kms_key_arn: Optional[str] = self.security.key_arn
        self.security_configuration_name: Optional[str] = self.security.configuration_name
        self.security_group_ids: dict[str, str] = {
            field.replace("emr_managed_", "").replace("_security_group", ""): value
            for field, value in self.security.ec2_security_group_fields.items() if value
        }
        self._task_capacity()
        self.managed_scaling_policy: Optional[EmrManagedScalingPolicy] = None
        if props.managed_scaling is not None:
            self.managed_scaling_policy = EmrManagedScalingPolicy(self, "managed-scaling", {
                "cluster_id": self.cluster_id,
                "compute_limits": [props.managed_scaling.compute_limits()],
            })

    def _logs_and_roles(self, iam_props: Optional[IamProps], roles: Optional[EmrRoles],
                        log_bucket: Optional[LogBucket], log_bucket_props: Optional[LogBucketProps],
                        autoscaling_role_arn: Optional[str]) -> Optional[str]:
        """The log bucket and the roles (made here or given), log writes for given roles; the autoscaling role."""
        self.log_bucket = log_bucket or LogBucket(
            self, "log-bucket", _named_after(self.props.name, log_bucket_props or LogBucketProps()),
            partition=iam_props.partition if iam_props else "aws",
        )
        self.roles = roles or EmrRoles(self, "roles", iam_props, log_bucket=self.log_bucket,
                                       autoscaling_role_arn=autoscaling_role_arn)
        self.log_write_policy = None
        if roles is not None and roles.instance_role is not None and not roles.writes_logs_to(self.log_bucket):
            self.log_write_policy = self.log_bucket.grant_write(roles.instance_role, scope=self, id="log-write")
        elif roles is not None and roles.instance_role is None:
            Annotations.of(self).add_warning(
                f"existing roles without instance_role: grant the instance role log writes to {self.log_bucket.log_uri} "
                "yourself (LogBucket.write_statements)")
        return autoscaling_role_arn or (self.roles.autoscaling_role.arn if self.roles.autoscaling_role else None)

    def _step_logs_and_bootstrap(self) -> list[dict[str, Any]]:
        """Step log shipping, when asked for; the bootstrap actions, its own first."""
        props = self.props
        self.step_logs: Optional[StepLogShipping] = None
        if props.step_logs is not None:
            configuration = self.security.configuration
            self.step_logs = StepLogShipping(
                self, "step-logs", props.step_logs, cluster_name=props.name, log_bucket=self.log_bucket,
                roles=self.roles, region=self.roles.props.region, account_id=self.roles.props.account_id,
                partition=self.roles.props.partition,
                cluster_key=configuration.kms_key if configuration and props.step_logs.kms_key_arn is None else None,
            )
        bootstrap = [{"name": b.name, "path": b.path, "args": list(b.args) or None} for b in props.bootstrap_actions]
        if self.step_logs:
            bootstrap.insert(0, self.step_logs.bootstrap_action)
        return bootstrap

    def _task_capacity(self) -> None:
        """Task instance groups, or the task fleet, as resources of their own (scaling may resize them)."""
        props = self.props
        scaled = ["instance_count"] if props.counts_are_scaled else None
        self.task_groups: list[EmrInstanceGroup] = []
        if not props.uses_fleets:
            for i, group in enumerate(props.task):
                attrs = {"cluster_id": self.cluster_id, **_group(group, with_throughput=False)}
                attrs["name"] = group.name or f"task-{i}"
                self.task_groups.append(EmrInstanceGroup(self, f"task-{i}", attrs, ignore_changes=scaled))
        self.task_fleet: Optional[EmrInstanceFleet] = None
        if props.uses_fleets and isinstance(props.task, InstanceFleet):
            attrs = {"cluster_id": self.cluster_id, **_fleet(props.task)}
            attrs["name"] = props.task.name or "task"
            self.task_fleet = EmrInstanceFleet(
                self, "task-fleet", attrs,
                ignore_changes=["target_on_demand_capacity", "target_spot_capacity"]
                if props.counts_are_scaled else None,
            )

    def _warn(self, props: ClusterProps) -> None:
        if is_token(props.release_label):
            Annotations.of(self).add_warning(
                "release_label is known only at apply (e.g. EmrReleaseLookup): release gates, applications and "
                "classifications per release are not checked at synth")
        kerberos = props.kerberos
        if kerberos is not None:
            literal = [name for name in ("kdc_admin_password", "cross_realm_trust_principal_password",
                                         "ad_domain_join_password")
                       if getattr(kerberos, name) is not None and not is_token(getattr(kerberos, name))]
            if literal:
                Annotations.of(self).add_warning(
                    f"kerberos {', '.join(literal)} given as literal text: it is written to cdktf.out and the "
                    "Terraform state; pass a reference instead (a sensitive TerraformVariable or a secret's value)")

    def _scaled_cluster_attributes(self) -> Optional[list[str]]:
        """Counts EMR scaling changes at run time: Terraform must not fight over them."""
        if not self.props.counts_are_scaled or self.props.core is None:
            return None
        if self.props.uses_fleets:
            return ["core_instance_fleet[0].target_on_demand_capacity", "core_instance_fleet[0].target_spot_capacity"]
        return ["core_instance_group[0].instance_count"]
