"""Networking for EMR: the EMR-managed security groups, and an optional example VPC.

``EmrSecurityGroups`` creates the primary ("master"), core/task ("slave") and, for private
subnets, the service-access security group, with the rules EMR documents for private subnets:

- service access: ingress TCP 9443 from the primary group (EMR 5.30.0+ reaches the cluster
  manager through it); egress TCP 8443 to the primary and to the core/task group;
- primary and core/task: ingress TCP 8443 from the service-access group.

EMR adds the remaining intra-cluster *inbound* rules itself when the cluster starts. Egress is
ours (Terraform removes the default allow-all egress rule): all traffic between the two cluster
groups, TCP 9443 to the service-access group, and HTTPS (443) to ``https_egress_cidrs`` for AWS
APIs through a NAT gateway or VPC endpoints. No rule allows ingress from 0.0.0.0/0.

Every group has ``revoke_rules_on_delete`` (EMR's rules reference the groups across each other,
so they could not be deleted otherwise) and the tag ``for-use-with-amazon-emr-managed-policies``
that lets the ``AmazonEMRServicePolicy_v2`` service role modify them.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from ..cdk import TerraformProvider
from constructs import Construct

from .. import defaults
from ..terraform.base import Scope
from ..props import Network, SecurityGroupRule
from ..terraform.resources import (
    DefaultSecurityGroup,
    RouteTable,
    RouteTableAssociation,
    SecurityGroup,
    SecurityGroupEgressRule,
    SecurityGroupIngressRule,
    Subnet,
    Vpc,
    VpcEndpoint,
)
from ..validation.checker import Checker, is_token

SG_ID = r"sg-[0-9a-f]{8,17}"
VPC_ID = r"vpc-[0-9a-f]{8,17}"
SG_FIELDS = ("emr_managed_master_security_group", "emr_managed_slave_security_group", "service_access_security_group")
WORLD = ("0.0.0.0/0", "::/0")


def _is_cidr(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=True)
        return True
    except ValueError:
        return False


def creates_security_groups(network: Network) -> bool:
    """EmrCluster creates the managed groups unless you pass them."""
    return not any(getattr(network, name) for name in SG_FIELDS)


def check_network_security(c: Checker, network: Network, where: str = "network") -> None:
    """The secure-networking rules a cluster's ``Network`` must satisfy (ids are checked elsewhere)."""
    c.matches(f"{where}.vpc_id", network.vpc_id, VPC_ID, "must be a VPC id like vpc-0abc1234")
    given = [name for name in SG_FIELDS[:2] if getattr(network, name)]
    if len(given) == 1:
        missing = next(name for name in SG_FIELDS[:2] if name not in given)
        c.fail(f"{where}.{missing}", None,
               "EMR needs both managed groups (primary and core/task) or neither: pass both, or none to have them created")
    if given and network.private_subnets and network.subnet_ids and not network.service_access_security_group:
        c.fail(f"{where}.service_access_security_group", None,
               "is required with custom managed security groups in a private subnet")
    if creates_security_groups(network) and network.subnet_ids:
        # Without a VPC the groups land in the default VPC; EMR refuses security groups from another VPC than
        # the cluster's subnet (MG emr-sg-create: "security groups ... in the same VPC as the cluster").
        c.check(network.vpc_id is not None, f"{where}.vpc_id", "unset",
                "is required to create the EMR-managed security groups in the subnets' VPC (or pass their ids)")
    check_security_group_rules(c, network, where)
    for i, cidr in enumerate(network.https_egress_cidrs):
        c.check(lambda: isinstance(cidr, str) and _is_cidr(cidr), f"{where}.https_egress_cidrs[{i}]", cidr,
                "must be a CIDR block such as 10.0.0.0/16 or 0.0.0.0/0")


RULE_GROUPS = ("master", "slave", "service_access")
RULE_DIRECTIONS = ("ingress", "egress")
PORT_PROTOCOLS = ("tcp", "udp", "6", "17")


