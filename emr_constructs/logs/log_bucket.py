"""The S3 bucket EMR writes cluster and step logs to: bring your own, or let us create it.

A created bucket is private and encrypted (SSE-KMS: the key you pass, else the AWS-managed
``aws/s3`` key), keeps versions, expires old logs, aborts stale multipart uploads, refuses plain
HTTP and old TLS, and disables ACLs. Its S3 server access logs go to a second, equally hardened
bucket (``access_log_bucket``), which uses SSE-S3 because S3 cannot deliver access logs to an
SSE-KMS bucket, and which does not log itself (that would log its own log deliveries).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from ..cdk import TerraformProvider
from constructs import Construct

from .. import defaults
from ..terraform.base import Scope
from ..security.policy import Statement, policy_document
from ..terraform.resources import (
    IamRole,
    IamRolePolicy,
    S3Bucket,
    S3BucketEncryption,
    S3BucketLifecycle,
    S3BucketLogging,
    S3BucketOwnershipControls,
    S3BucketPolicy,
    S3BucketPublicAccessBlock,
    S3BucketVersioning,
)
from ..validation.checker import Checker

_BUCKET_NAME = r"(?!xn--)(?!.*-s3alias$)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9](?!.*\.\.)[a-z0-9.-]{1,61}[a-z0-9]"

# What an EMR node needs to push its logs: objects under the prefix, multipart for big files.
LOG_WRITE_ACTIONS = ("s3:PutObject", "s3:AbortMultipartUpload")
LOG_LIST_ACTIONS = ("s3:ListBucket", "s3:GetBucketLocation")


@dataclass(frozen=True, kw_only=True)
class LogBucketProps:
    bucket_name: Optional[str] = None
    bucket_prefix: Optional[str] = None
    log_prefix: str = defaults.LOG_PREFIX
    expire_after_days: int = defaults.LOG_EXPIRE_AFTER_DAYS
    noncurrent_expire_after_days: int = defaults.LOG_NONCURRENT_EXPIRE_AFTER_DAYS
    abort_incomplete_upload_days: int = defaults.ABORT_INCOMPLETE_UPLOAD_DAYS
    kms_key_arn: Optional[str] = None
    force_destroy: bool = False
    access_logging: bool = True
    allow_no_access_logging: bool = False
    access_log_expire_after_days: int = defaults.ACCESS_LOG_EXPIRE_AFTER_DAYS


def validate_log_bucket_props(props: LogBucketProps) -> None:
    c = Checker()
    c.check(not (props.bucket_name and props.bucket_prefix), "bucket_name", props.bucket_name,
            "set bucket_name or bucket_prefix, not both")
    c.matches("bucket_name", props.bucket_name, _BUCKET_NAME,
              "must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots or hyphens")
    c.matches("bucket_prefix", props.bucket_prefix, r"[a-z0-9][a-z0-9.-]{0,36}",
              "must be 1-37 lowercase letters, digits, dots or hyphens")
    c.matches("log_prefix", props.log_prefix, r"([A-Za-z0-9!_.*'()-]+/)*",
              "must be empty or end with '/' and use only S3-safe characters")
    c.int_range("expire_after_days", props.expire_after_days, 1)
    c.int_range("noncurrent_expire_after_days", props.noncurrent_expire_after_days, 1)
    c.int_range("abort_incomplete_upload_days", props.abort_incomplete_upload_days, 1)
    c.check(props.access_logging or props.allow_no_access_logging, "access_logging", False,
            "S3 access logging may only be turned off with allow_no_access_logging=True")
    c.int_range("access_log_expire_after_days", props.access_log_expire_after_days, 1)
    c.matches("kms_key_arn", props.kms_key_arn, r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/.+",
              "must be a KMS key or alias ARN")
    c.raise_if_any("log bucket props")


class LogBucket(Scope):
    """Exposes ``bucket_name``, ``bucket_arn``, ``log_uri`` and, when created, ``bucket``."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        props: LogBucketProps = LogBucketProps(),
        *,
        partition: str = "aws",
        provider: Optional[TerraformProvider] = None,
        tags: Optional[Mapping[str, str]] = None,
    ) -> None:
        validate_log_bucket_props(props)
        super().__init__(scope, id, provider=provider, tags=tags)
        self.props = props
        self.partition = partition
        self.log_prefix = props.log_prefix
        self.bucket: Optional[S3Bucket] = S3Bucket(self, "bucket", {
            "bucket": props.bucket_name,
            "bucket_prefix": props.bucket_prefix,
            "force_destroy": props.force_destroy or None,
        })
        self.bucket_name = self.bucket.resource_id
        self.bucket_arn = self.bucket.arn
        self._secure(props)
        self.access_log_bucket: Optional[S3Bucket] = None
        if props.access_logging:
            self.access_log_bucket = self._access_log_bucket(props)

    @classmethod
    def from_existing(
        cls, scope: Construct, id: str, *, bucket_name: str, log_prefix: str = defaults.LOG_PREFIX,
        partition: str = "aws",
    ) -> "LogBucket":
        """Use a bucket someone else manages: nothing is created, grants still work."""
        c = Checker()
        c.matches("bucket_name", bucket_name, _BUCKET_NAME, "must be a valid S3 bucket name")
        c.raise_if_any("existing log bucket")
        self = cls.__new__(cls)
        Scope.__init__(self, scope, id)
        self.props = None
        self.partition = partition
        self.log_prefix = log_prefix
        self.bucket = None
        self.access_log_bucket = None
        self.bucket_name = bucket_name
        self.bucket_arn = f"arn:{partition}:s3:::{bucket_name}"
        return self

    @property
    def log_uri(self) -> str:
        return f"s3://{self.bucket_name}/{self.log_prefix}"

    def _secure(self, props: LogBucketProps) -> None:
        sse = {"sse_algorithm": "aws:kms", "kms_master_key_id": props.kms_key_arn}
        _harden(self, self.bucket_name, self.bucket_arn, sse=sse, expire_days=props.expire_after_days,
                noncurrent_days=props.noncurrent_expire_after_days,
                abort_days=props.abort_incomplete_upload_days, expire_prefix=props.log_prefix)

    def _access_log_bucket(self, props: LogBucketProps) -> S3Bucket:
        """A bucket for S3 server access logs of the log bucket, delivered by the S3 logging service."""
        scope = Scope(self, "access-logs")
        bucket = S3Bucket(scope, "bucket", {
            "bucket_prefix": _access_log_prefix(props),
            "force_destroy": props.force_destroy or None,
        })
        delivery = Statement(
            sid="AllowS3ServerAccessLogDelivery", principals={"Service": "logging.s3.amazonaws.com"},
            actions=["s3:PutObject"], resources=[f"{bucket.arn}/{defaults.ACCESS_LOG_PREFIX}*"],
            conditions={"ArnLike": {"aws:SourceArn": self.bucket_arn}},
        )
        _harden(scope, bucket.resource_id, bucket.arn, sse={"sse_algorithm": "AES256"},
                expire_days=props.access_log_expire_after_days, noncurrent_days=props.noncurrent_expire_after_days,
                abort_days=props.abort_incomplete_upload_days, extra_statements=[delivery])
        S3BucketLogging(self, "access-logging", {
            "bucket": self.bucket_name,
            "target_bucket": bucket.resource_id,
            "target_prefix": defaults.ACCESS_LOG_PREFIX,
        })
        return bucket

    def write_statements(self) -> list[Statement]:
        """Least privilege for EMR nodes to push logs under ``log_prefix``."""
        return [
            Statement(sid="WriteEmrLogs", actions=list(LOG_WRITE_ACTIONS),
                      resources=[f"{self.bucket_arn}/{self.log_prefix}*"]),
            Statement(sid="ListEmrLogBucket", actions=list(LOG_LIST_ACTIONS), resources=[self.bucket_arn]),
        ]

    def grant_write(self, role: IamRole, id: str = "grant-write", *, scope: Optional[Construct] = None) -> IamRolePolicy:
        """Attach ``write_statements`` to ``role`` as an inline policy: PutObject and
        AbortMultipartUpload under the log prefix, ListBucket and GetBucketLocation on the bucket.
        ``scope``: where the policy lives (default: this bucket); a bucket several clusters share gets
        one grant per cluster, each under its cluster."""
        return IamRolePolicy(scope or self, id, {
            "name": "emr-log-write",
            "role": role.resource_id,
            "policy": policy_document(self.write_statements()),
        })


