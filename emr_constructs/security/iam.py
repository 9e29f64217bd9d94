"""IAM for EMR: a service role, a least-privilege instance role and profile, and an
optional autoscaling role.

The instance role replaces the deprecated ``AmazonElasticMapReduceforEC2Role`` (which grants
s3:* on every bucket) with exactly: log writes, and the data buckets you list.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from ..cdk import TerraformProvider
from constructs import Construct


from .. import defaults
from ..terraform.base import Scope
from ..logs.log_bucket import _BUCKET_NAME, LogBucket
from .policy import Statement, policy_document, trust_policy
from ..terraform.resources import IamInstanceProfile, IamRole, IamRolePolicy, IamRolePolicyAttachment
from ..validation.checker import Checker, ConfigError, Problem, is_token

DATA_READ_ACTIONS = ("s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation")
DATA_WRITE_ACTIONS = ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload")
IAM_ROLE_ARN = r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}"
GLUE_READ_ACTIONS = (
    "glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables",
    "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition",
)


@dataclass(frozen=True, kw_only=True)
class IamProps:
    name_prefix: str
    account_id: str
    region: str
    partition: str = "aws"
    read_buckets: tuple[str, ...] = ()
    read_write_buckets: tuple[str, ...] = ()
    glue_catalog_read: bool = False
    permissions_boundary_arn: Optional[str] = None
    with_autoscaling_role: bool = False


def validate_iam_props(props: IamProps) -> None:
    c = Checker()
    c.matches("name_prefix", props.name_prefix, r"[\w+=,.@-]{1,40}",
              "must be 1-40 characters of letters, digits and +=,.@_- (role names are at most 64)")
    c.matches("account_id", props.account_id, r"\d{12}", "must be a 12-digit AWS account id")
    c.matches("region", props.region, r"[a-z]{2}(-[a-z]+)+-\d", "must be an AWS region such as eu-west-1")
    c.one_of("partition", props.partition, ("aws", "aws-cn", "aws-us-gov"))
    for field in ("read_buckets", "read_write_buckets"):
        for i, name in enumerate(getattr(props, field)):
            c.matches(f"{field}[{i}]", name, _BUCKET_NAME, "must be an S3 bucket name (no s3:// and no path)")
    c.matches("permissions_boundary_arn", props.permissions_boundary_arn, r"arn:aws[a-z-]*:iam::(\d{12}|aws):policy/.+",
              "must be an IAM managed policy ARN")
    c.raise_if_any("IAM props")


@dataclass(frozen=True)
class ExistingRole:
    """An IAM role or instance profile someone else manages: what the constructs reference."""

    arn: str
    name: str

    @property
    def resource_id(self) -> str:
        """What ``aws_iam_role_policy.role`` takes (the role's name), as for a created role."""
        return self.name


ROLE_NAME = r"[\w+=,.@-]{1,64}"
PROFILE_ARN = r"arn:aws[a-z-]*:iam::\d{12}:instance-profile/[\w+=,.@/-]{1,512}"


def existing(kind: str, value: str, *, account_id: str, partition: str) -> ExistingRole:
    """A role (``kind="role"``) or instance profile (``"instance-profile"``) given by name or ARN."""
    if value.startswith("arn:") or is_token(value):
        return ExistingRole(arn=value, name=value.rsplit("/", 1)[-1])
    return ExistingRole(arn=f"arn:{partition}:iam::{account_id}:{kind}/{value}", name=value)


def role_names(props: IamProps) -> list[str]:
    """The IAM role names EmrRoles creates (unique in an account)."""
    kinds = ("instance", "service") + (("autoscaling",) if props.with_autoscaling_role else ())
    return [f"{props.name_prefix}-emr-{kind}" for kind in kinds]


class EmrRoles(Scope):
    """Exposes ``service_role``, ``instance_role``, ``instance_profile`` and ``autoscaling_role``.

    ``autoscaling_role_arn``: an autoscaling role you manage; the service role may pass it (and no role
    is created for it)."""

    def __init__(self, scope: Construct, id: str, props: IamProps, *, log_bucket: LogBucket,
                 autoscaling_role_arn: Optional[str] = None, provider: Optional[TerraformProvider] = None,
                 tags: Optional[Mapping[str, str]] = None) -> None:
        validate_iam_props(props)
        super().__init__(scope, id, provider=provider, tags=tags)
        self.props = props
        self.log_bucket = log_bucket
        self._instance_role_and_profile()
        self._service_role()
        passable = [(self.instance_role.arn, "ec2.amazonaws.com")] + self._autoscaling_role(autoscaling_role_arn)
        self._pass_roles(passable)

    def _instance_role_and_profile(self) -> None:
        props = self.props
        self.instance_role = IamRole(self, "instance-role", {
            "name": f"{props.name_prefix}-emr-instance",
            "description": "EMR EC2 instances: log writes and the listed data buckets only",
            "assume_role_policy": trust_policy("ec2.amazonaws.com"),
            "permissions_boundary": props.permissions_boundary_arn,
        })
        self.instance_profile = IamInstanceProfile(self, "instance-profile", {
            "name": f"{props.name_prefix}-emr-instance",
            "role": self.instance_role.resource_id,
        })
        self._instance_statements = self.log_bucket.write_statements() + self._data_statements()
        self.instance_policy = IamRolePolicy(self, "instance-policy", {
            "name": "emr-instance-least-privilege",
            "role": self.instance_role.resource_id,
            "policy": policy_document(self._instance_statements),
        })

    def _service_role(self) -> None:
        props, p = self.props, self.props.partition
        source_conditions = {
            "StringEquals": {"aws:SourceAccount": props.account_id},
            "ArnLike": {"aws:SourceArn": f"arn:{p}:elasticmapreduce:{props.region}:{props.account_id}:*"},
        }
        self.service_role = IamRole(self, "service-role", {
            "name": f"{props.name_prefix}-emr-service",
            "description": "EMR service role (AmazonEMRServicePolicy_v2)",
            "assume_role_policy": trust_policy("elasticmapreduce.amazonaws.com", source_conditions),
            "permissions_boundary": props.permissions_boundary_arn,
        })
        self.service_policy_attachment = IamRolePolicyAttachment(self, "service-policy", {
            "role": self.service_role.resource_id,
            "policy_arn": defaults.SERVICE_POLICY_ARN.format(partition=p),
        })

    def _autoscaling_role(self, existing_arn: Optional[str]) -> list[tuple[str, str]]:
        """The custom autoscaling role (made here, or one given): what the service role may pass, and to whom."""
        props = self.props
        self.autoscaling_role: Optional[IamRole] = None
        if not props.with_autoscaling_role:
            return [(existing_arn, "application-autoscaling.amazonaws.com")] if existing_arn else []
        self.autoscaling_role = IamRole(self, "autoscaling-role", {
            "name": f"{props.name_prefix}-emr-autoscaling",
            "description": "EMR custom automatic scaling",
            "assume_role_policy": policy_document([Statement(
                actions=["sts:AssumeRole"],
                principals={"Service": ["application-autoscaling.amazonaws.com", "elasticmapreduce.amazonaws.com"]},
                conditions={"StringEquals": {"aws:SourceAccount": props.account_id}},
            )]),
            "permissions_boundary": props.permissions_boundary_arn,
        })
        IamRolePolicyAttachment(self, "autoscaling-policy", {
            "role": self.autoscaling_role.resource_id,
            "policy_arn": defaults.AUTOSCALING_POLICY_ARN.format(partition=props.partition),
        })
        return [(self.autoscaling_role.arn, "application-autoscaling.amazonaws.com")]

    def _pass_roles(self, passable: list[tuple[str, str]]) -> None:
        self.service_pass_role = IamRolePolicy(self, "service-pass-role", {
            "name": "emr-pass-instance-role",
            "role": self.service_role.resource_id,
            "policy": policy_document([
                Statement(sid=f"PassTo{service.split('.')[0].title().replace('-', '')}", actions=["iam:PassRole"],
                          resources=[arn], conditions={"StringEquals": {"iam:PassedToService": service}})
                for arn, service in passable
            ]),
        })

    @classmethod
    def from_existing(
        cls, scope: Construct, id: str, *, service_role: str, instance_profile: str, account_id: str, region: str,
        instance_role: Optional[str] = None, autoscaling_role: Optional[str] = None, partition: str = "aws",
        provider: Optional[TerraformProvider] = None,
    ) -> "EmrRoles":
        """Roles someone else manages, by name or ARN: nothing is created. ``instance_role`` (the role inside
        ``instance_profile``) lets the cluster grant it its log writes (and step logs' statements) as an inline
        policy; without it those grants are yours to make."""
        c = Checker()
        c.matches("account_id", account_id, r"\d{12}", "must be a 12-digit AWS account id")
        c.matches("region", region, r"[a-z]{2}(-[a-z]+)+-\d", "must be an AWS region such as eu-west-1")
        c.one_of("partition", partition, ("aws", "aws-cn", "aws-us-gov"))
        for field, value, arn in (("service_role", service_role, IAM_ROLE_ARN),
                                  ("instance_profile", instance_profile, PROFILE_ARN),
                                  ("instance_role", instance_role, IAM_ROLE_ARN),
                                  ("autoscaling_role", autoscaling_role, IAM_ROLE_ARN)):
            c.check(lambda: isinstance(value, str) and (re.fullmatch(arn, value) is not None
                                                        or re.fullmatch(ROLE_NAME, value) is not None),
                    field, value, "must be an IAM name or ARN")
        c.raise_if_any("existing EMR roles")
        self = cls.__new__(cls)
        Scope.__init__(self, scope, id, provider=provider)
        self.props = IamProps(name_prefix="existing", account_id=account_id, region=region, partition=partition)
        self.log_bucket = None
        named = dict(account_id=account_id, partition=partition)
        self.service_role = existing("role", service_role, **named)
        self.instance_profile = existing("instance-profile", instance_profile, **named)
        self.instance_role = existing("role", instance_role, **named) if instance_role else None
        self.autoscaling_role = existing("role", autoscaling_role, **named) if autoscaling_role else None
        self.instance_policy = None
        self._instance_statements = []
        self._dependables = []
        return self

    @staticmethod
    def name_of(role: Any) -> Optional[str]:
        """A role's name (what policies attach to), whether created here or existing; None for no role."""
        if role is None:
            return None
        return role.name if isinstance(role, ExistingRole) else role.attr("name")

    @property
    def managed(self) -> bool:
        """Whether these roles were created here (not ``from_existing``)."""
        return self.log_bucket is not None

    def writes_logs_to(self, bucket: LogBucket) -> bool:
        """Whether the instance policy already carries ``bucket``'s log-write statements."""
        return (self.log_bucket is not None and self.log_bucket.bucket_arn == bucket.bucket_arn
                and self.log_bucket.log_prefix == bucket.log_prefix)

    def add_to_instance_policy(self, statements: Sequence[Statement]) -> None:
        """Append statements to the instance role's one inline policy (no extra resource, and EMR
        already waits for that policy: see ``dependables``). Existing roles get one inline policy for them."""
        self._instance_statements.extend(statements)
        if self.instance_policy is None:
            if self.instance_role is None:
                raise ConfigError([Problem("roles.instance_role", None, "is needed to grant the instance role "
                                           "these statements: pass instance_role to EmrRoles.from_existing")],
                                  "existing EMR roles")
            self.instance_policy = IamRolePolicy(self, "instance-policy", {
                "name": "emr-instance-additions",
                "role": self.instance_role.resource_id,
                "policy": policy_document(self._instance_statements),
            })
            self._dependables.append(self.instance_policy)
        self.instance_policy._attributes["policy"] = policy_document(self._instance_statements)

    @property
    def dependables(self) -> list:
        """What must exist before EMR may use these roles."""
        if not self.managed:
            return list(self._dependables)
        return [self.instance_profile, self.instance_policy, self.service_policy_attachment, self.service_pass_role]

    def _data_statements(self) -> list[Statement]:
        p = self.props.partition
        readable = self.props.read_buckets + self.props.read_write_buckets
        statements = []
        if readable:
            statements.append(Statement(
                sid="ReadDataBuckets", actions=list(DATA_READ_ACTIONS),
                resources=[arn for b in readable for arn in (f"arn:{p}:s3:::{b}", f"arn:{p}:s3:::{b}/*")],
            ))
        if self.props.read_write_buckets:
            statements.append(Statement(
                sid="WriteDataBuckets", actions=list(DATA_WRITE_ACTIONS),
                resources=[f"arn:{p}:s3:::{b}/*" for b in self.props.read_write_buckets],
            ))
        if self.props.glue_catalog_read:
            region, account = self.props.region, self.props.account_id
            statements.append(Statement(
                sid="ReadGlueCatalog", actions=list(GLUE_READ_ACTIONS),
                resources=[f"arn:{p}:glue:{region}:{account}:{kind}" for kind in ("catalog", "database/*", "table/*/*")],
            ))
        return statements