def check_security_group_rules(c: Checker, network: Network, where: str = "network") -> None:
    """``Network.security_group_rules``: rules on the groups the cluster creates, each with one peer."""
    rules = network.security_group_rules
    if rules and not creates_security_groups(network):
        c.fail(f"{where}.security_group_rules", len(rules), "add to the security groups the cluster creates; "
               "you passed your own groups: add the rules to them where you manage them")
        return
    private = bool(network.subnet_ids) and network.private_subnets
    for i, rule in enumerate(rules):
        item = f"{where}.security_group_rules[{i}]"
        for name in ("group", "direction"):
            if is_token(getattr(rule, name)):
                c.fail(f"{item}.{name}", getattr(rule, name), "chooses the resource to create: it must be known at synth")
        if c.one_of(f"{item}.group", rule.group, RULE_GROUPS) and rule.group == "service_access":
            c.check(private, f"{item}.group", rule.group,
                    "the service access group exists only for private subnets (network.subnet_ids, private_subnets)")
        c.one_of(f"{item}.direction", rule.direction, RULE_DIRECTIONS)
        protocol = rule.protocol
        # EC2 IpPermission IpProtocol: tcp, udp, icmp, icmpv6, a protocol number, or -1 for all.
        c.check(lambda: protocol in ("-1", "tcp", "udp", "icmp", "icmpv6")
                or (protocol.isdigit() and 0 <= int(protocol) <= 255), f"{item}.protocol", protocol,
                "must be tcp, udp, icmp, icmpv6, a protocol number 0-255, or -1 for all")
        if protocol == "-1":
            c.check(rule.from_port is None and rule.to_port is None, f"{item}.from_port", rule.from_port,
                    "protocol -1 covers every port: leave from_port and to_port unset")
        elif protocol in PORT_PROTOCOLS:
            for name in ("from_port", "to_port"):
                value = getattr(rule, name)
                if value is None:
                    c.fail(f"{item}.{name}", None, f"is required for {protocol}")
                else:
                    c.int_range(f"{item}.{name}", value, 0, 65535)
            if isinstance(rule.from_port, int) and isinstance(rule.to_port, int):
                c.check(rule.from_port <= rule.to_port, f"{item}.from_port", rule.from_port,
                        f"must not exceed to_port ({rule.to_port})")
        peers = [name for name in ("cidr", "prefix_list_id", "security_group_id") if getattr(rule, name) is not None]
        if len(peers) != 1:
            c.fail(f"{item}.cidr", peers or None, "give exactly one peer: cidr, prefix_list_id or security_group_id")
        c.check(lambda: isinstance(rule.cidr, str) and _is_cidr(rule.cidr), f"{item}.cidr", rule.cidr,
                "must be an IPv4 or IPv6 CIDR block such as 10.0.0.0/16")
        if rule.direction == "ingress" and rule.cidr in WORLD:
            # MG emr-block-public-access: EMR refuses to launch a cluster whose groups allow inbound traffic
            # from 0.0.0.0/0 or ::/0 (port 22 excepted by default); this library allows none.
            c.fail(f"{item}.cidr", rule.cidr, "no ingress from anywhere: EMR block public access refuses it "
                   "(MG emr-block-public-access); use your network's CIDR or a prefix list")
        c.matches(f"{item}.prefix_list_id", rule.prefix_list_id, r"pl-[0-9a-f]{8,17}",
                  "must be a managed prefix list id like pl-63a5400a (e.g. the S3 gateway endpoint's)")
        c.matches(f"{item}.security_group_id", rule.security_group_id, SG_ID,
                  "must be a security group id like sg-0abc1234")
        c.check(isinstance(rule.description, str) and len(rule.description) <= 255, f"{item}.description",
                rule.description, "must be at most 255 characters")


@dataclass(frozen=True, kw_only=True)
class SecurityGroupsProps:
    name_prefix: str
    vpc_id: Optional[str] = None
    private: bool = True
    https_egress_cidrs: tuple[str, ...] = defaults.HTTPS_EGRESS_CIDRS
    extra_rules: tuple[SecurityGroupRule, ...] = ()


def validate_security_groups_props(props: SecurityGroupsProps) -> None:
    c = Checker()
    c.matches("name_prefix", props.name_prefix, r"[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,200}",
              "must be 1-200 characters allowed in security group names")
    c.matches("vpc_id", props.vpc_id, VPC_ID, "must be a VPC id like vpc-0abc1234")
    c.check(not props.private or props.vpc_id is not None, "vpc_id", "unset",
            "is required for the private-subnet groups (the default VPC has only public subnets)")
    for i, cidr in enumerate(props.https_egress_cidrs):
        c.check(lambda: isinstance(cidr, str) and _is_cidr(cidr), f"https_egress_cidrs[{i}]", cidr,
                "must be a CIDR block such as 10.0.0.0/16 or 0.0.0.0/0")
    c.raise_if_any("security group props")


