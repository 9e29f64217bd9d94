"""Step logs from S3 (EMR copies them there about five minutes after a step ends)."""
from __future__ import annotations

import gzip
import re
from typing import Any

from emr_contract.s3_layout import container_log_prefix, step_log_prefix

MAX_OBJECT_BYTES = 16 * 1024 * 1024
_STDERR_NAME = re.compile(r"^stderr(?:[.\-_].*)?$")
_STREAM_NAME = {stream: re.compile(rf"^{stream}(?:[.\-_].*)?$") for stream in ("stdout", "stderr")}
# The first container of an application attempt: the Spark driver in cluster deploy mode (EMR copies
# container logs to <LogUri>/<cluster>/containers/<application>/<container>/stdout.gz and stderr.gz).
_DRIVER_CONTAINER = re.compile(r"^container_(?:e\d+_)?\d+_\d+_(\d+)_000001$")


def split_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) from s3://bucket/key."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri}")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def is_stderr_object(key: str) -> bool:
    """stderr, stderr.gz, stderr.txt.gz, stderr.1.gz, stderr-2026-11-25.gz ..."""
    return bool(_STDERR_NAME.match(key.rsplit("/", 1)[-1]))


def is_stream_object(key: str, stream: str) -> bool:
    """``stdout``/``stderr`` and their rotated, compressed parts (stdout.gz, stderr.1.gz, ...)."""
    return bool(_STREAM_NAME[stream].match(key.rsplit("/", 1)[-1]))


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
        return self.read_stream(cluster_id, step_id, "stderr")

    def read_stdout(self, cluster_id: str, step_id: str) -> str | None:
        """The step's stdout: a PySpark driver's traceback in client mode (PythonRunner merges it there)."""
        return self.read_stream(cluster_id, step_id, "stdout")

    def read_stream(self, cluster_id: str, step_id: str, stream: str) -> str | None:
        prefix = self.location(cluster_id, step_id)
        if prefix is None:
            return None
        return self._read_parts(prefix, stream)

    def read_driver(self, cluster_id: str, application_id: str) -> tuple[str | None, str | None]:
        """(stdout, stderr) of the driver container (cluster deploy mode), its last attempt; Nones when absent."""
        if not self.log_uri:
            return None, None
        bucket, key_prefix = split_s3_uri(container_log_prefix(self.log_uri, cluster_id, application_id))
        drivers: dict[str, int] = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key_prefix,
                                                                       Delimiter="/"):
            for common in page.get("CommonPrefixes", []):
                name = common["Prefix"].rstrip("/").rsplit("/", 1)[-1]
                m = _DRIVER_CONTAINER.match(name)
                if m:
                    drivers[common["Prefix"]] = int(m.group(1))
        if not drivers:
            return None, None
        container = max(drivers, key=lambda k: drivers[k])
        uri = f"s3://{bucket}/{container}"
        return self._read_parts(uri, "stdout"), self._read_parts(uri, "stderr")

    def _read_parts(self, prefix: str, stream: str) -> str | None:
        """Every part of one stream under ``prefix`` (rotated, compressed), oldest first, as one text."""
        bucket, key_prefix = split_s3_uri(prefix)
        objects = [
            obj
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key_prefix)
            for obj in page.get("Contents", [])
            if "/" not in obj["Key"][len(key_prefix):] and is_stream_object(obj["Key"], stream)
            and obj.get("Size", 0) <= MAX_OBJECT_BYTES
        ]
        if not objects:
            return None
        objects.sort(key=lambda o: (o["LastModified"].timestamp() if o.get("LastModified") else 0.0, o["Key"]))
        return "\n".join(
            decode_log(self.s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()) for o in objects
        )
