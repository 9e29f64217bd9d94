"""What EmrCluster adds for security by default: a security configuration (with its KMS key)
and the EMR-managed security groups. Bring your own of either by passing its name or ids.

- ``ClusterProps.security_configuration`` (a name) skips creating one; ``ClusterProps.security``
  describes the one we create (never both).
- ``Network`` security group ids skip creating the groups; otherwise they are created in
  ``network.vpc_id`` (required for private subnets) or, without a subnet, in the default VPC.
"""
from __future__ import annotations

import json
from typing import Optional

from constructs import Construct

from ..terraform.base import Scope
from .network import EmrSecurityGroups, SecurityGroupsProps, check_network_security, creates_security_groups
from ..props import ClusterProps
from .security_configuration import SecurityConfiguration, SecurityProps, check_security_props
from ..validation.raw_json import check_security_configuration_json
from ..terraform.resources import EmrSecurityConfiguration as EmrSecurityConfigurationResource
from ..validation.checker import Checker, is_token


def validate_cluster_security(props: ClusterProps) -> None:
    """Raise one ConfigError for every problem in ``props.security`` and the network's security."""
    c = Checker()
    if props.security_configuration is not None and props.security != SecurityProps():
        c.fail("security", "SecurityProps", "pass security_configuration (an existing one, by name) or security "
               "(to create one), not both")
    c.matches("security_configuration", props.security_configuration, r"[A-Za-z0-9_.-]{1,256}",
              "must be the name of an existing EMR security configuration")
    if props.security_configuration_json is not None:
        c.check(props.security_configuration is None, "security_configuration_json", "JSON",
                "pass security_configuration (an existing one, by name) or security_configuration_json, not both")
        c.check(props.security == SecurityProps(), "security", "SecurityProps",
                "pass security (to build the document) or security_configuration_json (your own), not both")
        check_security_configuration_json(c, "security_configuration_json", props.security_configuration_json)
    check_security_props(c, props.security)
    check_network_security(c, props.network)
    c.raise_if_any("EMR cluster security")


class ClusterSecurity(Scope):
    """Exposes ``configuration`` (the one built from ``security``, or None), ``resource`` (the
    aws_emr_security_configuration created, from ``security`` or ``security_configuration_json``, or None),
    ``configuration_name``, ``key_arn``, ``security_groups`` (or None) and ``ec2_security_group_fields``."""

    def __init__(self, scope: Construct, id: str, props: ClusterProps, *, roles, account_id: str, region: str,
                 partition: str = "aws") -> None:
        super().__init__(scope, id)
        self.configuration: Optional[SecurityConfiguration] = None
        self.configuration_name: Optional[str] = props.security_configuration
        self.key_arn: Optional[str] = None
        self.resource: Optional[EmrSecurityConfigurationResource] = None
        if props.security_configuration_json is not None:
            document = props.security_configuration_json
            if not is_token(document):
                document = json.dumps(json.loads(document), indent=2, sort_keys=True)
            self.resource = EmrSecurityConfigurationResource(self, "configuration", {
                "name_prefix": f"{name_stem(props.name)[:30]}-", "configuration": document,
            })
            self.configuration_name = self.resource.attr("name")
        elif props.security_configuration is None:
            self.configuration = SecurityConfiguration(
                self, "configuration", props.security, name_prefix=name_stem(props.name), account_id=account_id,
                region=region, partition=partition, release_label=props.release_label,
                user_role_arns=[r.arn for r in (roles.instance_role, roles.service_role) if r is not None],
                grant_role_arns=[roles.service_role.arn],
            )
            self.configuration_name = self.configuration.name
            self.key_arn = self.configuration.key_arn
            self.resource = self.configuration.resource
        network = props.network
        self.security_groups: Optional[EmrSecurityGroups] = None
        self.ec2_security_group_fields = {
            "emr_managed_master_security_group": network.emr_managed_master_security_group,
            "emr_managed_slave_security_group": network.emr_managed_slave_security_group,
            "service_access_security_group": network.service_access_security_group,
        }
        if creates_security_groups(network):
            private = bool(network.subnet_ids) and network.private_subnets
            self.security_groups = EmrSecurityGroups(self, "security-groups", SecurityGroupsProps(
                name_prefix=name_stem(props.name), vpc_id=network.vpc_id, private=private,
                https_egress_cidrs=network.https_egress_cidrs, extra_rules=tuple(network.security_group_rules),
            ))
            self.ec2_security_group_fields = self.security_groups.network_fields()


def name_stem(name: str) -> str:
    """The part of a cluster name that goes into the names of what it creates (KMS alias, groups)."""
    import re

    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:40] or "emr"