class EmrSecurityGroups(Scope):
    """Exposes ``master``, ``slave``, ``service_access`` (None outside private subnets) and
    ``network_fields()`` for ``Network``/``ec2_attributes``."""

    def __init__(self, scope: Construct, id: str, props: SecurityGroupsProps, *,
                 provider: Optional[TerraformProvider] = None, tags: Optional[Mapping[str, str]] = None) -> None:
        validate_security_groups_props(props)
        super().__init__(scope, id, provider=provider, tags=tags)
        self.props = props
        kind = "private" if props.private else "public"
        self.master = self._group("master", f"EMR primary node ({kind} subnet)")
        self.slave = self._group("slave", f"EMR core and task nodes ({kind} subnet)")
        self.service_access: Optional[SecurityGroup] = None
        if props.private:
            self.service_access = self._group("service-access", "EMR service access to clusters in private subnets")
            sa = self.service_access.resource_id
            self._ingress("service-access-9443-from-master", sa, 9443, self.master.resource_id,
                          "cluster manager on the primary node reaches the EMR service (9443)")
            self._egress("service-access-8443-to-master", sa, 8443, self.master.resource_id,
                         "EMR service to the primary node (8443)")
            self._egress("service-access-8443-to-slave", sa, 8443, self.slave.resource_id,
                         "EMR service to core and task nodes (8443)")
            for name, group in (("master", self.master), ("slave", self.slave)):
                self._ingress(f"{name}-8443-from-service-access", group.resource_id, 8443, sa,
                              "EMR service access (8443)")
                self._egress(f"{name}-9443-to-service-access", group.resource_id, 9443, sa,
                             "to the EMR service access group (9443)")
        for name, group in (("master", self.master), ("slave", self.slave)):
            for peer_name, peer in (("master", self.master), ("slave", self.slave)):
                SecurityGroupEgressRule(self, f"{name}-all-to-{peer_name}", {
                    "security_group_id": group.resource_id, "ip_protocol": "-1",
                    "referenced_security_group_id": peer.resource_id,
                    "description": f"intra-cluster traffic to the {peer_name} group",
                    "tags": dict(defaults.MANAGED_POLICY_TAG),
                })
            for i, cidr in enumerate(props.https_egress_cidrs):
                key = "cidr_ipv6" if ":" in cidr else "cidr_ipv4"
                SecurityGroupEgressRule(self, f"{name}-https-{i}", {
                    "security_group_id": group.resource_id, "ip_protocol": "tcp", "from_port": 443, "to_port": 443,
                    key: cidr, "description": "HTTPS to AWS APIs (S3, EMR, KMS, CloudWatch) via NAT or endpoints",
                    "tags": dict(defaults.MANAGED_POLICY_TAG),
                })
        groups = {"master": self.master, "slave": self.slave, "service_access": self.service_access}
        for i, rule in enumerate(props.extra_rules):
            self._extra_rule(f"extra-{rule.group}-{rule.direction}-{i}", groups[rule.group], rule)

    def _extra_rule(self, id: str, group: Optional[SecurityGroup], rule: SecurityGroupRule) -> None:
        if group is None:
            raise ValueError(f"no {rule.group} group here")  # refused by check_security_group_rules first
        peer: dict[str, Any] = {}
        if rule.cidr is not None:
            peer["cidr_ipv6" if ":" in rule.cidr else "cidr_ipv4"] = rule.cidr
        elif rule.prefix_list_id is not None:
            peer["prefix_list_id"] = rule.prefix_list_id
        else:
            peer["referenced_security_group_id"] = rule.security_group_id
        kind = SecurityGroupIngressRule if rule.direction == "ingress" else SecurityGroupEgressRule
        kind(self, id, {
            "security_group_id": group.resource_id, "ip_protocol": rule.protocol,
            "from_port": rule.from_port, "to_port": rule.to_port, **peer,
            "description": rule.description or None, "tags": dict(defaults.MANAGED_POLICY_TAG),
        })

    def _group(self, id: str, description: str) -> SecurityGroup:
        return SecurityGroup(self, id, {
            "name_prefix": f"{self.props.name_prefix[:200]}-{id}-",
            "description": description,
            "vpc_id": self.props.vpc_id,
            "revoke_rules_on_delete": True,
            "tags": dict(defaults.MANAGED_POLICY_TAG),
        })

    def _ingress(self, id: str, group: str, port: int, source: str, description: str) -> None:
        SecurityGroupIngressRule(self, id, {
            "security_group_id": group, "ip_protocol": "tcp", "from_port": port, "to_port": port,
            "referenced_security_group_id": source, "description": description,
            "tags": dict(defaults.MANAGED_POLICY_TAG),
        })

    def _egress(self, id: str, group: str, port: int, target: str, description: str) -> None:
        SecurityGroupEgressRule(self, id, {
            "security_group_id": group, "ip_protocol": "tcp", "from_port": port, "to_port": port,
            "referenced_security_group_id": target, "description": description,
            "tags": dict(defaults.MANAGED_POLICY_TAG),
        })

    def network_fields(self) -> dict[str, Optional[str]]:
        return {
            "emr_managed_master_security_group": self.master.resource_id,
            "emr_managed_slave_security_group": self.slave.resource_id,
            "service_access_security_group": self.service_access.resource_id if self.service_access else None,
        }