def _access_log_prefix(props: LogBucketProps) -> Optional[str]:
    stem = (props.bucket_name or props.bucket_prefix or "emr-logs-").rstrip("-.")[:24]
    return f"{stem}-access-"


def tls_only_statements(bucket_arn: str) -> list[Statement]:
    everything = [bucket_arn, f"{bucket_arn}/*"]
    return [
        Statement(sid="DenyInsecureTransport", effect="Deny", principals={"AWS": "*"}, actions=["s3:*"],
                  resources=everything, conditions={"Bool": {"aws:SecureTransport": "false"}}),
        Statement(sid="DenyOutdatedTls", effect="Deny", principals={"AWS": "*"}, actions=["s3:*"],
                  resources=everything, conditions={"NumericLessThan": {"s3:TlsVersion": "1.2"}}),
    ]


def _harden(scope: Construct, bucket_id: str, bucket_arn: str, *, sse: dict, expire_days: int, noncurrent_days: int,
            abort_days: int, extra_statements: Sequence[Statement] = (), expire_prefix: str = "") -> None:
    """Block public access, disable ACLs, version, encrypt, expire, and refuse plain HTTP/old TLS.

    Only objects under ``expire_prefix`` expire (the logs); objects elsewhere, such as the step log
    bootstrap script new nodes still fetch months later, stay. Old versions and stale uploads are
    cleaned up everywhere."""
    S3BucketPublicAccessBlock(scope, "public-access-block", {
        "bucket": bucket_id,
        "block_public_acls": True,
        "block_public_policy": True,
        "ignore_public_acls": True,
        "restrict_public_buckets": True,
    })
    S3BucketOwnershipControls(scope, "ownership", {
        "bucket": bucket_id, "rule": [{"object_ownership": "BucketOwnerEnforced"}],
    })
    versioning = S3BucketVersioning(scope, "versioning", {
        "bucket": bucket_id, "versioning_configuration": [{"status": "Enabled"}],
    })
    S3BucketEncryption(scope, "encryption", {
        "bucket": bucket_id,
        "rule": [{"apply_server_side_encryption_by_default": [sse],
                  "bucket_key_enabled": True if sse["sse_algorithm"] == "aws:kms" else None}],
    })
    S3BucketLifecycle(scope, "lifecycle", {
        "bucket": bucket_id,
        "rule": [
            {
                "id": "expire-logs",
                "status": "Enabled",
                "filter": [{"prefix": expire_prefix}],
                "expiration": [{"days": expire_days}],
                "noncurrent_version_expiration": [{"noncurrent_days": noncurrent_days}],
                "abort_incomplete_multipart_upload": [{"days_after_initiation": abort_days}],
            }
        ] + ([{
            "id": "tidy-everything-else",
            "status": "Enabled",
            "filter": [{"prefix": ""}],
            "noncurrent_version_expiration": [{"noncurrent_days": noncurrent_days}],
            "abort_incomplete_multipart_upload": [{"days_after_initiation": abort_days}],
        }] if expire_prefix else []),
    }, depends_on=[versioning])
    S3BucketPolicy(scope, "tls-only", {
        "bucket": bucket_id,
        "policy": policy_document(tls_only_statements(bucket_arn) + list(extra_statements)),
    })
