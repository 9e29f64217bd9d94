"""The S3 fallback of `--follow`: incremental reads of a running step's stdout and stderr objects.

EMR's log pusher copies `<LogUri>/<cluster>/steps/<step>/stdout` and `stderr` (plain or `.gz`) every
few minutes, so this lags, but needs no CloudWatch agent. Per step and cycle: one ListObjectsV2 of the
step's prefix, then for each stream that grew one GetObject: a ranged GET from the last offset for a
plain object, or the whole object for a `.gz` (gzip cannot be read from the middle), skipping the
lines already printed. A line without its newline yet waits for the next read, or for the final one.
"""
from __future__ import annotations

import codecs
import gzip
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError, HTTPClientError, NoCredentialsError
from botocore.exceptions import ConnectionError as BotoConnectionError

from emr_contract.s3_layout import step_log_prefix

from ..aws.cloudwatch_logs import LogsUnavailable
from ..errors import ThrottledError, TransientAwsError
from .lines import FollowTarget, LogLine
from ..retry import is_retriable_client_error, is_throttle
from ..aws.s3_logs import split_s3_uri

STREAMS = ("stdout", "stderr")
UNAVAILABLE_CODES = frozenset({"AccessDenied", "NoSuchBucket", "AllAccessDisabled", "InvalidBucketName",
                               "AccountProblem", "InvalidAccessKeyId", "ExpiredToken"})


def _decoder() -> codecs.IncrementalDecoder:
    return codecs.getincrementaldecoder("utf-8")(errors="replace")


@dataclass
class _Tail:
    """How far one stream has been read."""

    offset: int = 0  # bytes of the plain object consumed
    emitted: int = 0  # complete lines printed, also counted across a plain -> .gz switch
    partial: str = ""  # text after the last newline, not printed yet
    gz_signature: tuple[Any, ...] | None = None
    decoder: codecs.IncrementalDecoder = field(default_factory=_decoder)


class S3TailSource:
    """LineSource over an S3 client passed in by the caller."""

    name = "S3 step logs"

    def __init__(self, s3_client: Any, log_uri: str | None, cluster_id: str, *, interval: float = 15.0,
                 on_call: Callable[[str], None] = lambda operation: None) -> None:
        self.s3 = s3_client
        self.log_uri = log_uri
        self.cluster_id = cluster_id
        self.interval = interval
        self.on_call = on_call
        self._tails: dict[tuple[str, str], _Tail] = {}

    def fetch(self, targets: Sequence[FollowTarget], *, final: bool = False) -> list[LogLine]:
        if not self.log_uri:
            raise LogsUnavailable("the cluster has no LogUri, so EMR writes no step logs to S3")
        lines: list[LogLine] = []
        for target in targets:
            bucket, prefix = split_s3_uri(step_log_prefix(self.log_uri, self.cluster_id, target.step_id))
            page = self._call("ListObjectsV2", self.s3.list_objects_v2, Bucket=bucket, Prefix=prefix)
            objects = {o["Key"][len(prefix):]: o for o in page.get("Contents", [])}
            for stream in STREAMS:
                tail = self._tails.setdefault((target.step_id, stream), _Tail())
                if stream in objects:
                    texts = self._read_plain(bucket, prefix + stream, objects[stream], tail)
                elif stream + ".gz" in objects:
                    texts = self._read_gz(bucket, prefix + stream + ".gz", objects[stream + ".gz"], tail)
                else:
                    texts = []
                if final and tail.partial:
                    texts.append(tail.partial)
                    tail.partial = ""
                    tail.emitted += 1
                lines += [LogLine(target.name, target.step_id, stream, t, None, "s3") for t in texts]
        return lines

    def forget(self, step_id: str) -> None:
        for stream in STREAMS:
            self._tails.pop((step_id, stream), None)

    def _read_plain(self, bucket: str, key: str, obj: dict[str, Any], tail: _Tail) -> list[str]:
        size = int(obj.get("Size", 0))
        if size < tail.offset:  # rewritten from scratch: start again, skipping what was printed
            tail.offset, tail.partial, tail.decoder = 0, "", _decoder()
            skip = tail.emitted
            tail.emitted = 0
        else:
            skip = 0
        if size == tail.offset:
            return []
        body = self._get(bucket, key, Range=f"bytes={tail.offset}-")
        if body is None:
            return []
        tail.offset += len(body)
        return self._take(tail, tail.decoder.decode(body), skip)

    def _read_gz(self, bucket: str, key: str, obj: dict[str, Any], tail: _Tail) -> list[str]:
        signature = (obj.get("ETag"), obj.get("Size"))
        if signature == tail.gz_signature:
            return []
        body = self._get(bucket, key)
        if body is None:
            return []
        try:
            text = gzip.decompress(body).decode("utf-8", errors="replace")
        except (OSError, EOFError, zlib.error):
            return []  # caught mid-upload or not gzip after all: try again next cycle
        tail.gz_signature = signature
        tail.offset = 0
        complete = text.split("\n")
        tail.partial = complete.pop()
        new = complete[tail.emitted:]
        tail.emitted += len(new)
        return new

    @staticmethod
    def _take(tail: _Tail, text: str, skip: int) -> list[str]:
        parts = (tail.partial + text).split("\n")
        tail.partial = parts.pop()
        new = parts[skip:]
        tail.emitted += len(parts)
        return new

    def _get(self, bucket: str, key: str, **kwargs: Any) -> bytes | None:
        try:
            return self._call("GetObject", self.s3.get_object, Bucket=bucket, Key=key, **kwargs)["Body"].read()
        except _Skip:
            return None

    def _call(self, operation: str, method: Callable[..., dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
        self.on_call(operation)
        try:
            return method(**kwargs)
        except ClientError as exc:
            err = exc.response.get("Error", {})
            code = str(err.get("Code", "Unknown"))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("NoSuchKey", "InvalidRange", "404", "416") and operation == "GetObject":
                raise _Skip() from exc  # replaced (stdout -> stdout.gz) or not grown after all
            if is_throttle(code):
                raise ThrottledError(operation, code) from exc
            if is_retriable_client_error(code, status):
                raise TransientAwsError(operation, code, str(err.get("Message", ""))) from exc
            if code in UNAVAILABLE_CODES or status == 403:
                raise LogsUnavailable(f"{operation} on s3://{kwargs.get('Bucket')}: {code}") from exc
            raise
        except NoCredentialsError as exc:
            raise LogsUnavailable(f"{operation}: no AWS credentials") from exc
        except (HTTPClientError, BotoConnectionError) as exc:
            raise TransientAwsError(operation, type(exc).__name__, str(exc)) from exc


class _Skip(Exception):
    pass


__all__ = ["S3TailSource"]