@dataclass(frozen=True, kw_only=True)
class ExampleVpcProps:
    """A VPC with private subnets only (no internet gateway) and an S3 gateway endpoint.

    Enough for EMR to read and write S3; for the EMR, KMS and CloudWatch APIs add a NAT gateway
    or interface endpoints. The default security group is emptied (it allows nothing).
    """

    name: str
    region: str
    cidr: str = defaults.EXAMPLE_VPC_CIDR
    availability_zones: tuple[str, ...] = ("a", "b", "c")


def validate_example_vpc_props(props: ExampleVpcProps) -> None:
    c = Checker()
    c.matches("name", props.name, r"[A-Za-z0-9._-]{1,64}", "must be 1-64 letters, digits, '.', '_' or '-'")
    c.matches("region", props.region, r"[a-z]{2}(-[a-z]+)+-\d", "must be an AWS region such as eu-west-1")
    c.check(lambda: _is_cidr(props.cidr) and 16 <= ipaddress.ip_network(props.cidr).prefixlen <= 24
                 and ipaddress.ip_network(props.cidr).version == 4,
                 "cidr", props.cidr, "must be an IPv4 CIDR block from /16 to /24")
    c.check(1 <= len(props.availability_zones) <= 6, "availability_zones", props.availability_zones,
            "must list 1 to 6 zone letters")
    for i, zone in enumerate(props.availability_zones):
        c.matches(f"availability_zones[{i}]", zone, r"[a-z]", "must be a zone letter such as a")
    c.raise_if_any("example VPC props")


class ExampleVpc(Scope):
    """Exposes ``vpc``, ``vpc_id``, ``subnet_ids`` and ``s3_endpoint``."""

    def __init__(self, scope: Construct, id: str, props: ExampleVpcProps, *,
                 provider: Optional[TerraformProvider] = None, tags: Optional[Mapping[str, str]] = None) -> None:
        validate_example_vpc_props(props)
        super().__init__(scope, id, provider=provider, tags=tags)
        network = ipaddress.ip_network(props.cidr)
        subnets = list(network.subnets(new_prefix=min(network.prefixlen + 4, 28)))
        self.vpc = Vpc(self, "vpc", {
            "cidr_block": props.cidr, "enable_dns_support": True, "enable_dns_hostnames": True,
            "tags": {"Name": props.name, **defaults.MANAGED_POLICY_TAG},
        })
        self.vpc_id = self.vpc.resource_id
        DefaultSecurityGroup(self, "default-sg", {"vpc_id": self.vpc_id, "tags": {"Name": f"{props.name}-default-deny"}})
        self.route_table = RouteTable(self, "private", {"vpc_id": self.vpc_id, "tags": {"Name": f"{props.name}-private"}})
        self.subnets = []
        for i, zone in enumerate(props.availability_zones):
            subnet = Subnet(self, f"private-{zone}", {
                "vpc_id": self.vpc_id, "cidr_block": str(subnets[i]),
                "availability_zone": f"{props.region}{zone}", "map_public_ip_on_launch": False,
                "tags": {"Name": f"{props.name}-private-{zone}", **defaults.MANAGED_POLICY_TAG},
            })
            RouteTableAssociation(self, f"private-{zone}-routes", {
                "subnet_id": subnet.resource_id, "route_table_id": self.route_table.resource_id})
            self.subnets.append(subnet)
        self.subnet_ids = [s.resource_id for s in self.subnets]
        self.s3_endpoint = VpcEndpoint(self, "s3", {
            "vpc_id": self.vpc_id, "service_name": f"com.amazonaws.{props.region}.s3",
            "vpc_endpoint_type": "Gateway", "route_table_ids": [self.route_table.resource_id],
            "tags": {"Name": f"{props.name}-s3"},
        })


__all__ = ["EmrSecurityGroups", "ExampleVpc", "ExampleVpcProps", "SecurityGroupsProps", "check_network_security",
           "check_security_group_rules",
           "creates_security_groups"]
