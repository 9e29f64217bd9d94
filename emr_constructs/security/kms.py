"""A customer-managed KMS key for an EMR cluster's data at rest, created when you bring none.

Rotation is on (yearly) and deletion waits 30 days. The key policy is least privilege:

- ``EnableIamPoliciesForAccount``: the account root may administer the key. This is what makes
  the key manageable at all (without it nobody could change the policy) and lets IAM policies in
  the account grant further use; it grants nothing to anyone by itself.
- ``AllowEmrRolesToUseKey``: only the EMR instance role (EMRFS SSE-KMS writes and reads, local
  disk encryption on every node) and the EMR service role (it launches the encrypted EBS volumes)
  may ``Encrypt``, ``Decrypt``, ``ReEncrypt*``, ``GenerateDataKey*`` and ``DescribeKey``.
- ``AllowEmrServiceRoleGrantsForEbs``: EC2 needs a grant to attach encrypted EBS volumes for EMR,
  so the service role may ``CreateGrant``/``ListGrants``/``RevokeGrant``, and only for AWS
  resources (``kms:GrantIsForAWSResource``).

Constructs that need a service to use the key add a scoped statement with ``add_to_policy``: step
log shipping lets CloudWatch Logs use it for one log group (``step_logs.py``).

No statement has a wildcard principal.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from ..cdk import TerraformProvider
from constructs import Construct

from .. import defaults
from ..terraform.base import Scope
from .policy import Statement, policy_document
from ..terraform.resources import KmsAlias, KmsKey
from ..validation.checker import Checker

KEY_USE_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey")
GRANT_ACTIONS = ("kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant")
KMS_KEY_ARN = r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+"


@dataclass(frozen=True, kw_only=True)
class KmsKeyProps:
    """``alias`` without the ``alias/`` prefix; rotation can only be turned off explicitly."""

    alias: Optional[str] = None
    description: str = "EMR data at rest: EMRFS (S3), local disks and EBS volumes"
    deletion_window_days: int = defaults.KMS_DELETION_WINDOW_DAYS
    rotation_period_days: int = defaults.KMS_ROTATION_PERIOD_DAYS
    enable_rotation: bool = True
    allow_no_rotation: bool = False


def validate_kms_key_props(props: KmsKeyProps) -> None:
    c = Checker()
    c.matches("alias", props.alias, r"(?!aws/)(?!alias/)[A-Za-z0-9/_-]{1,250}",
              "must be 1-250 letters, digits, '/', '_' or '-', without the alias/ prefix and not under aws/")
    c.int_range("deletion_window_days", props.deletion_window_days, 7, 30)
    c.int_range("rotation_period_days", props.rotation_period_days, 90, 2560)
    c.check(props.enable_rotation or props.allow_no_rotation, "enable_rotation", props.enable_rotation,
            "key rotation may only be turned off with allow_no_rotation=True")
    c.raise_if_any("KMS key props")


def key_policy(*, account_id: str, partition: str, user_role_arns: Sequence[str],
               grant_role_arns: Sequence[str], extra_statements: Sequence[Statement] = ()) -> str:
    """The least-privilege key policy described in the module docstring."""
    statements = [
        Statement(sid="EnableIamPoliciesForAccount", principals={"AWS": f"arn:{partition}:iam::{account_id}:root"},
                  actions=["kms:*"], resources=["*"]),
    ]
    if user_role_arns:
        statements.append(Statement(sid="AllowEmrRolesToUseKey", principals={"AWS": list(user_role_arns)},
                                    actions=list(KEY_USE_ACTIONS), resources=["*"]))
    if grant_role_arns:
        statements.append(Statement(
            sid="AllowEmrServiceRoleGrantsForEbs", principals={"AWS": list(grant_role_arns)},
            actions=list(GRANT_ACTIONS), resources=["*"],
            conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        ))
    return policy_document(statements + list(extra_statements))


class EmrKmsKey(Scope):
    """Exposes ``key`` (the resource), ``key_arn`` and ``alias``.

    ``user_role_arns`` may use the key; ``grant_role_arns`` may create grants for AWS resources.
    In a key policy ``Resource: "*"`` means "this key".
    """

    def __init__(self, scope: Construct, id: str, props: KmsKeyProps = KmsKeyProps(), *, account_id: str,
                 partition: str = "aws", user_role_arns: Sequence[str] = (),
                 grant_role_arns: Sequence[str] = (), depends_on: Optional[list] = None,
                 provider: Optional[TerraformProvider] = None, tags: Optional[Mapping[str, str]] = None) -> None:
        validate_kms_key_props(props)
        super().__init__(scope, id, provider=provider, tags=tags)
        self._policy_args = dict(account_id=account_id, partition=partition, user_role_arns=tuple(user_role_arns),
                                 grant_role_arns=tuple(grant_role_arns))
        self.extra_statements: list[Statement] = []
        self.key = KmsKey(self, "key", {
            "description": props.description,
            "enable_key_rotation": props.enable_rotation,
            "rotation_period_in_days": props.rotation_period_days if props.enable_rotation else None,
            "deletion_window_in_days": props.deletion_window_days,
            "policy": key_policy(**self._policy_args),
            "tags": dict(defaults.MANAGED_POLICY_TAG),
        }, depends_on=depends_on)
        self.key_arn = self.key.arn
        self.alias: Optional[KmsAlias] = None
        self.alias_name: Optional[str] = props.alias
        if props.alias:
            self.alias = KmsAlias(self, "alias", {"name": f"alias/{props.alias}", "target_key_id": self.key.attr("key_id")})

    def add_to_policy(self, statement: Statement) -> None:
        """Append a statement to the key policy, e.g. a service that must use the key for one resource
        (CloudWatch Logs for a log group). The policy is rendered again; synthesis reads it later."""
        self.extra_statements.append(statement)
        self.key._attributes["policy"] = key_policy(**self._policy_args, extra_statements=self.extra_statements)

    def alias_arn(self, *, region: str, account_id: str, partition: str = "aws") -> Optional[str]:
        """The alias ARN, known before apply (unlike the key ARN): EMR accepts it wherever a key ARN goes."""
        if not self.alias_name:
            return None
        return f"arn:{partition}:kms:{region}:{account_id}:alias/{self.alias_name}"
