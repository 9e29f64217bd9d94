"""EC2 rules moto does not enforce but terraform's destroy order relies on.

AWS refuses to delete a security group that another group's rules still reference
(DependencyViolation) and the AWS provider retries until ``revoke_rules_on_delete`` has removed
them. moto deletes it at once, so revoking the remaining rule later fails and destroy breaks
(EMR-managed master/slave groups reference each other).
"""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from moto.ec2.models import ec2_backends


EMR_DEFAULT_GROUP_PREFIX = "ElasticMapReduce-"


def referencing_groups(account_id: str, region: str, group_id: str) -> list[str]:
    """IDs of other security groups whose rules name ``group_id``.

    Groups EMR (moto) created on its own, e.g. ElasticMapReduce-ServiceAccess, are ignored:
    nothing in the user's configuration would ever remove their rules.
    """
    backend = ec2_backends[account_id][region]
    found = []
    for groups in list(backend.groups.values()):
        for group in list(groups.values()):
            if group.id == group_id or str(group.name).startswith(EMR_DEFAULT_GROUP_PREFIX):
                continue
            rules = list(group.ingress_rules) + list(group.egress_rules)
            if any((rule.source_group or {}).get("GroupId") == group_id for rule in rules):
                found.append(group.id)
    return found


def delete_security_group_violation(body: bytes, account_id: str, region: str) -> bytes | None:
    """An EC2 DependencyViolation error document, or None when the delete may proceed."""
    params = parse_qs(body.decode("utf-8", "replace"))
    if params.get("Action", [""])[0] != "DeleteSecurityGroup":
        return None
    group_id = params.get("GroupId", [""])[0]
    if not group_id:
        return None
    others = referencing_groups(account_id, region, group_id)
    if not others:
        return None
    message = escape(f"resource {group_id} has a dependent object ({', '.join(sorted(others))})")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>DependencyViolation</Code>'
        f"<Message>{message}</Message></Error></Errors><RequestID>{uuid.uuid4()}</RequestID></Response>"
    ).encode()
