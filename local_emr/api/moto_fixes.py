"""Small corrections to moto 5.2.5 outside EMR, where it is stricter or thinner than AWS.

Each fix replaces one moto method or property, process-wide, when an emulator starts
(``install()``, idempotent; ``uninstall()`` restores moto). They exist so the shipped stacks
deploy, re-plan without drift and destroy unchanged:

- IAM: AWS managed policies (``arn:aws:iam::aws:policy/...``) can be attached. moto knows them
  only when it loads all ~1,300 up front (``MOTO_IAM_LOAD_MANAGED_POLICIES``); we load the one
  asked for, on first use.
- S3: PutBucketLogging to a target bucket with ACLs disabled (the default since 2023) is
  accepted. moto wants a log-delivery ACL grant or a matching bucket policy at that moment;
  S3 checks the policy only when it delivers logs, so terraform may create the policy later.
- EC2, networks the stacks bring: a security group created in a VPC this account does not have
  gets that VPC (same id, with its default route table, ACL and security group), the way the
  example stacks assume a network exists. moto would otherwise make a group with no default
  egress rule, and the provider's "revoke the default egress rule" step fails.
- EC2, security group rules: a rule that references a group keeps its Description in
  DescribeSecurityGroupRules; ReferencedGroupInfo names a UserId only for another account (the
  provider, which never learns the emulator's account id, reads a UserId as a cross-account
  reference); and rules match on revoke whatever their description, as on AWS, so
  ``revoke_rules_on_delete`` and rule deletion find them.
- KMS: EnableKeyRotation keeps RotationPeriodInDays and GetKeyRotationStatus returns it.
- EMR instance groups list their EBS volumes with Throughput (gp3) and EMR's device names, and a
  RunningInstanceCount apart from RequestedInstanceCount while the scaling engine resizes them.
  Their ids are EMR's ``ig-`` and 13 characters (moto's read ``i-``, an EC2 instance's prefix).
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
import threading
from collections.abc import Callable
from typing import Any

from moto.ec2.models import vpcs as ec2_vpcs
from moto.emr import models as emr_models
from moto.emr.models import InstanceGroup
from moto.ec2.models.security_groups import SecurityGroupBackend, SecurityGroupRule
from moto.iam.models import AWSManagedPolicy, IAMBackend
from moto.kms.responses import KmsResponse
from moto.s3.models import FakeBucket

from ..cluster.instances import ebs_block_devices

_AWS_POLICY_ARN = re.compile(r"^arn:aws[\w-]*:iam::aws:policy(/(?:[\w+=,.@-]+/)*)([\w+=,.@-]+)$")
DEFAULT_ROTATION_DAYS = 365

_originals: dict[tuple[type, str], Any] = {}
_forced_ids = threading.local()


# ---- IAM ------------------------------------------------------------------------------------

@functools.cache
def _aws_managed_policy_data() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return dict(json.loads(aws_managed_policies_data))


def ensure_aws_managed_policy(backend: IAMBackend, policy_arn: str) -> None:
    """Add the AWS managed policy ``policy_arn`` to ``backend`` if moto knows it and has not loaded it."""
    if policy_arn in backend.managed_policies:
        return
    match = _AWS_POLICY_ARN.match(policy_arn or "")
    if not match:
        return
    path, name = match.groups()
    data = _aws_managed_policy_data().get(name)
    if data is None or data.get("Path", "/") != path:
        return
    policy = AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
    backend.aws_managed_policies.append(policy)
    backend.managed_policies[policy.arn] = policy


IAM_POLICY_METHODS = ("attach_role_policy", "attach_user_policy", "attach_group_policy", "get_policy",
                      "get_policy_version", "list_policy_versions")


def _loads_aws_policy(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def method(self: IAMBackend, *args: Any, **kwargs: Any) -> Any:
        arn = kwargs.get("policy_arn", args[0] if args else None)
        if isinstance(arn, str):
            ensure_aws_managed_policy(self, arn)
        return original(self, *args, **kwargs)

    return method


# ---- S3 -------------------------------------------------------------------------------------

def acls_disabled(bucket: FakeBucket) -> bool:
    """True unless the bucket opted into ACLs (ObjectWriter / BucketOwnerPreferred)."""
    return bucket.ownership_rule in (None, "BucketOwnerEnforced")  # moto keeps the bare ObjectOwnership


def _lenient_set_logging(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def set_logging(self: FakeBucket, logging_config: dict[str, Any] | None, bucket_backend: Any) -> None:
        target = bucket_backend.buckets.get((logging_config or {}).get("TargetBucket"))
        if target is not None and acls_disabled(target) and target.region_name == self.region_name:
            self.logging = logging_config
            return
        original(self, logging_config, bucket_backend)

    return set_logging


# ---- EC2 ------------------------------------------------------------------------------------

def _random_vpc_id(original: Callable[[], str]) -> Callable[[], str]:
    def random_vpc_id() -> str:
        forced = getattr(_forced_ids, "vpc_id", None)
        if forced:
            _forced_ids.vpc_id = None
            return str(forced)
        return original()

    return random_vpc_id


def free_cidr(backend: Any) -> str:
    """A 10.x.0.0/16 that no VPC of ``backend`` uses yet."""
    used = {str(v.cidr_block) for v in backend.vpcs.values()}
    for second in range(100, 256):
        cidr = f"10.{second}.0.0/16"
        if cidr not in used:
            return str(ipaddress.IPv4Network(cidr))
    return "10.255.0.0/16"


def ensure_vpc(backend: Any, vpc_id: str) -> None:
    """Create VPC ``vpc_id`` (moto's usual defaults) when the account does not have it."""
    if not vpc_id or vpc_id in backend.vpcs:
        return
    _forced_ids.vpc_id = vpc_id
    try:
        backend.create_vpc(free_cidr(backend))
    finally:
        _forced_ids.vpc_id = None


def _creates_missing_vpc(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def create_security_group(self: Any, name: str, description: str, vpc_id: str | None = None,
                              *args: Any, **kwargs: Any) -> Any:
        if vpc_id:
            ensure_vpc(self, vpc_id)
        return original(self, name, description, vpc_id, *args, **kwargs)

    return create_security_group


def _rule_description(self: SecurityGroupRule) -> str | None:
    return self.ip_range.get("Description") or (self.source_group or {}).get("Description")


def _referenced_group_info(self: SecurityGroupRule) -> dict[str, str] | None:
    if not self.source_group:
        return None
    info = {k: v for k, v in self.source_group.items() if k in ("GroupId", "VpcId", "PeeringStatus",
                                                                  "VpcPeeringConnectionId")}
    user = self.source_group.get("UserId")
    if user and user != self.ec2_backend.account_id:
        info["UserId"] = user
    return info


def _group_key(rule: SecurityGroupRule) -> tuple[Any, ...] | None:
    group = rule.source_group or {}
    if not group:
        return None
    return (group.get("GroupId") or group.get("GroupName"), group.get("UserId") or rule.ec2_backend.account_id)


def _rule_eq(original: Callable[..., bool]) -> Callable[..., bool]:
    @functools.wraps(original)
    def __eq__(self: SecurityGroupRule, other: object) -> bool:
        if not isinstance(other, SecurityGroupRule):
            return NotImplemented
        if _group_key(self) != _group_key(other):
            return False
        mine, theirs = self.source_group, other.source_group
        self.source_group = other.source_group = {}
        try:
            return bool(original(self, other))
        finally:
            self.source_group, other.source_group = mine, theirs

    return __eq__


# ---- KMS ------------------------------------------------------------------------------------

def _enable_key_rotation(original: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(original)
    def enable_key_rotation(self: KmsResponse) -> str:
        result = original(self)
        key = self.kms_backend.keys[self.kms_backend.get_key_id(self._get_param("KeyId"))]
        key.rotation_period_in_days = int(self._get_param("RotationPeriodInDays") or DEFAULT_ROTATION_DAYS)
        return result

    return enable_key_rotation


def _get_key_rotation_status(original: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(original)
    def get_key_rotation_status(self: KmsResponse) -> str:
        answer = json.loads(original(self))
        key = self.kms_backend.keys[self.kms_backend.get_key_id(self._get_param("KeyId"))]
        answer["KeyId"] = key.id
        if answer.get("KeyRotationEnabled"):
            answer["RotationPeriodInDays"] = getattr(key, "rotation_period_in_days", DEFAULT_ROTATION_DAYS)
        return json.dumps(answer)

    return get_key_rotation_status


# ---- EMR instance groups -------------------------------------------------------------------

VOLUME_FIELDS = {"volume_type": "VolumeType", "size_in_gb": "SizeInGB", "iops": "Iops", "throughput": "Throughput"}


def _instance_group_ebs_block_devices(self: InstanceGroup) -> list[dict[str, Any]]:
    """moto stores the request in snake_case: spelled as the API, then listed one device per volume as EMR does."""
    configs = []
    for config in (self.ebs_configuration or {}).get("ebs_block_device_configs", []):
        spec = config.get("volume_specification", {})
        volume = {api: spec[key] for key, api in VOLUME_FIELDS.items() if spec.get(key) is not None}
        configs.append({"VolumeSpecification": volume, "VolumesPerInstance": config.get("volumes_per_instance", 1)})
    return ebs_block_devices({"EbsBlockDeviceConfigs": configs})


def _instance_group_id(original: Callable[[], str]) -> Callable[[], str]:
    """``ig-`` and 13 characters, as EMR's (MG emr-manage-resize: "replace ig-31JXXXXXXBTO with the instance group
    ID"; ListInstanceGroups answers such as ig-2J7DSTDHV29W7)."""
    def random_instance_group_id() -> str:
        return "ig-" + original().split("-", 1)[1]

    return random_instance_group_id


def _instance_group_running_count(self: InstanceGroup) -> int:
    """moto reports RunningInstanceCount = RequestedInstanceCount; while the scaling engine resizes a group
    (local_emr/cluster/scaling.py) the running count is its own."""
    return int(getattr(self, "running_count", self.num_instances))


# ---- install --------------------------------------------------------------------------------

def _patches() -> list[tuple[Any, str, Any]]:
    """(owner, attribute, replacement built from the original)."""
    patches: list[tuple[Any, str, Any]] = [(IAMBackend, n, _loads_aws_policy) for n in IAM_POLICY_METHODS]
    patches += [
        (FakeBucket, "set_logging", _lenient_set_logging),
        (ec2_vpcs, "random_vpc_id", _random_vpc_id),
        (SecurityGroupBackend, "create_security_group", _creates_missing_vpc),
        (SecurityGroupRule, "description", lambda _o: property(_rule_description)),
        (SecurityGroupRule, "referenced_group_info", lambda _o: property(_referenced_group_info)),
        (SecurityGroupRule, "__eq__", _rule_eq),
        (KmsResponse, "enable_key_rotation", _enable_key_rotation),
        (KmsResponse, "get_key_rotation_status", _get_key_rotation_status),
        (InstanceGroup, "ebs_block_devices", lambda _o: property(_instance_group_ebs_block_devices)),
        (InstanceGroup, "running_instance_count", lambda _o: property(_instance_group_running_count)),
        (emr_models, "random_instance_group_id", _instance_group_id),
    ]
    return patches


def install() -> None:
    """Patch moto (process-wide). Safe to call more than once."""
    if _originals:
        return
    for owner, name, build in _patches():
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        _originals[(owner, name)] = original
        setattr(owner, name, build(getattr(owner, name)))


def uninstall() -> None:
    for (owner, name), original in _originals.items():
        setattr(owner, name, original)
    _originals.clear()


__all__ = ["install", "uninstall", "ensure_aws_managed_policy", "ensure_vpc", "acls_disabled"]
