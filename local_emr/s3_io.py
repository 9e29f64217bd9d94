"""Read and write objects in the emulator's own S3 (moto's in-process backend).

Going straight to the backend avoids an HTTP round trip to ourselves and needs no credentials;
moto's ``S3Backend.get_bucket`` already resolves buckets across accounts.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from urllib.parse import urlparse

from moto.s3.exceptions import S3ClientError
from moto.s3.models import s3_backends

S3_SCHEMES = ("s3", "s3n", "s3a")


@dataclass(frozen=True)
class S3Uri:
    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: str) -> S3Uri | None:
        """``s3://bucket/key`` -> S3Uri; anything else -> None."""
        parsed = urlparse(uri)
        if parsed.scheme not in S3_SCHEMES or not parsed.netloc:
            return None
        return cls(parsed.netloc, parsed.path.lstrip("/"))

    def join(self, *parts: str) -> S3Uri:
        key = "/".join([self.key.rstrip("/"), *parts]) if self.key else "/".join(parts)
        return S3Uri(self.bucket, key.lstrip("/"))

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


class S3Store:
    """Object access for one account of the in-process moto S3 backend."""

    def __init__(self, account_id: str, partition: str = "aws") -> None:
        self._backend = s3_backends[account_id][partition]

    def get(self, uri: str) -> bytes | None:
        """Object bytes, or None when the URI is not s3://, or names no existing object."""
        loc = S3Uri.parse(uri)
        if loc is None or not loc.key or loc.key.endswith("/"):
            return None
        try:
            key = self._backend.get_object(loc.bucket, loc.key)
        except S3ClientError:
            return None
        return None if key is None else key.value

    def keys_under(self, bucket: str, prefix: str) -> list[str]:
        """Every key of ``bucket`` that starts with ``prefix`` (sorted); [] when the bucket does not exist."""
        try:
            found, _, _, _ = self._backend.list_objects(self._backend.get_bucket(bucket), prefix or None,
                                                        None, None, None)
        except S3ClientError:
            return []
        return [key.name for key in found]

    def delete(self, uri: S3Uri) -> None:
        """Remove an object (absent objects and buckets are fine, as in S3)."""
        try:
            self._backend.delete_object(uri.bucket, uri.key)
        except S3ClientError:
            pass

    def put(self, uri: S3Uri, data: bytes) -> bool:
        """Write an object; False (not an error) when the bucket does not exist, as EMR just logs it."""
        try:
            self._backend.put_object(uri.bucket, uri.key, data)
        except S3ClientError:
            return False
        return True

    def put_file(self, uri: S3Uri, path: str) -> bool:
        with open(path, "rb") as fh:
            return self.put(uri, fh.read())

    def put_gzip_file(self, uri: S3Uri, path: str) -> bool:
        """Upload a local text file gzipped, the way EMR ships step logs."""
        with open(path, "rb") as fh:
            return self.put(uri, gzip.compress(fh.read()))
