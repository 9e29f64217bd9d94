"""Where a stack deploys: region, account, state backend, and AWS or the local emulator.

Chosen by environment variables, never by editing code:
  EMR_TARGET=aws|local    local points every endpoint at the emulator (fake credentials)
  EMR_LOCAL_ENDPOINT      the emulator's URL (default http://127.0.0.1:5055, where `python -m local_emr` listens)
  EMR_REGION, EMR_ACCOUNT_ID, EMR_STATE_BUCKET, EMR_STATE_REGION
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

from emr_constructs.validation.checker import Checker
from emr_contract.emulator import DEFAULT_ENDPOINT

LOCAL_ACCOUNT_ID = "123456789012"
LOCAL_SERVICES = ("emr", "s3", "iam", "sts", "ec2", "kms", "cloudwatch", "logs", "sns", "events")
DEFAULT_TAGS = {"managed-by": "cdktf", "project": "emr-spark"}


@dataclass(frozen=True, kw_only=True)
class Backend:
    """S3 state with S3-native locking (Terraform 1.10+); a DynamoDB table is optional."""

    bucket: str
    region: str
    key_prefix: str = "emr"
    dynamodb_table: Optional[str] = None


@dataclass(frozen=True, kw_only=True)
class Environment:
    region: str = "eu-west-1"
    account_id: Optional[str] = None
    target: str = "aws"
    local_endpoint: str = DEFAULT_ENDPOINT
    backend: Optional[Backend] = None
    default_tags: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_TAGS))

    @property
    def is_local(self) -> bool:
        return self.target == "local"

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Environment":
        target = env.get("EMR_TARGET", "aws")
        region = env.get("EMR_REGION", "us-east-1" if target == "local" else "eu-west-1")
        account = env.get("EMR_ACCOUNT_ID") or (LOCAL_ACCOUNT_ID if target == "local" else None)
        backend = None
        if env.get("EMR_STATE_BUCKET"):
            backend = Backend(bucket=env["EMR_STATE_BUCKET"], region=env.get("EMR_STATE_REGION", region),
                              dynamodb_table=env.get("EMR_STATE_LOCK_TABLE"))
        environment = cls(region=region, account_id=account, target=target, backend=backend,
                          local_endpoint=env.get("EMR_LOCAL_ENDPOINT", cls.local_endpoint))
        environment.validate()
        return environment

    def validate(self) -> None:
        c = Checker()
        c.one_of("EMR_TARGET", self.target, ("aws", "local"))
        c.matches("EMR_REGION", self.region, r"[a-z]{2}(-[a-z]+)+-\d", "must be an AWS region such as eu-west-1")
        c.matches("EMR_ACCOUNT_ID", self.account_id, r"\d{12}", "must be a 12-digit AWS account id")
        c.matches("EMR_LOCAL_ENDPOINT", self.local_endpoint, r"https?://[^/\s]+/?",
                  f"must be a URL such as {DEFAULT_ENDPOINT}")
        if self.backend:
            c.matches("EMR_STATE_BUCKET", self.backend.bucket, r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
                      "must be an S3 bucket name")
        c.raise_if_any("environment")

    def provider_settings(self) -> dict:
        """Extra provider arguments: the local target talks only to the emulator."""
        if not self.is_local:
            return {}
        return {
            "access_key": "test",
            "secret_key": "test",
            "skip_credentials_validation": True,
            "skip_requesting_account_id": True,
            "skip_metadata_api_check": True,
            "skip_region_validation": True,
            "s3_use_path_style": True,
            "endpoints": [{service: self.local_endpoint for service in LOCAL_SERVICES}],
        }
