"""Bucket policies with Conditions, evaluated the way they behave on real (HTTPS) S3.

moto 5.2.5 ignores a statement's Condition, so the usual TLS-only statement
(Deny s3:* when aws:SecureTransport is false) denies every object call. We treat requests as
secure (the emulator stands in for AWS's HTTPS endpoint) and drop statements whose other
conditions moto cannot evaluate, instead of applying them unconditionally.
"""

from __future__ import annotations

import json
from typing import Any

from moto.s3.models import FakeBucket

_original = FakeBucket.get_permission
SECURE_TRANSPORT = "aws:securetransport"


def condition_holds(condition: dict[str, Any] | None) -> bool:
    """True when every condition is known to hold for an emulator request (TLS assumed)."""
    for operator, entries in (condition or {}).items():
        for key, values in (entries or {}).items():
            values = values if isinstance(values, list) else [values]
            if key.lower() != SECURE_TRANSPORT or operator.removesuffix("IfExists") != "Bool":
                return False
            if "true" not in [str(v).lower() for v in values]:
                return False
    return True


def effective_policy(policy: str) -> str:
    """The policy without statements whose conditions do not hold."""
    doc = json.loads(policy)
    statements = doc.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    doc["Statement"] = [s for s in statements if condition_holds(s.get("Condition"))]
    for statement in doc["Statement"]:
        statement.pop("Condition", None)
    return json.dumps(doc)


def _get_permission(self: FakeBucket, action: str, resource: str) -> Any:
    from moto.iam.access_control import IAMPolicy, PermissionResult

    if self.policy is None:
        return PermissionResult.NEUTRAL
    doc = effective_policy(self.policy.decode())
    if not json.loads(doc)["Statement"]:
        return PermissionResult.NEUTRAL
    return IAMPolicy(doc).is_action_permitted(action, resource)


def install() -> None:
    """Patch moto's bucket permission check (process-wide; idempotent)."""
    FakeBucket.get_permission = _get_permission  # type: ignore[method-assign]


def uninstall() -> None:
    FakeBucket.get_permission = _original  # type: ignore[method-assign]
