"""Account-level EMR block public access (one per account and region): opt in from one stack.

With ``block_public_security_group_rules`` EMR refuses to start a cluster whose security groups
allow inbound traffic from 0.0.0.0/0 or ::/0, except on the permitted port ranges. AWS permits
port 22 by default; our default permits nothing. Security Hub EMR.2 (and the AWS Config rule
``emr-block-public-access``) accept at most port 22 as an exception.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..cdk import TerraformProvider
from constructs import Construct

from ..terraform.base import Scope
from ..terraform.resources import EmrBlockPublicAccessConfiguration
from ..validation.checker import Checker


@dataclass(frozen=True, kw_only=True)
class PortRange:
    min_port: int
    max_port: int


@dataclass(frozen=True, kw_only=True)
class BlockPublicAccessProps:
    block_public_security_group_rules: bool = True
    permitted_public_port_ranges: tuple[PortRange, ...] = ()
    allow_disabled: bool = False
    allow_ports_other_than_ssh: bool = False


def validate_block_public_access_props(props: BlockPublicAccessProps) -> None:
    c = Checker()
    c.check(props.block_public_security_group_rules or props.allow_disabled, "block_public_security_group_rules",
            False, "may only be turned off with allow_disabled=True")
    if not props.block_public_security_group_rules:
        c.check(not props.permitted_public_port_ranges, "permitted_public_port_ranges",
                props.permitted_public_port_ranges, "only apply when block_public_security_group_rules is on")
    for i, r in enumerate(props.permitted_public_port_ranges):
        where = f"permitted_public_port_ranges[{i}]"
        c.int_range(f"{where}.min_port", r.min_port, 0, 65535)
        c.int_range(f"{where}.max_port", r.max_port, 0, 65535)
        c.check(lambda: r.min_port <= r.max_port, where, (r.min_port, r.max_port), "min_port must not exceed max_port")
        c.check(lambda: (r.min_port, r.max_port) == (22, 22) or props.allow_ports_other_than_ssh, where,
                (r.min_port, r.max_port),
                "only port 22 may be public (Security Hub EMR.2); others need allow_ports_other_than_ssh=True")
    c.raise_if_any("EMR block public access props")


class EmrBlockPublicAccess(Scope):
    """Exposes ``resource``. Manage it from exactly one stack per account and region."""

    def __init__(self, scope: Construct, id: str, props: BlockPublicAccessProps = BlockPublicAccessProps(), *,
                 provider: Optional[TerraformProvider] = None) -> None:
        validate_block_public_access_props(props)
        super().__init__(scope, id, provider=provider)
        self.resource = EmrBlockPublicAccessConfiguration(self, "configuration", {
            "block_public_security_group_rules": props.block_public_security_group_rules,
            "permitted_public_security_group_rule_range": [
                {"min_range": r.min_port, "max_range": r.max_port} for r in props.permitted_public_port_ranges
            ],
        })
