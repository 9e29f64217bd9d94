"""Step logs from S3 (EMR copies them there about five minutes after a step ends)."""
from __future__ import annotations

import gzip
import re
from typing import Any

from .log_source import step_log_prefix

MAX_OBJECT_BYTES = 16 * 1024 * 1024
_STDERR_NAME = re.compile(r"^stderr(?:[.\-_].*)?$")


def split_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) from s3://bucket/key."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri}")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def is_stderr_object(key: str) -> bool:
    """stderr, stderr.gz, stderr.txt.gz, stderr.1.gz, stderr-2026-11-25.gz ..."""
    return bool(_STDERR_NAME.match(key.rsplit("/", 1)[-1]))


def decode_log(body: bytes) -> str:
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    return body.decode("utf-8", errors="replace")


class S3StepLogs:
    """StepLogSource over an S3 client passed in by the caller."""

    def __init__(self, s3_client: Any, log_uri: str | None) -> None:
        self.s3 = s3_client
        self.log_uri = log_uri

    def location(self, cluster_id: str, step_id: str) -> str | None:
        return step_log_prefix(self.log_uri, cluster_id, step_id) if self.log_uri else None

    def read_stderr(self, cluster_id: str, step_id: str) -> str | None:
        prefix = self.location(cluster_id, step_id)
        if prefix is None:
            return None
        bucket, key_prefix = split_s3_uri(prefix)
        objects = [
            obj
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key_prefix)
            for obj in page.get("Contents", [])
            if is_stderr_object(obj["Key"]) and obj.get("Size", 0) <= MAX_OBJECT_BYTES
        ]
        if not objects:
            return None
        objects.sort(key=lambda o: (o["LastModified"].timestamp() if o.get("LastModified") else 0.0, o["Key"]))
        return "\n".join(
            decode_log(self.s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()) for o in objects
        )
