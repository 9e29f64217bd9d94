"""A thin adapter over a boto3 CloudWatch Logs ('logs') client passed in by the caller.

Two calls: DescribeLogStreams (which of a step's streams exist yet) and FilterLogEvents (new events
of up to 100 named streams, nextToken pagination). botocore errors become the library's typed
exceptions with the same retry predicate as the EMR adapter, plus LogsUnavailable for "this group
cannot be read at all" (missing group, AccessDenied), which makes the follower fall back to S3.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError, HTTPClientError, NoCredentialsError
from botocore.exceptions import ConnectionError as BotoConnectionError

from .aws_errors import error_parts, transient_error
from .errors import AwsCallError, StepRunnerError, TransientAwsError

MAX_STREAM_NAMES = 100  # FilterLogEvents accepts up to 100 logStreamNames
UNAVAILABLE_CODES = frozenset({
    "AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "UnrecognizedClientException",
})


class LogsUnavailable(StepRunnerError):
    """The log group cannot be read (missing, no permission); following must use another source."""


class StreamGone(StepRunnerError):
    """A named stream does not exist (any more); the group itself is fine."""


@dataclass(frozen=True)
class CwEvent:
    """One FilterLogEvents event."""

    event_id: str
    stream: str
    timestamp: int
    message: str
    ingestion_time: int = 0


def make_logs_client(region: str | None = None, profile: str | None = None) -> Any:
    """A 'logs' client with the same adaptive retry config as the EMR and S3 clients, from the same session
    (credentials, and any MFA prompt, resolve once per run); only the CLI calls this."""
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError

    from .aws_errors import aws_config_error
    from .emr_adapter import SDK_RETRY_CONFIG, _session

    try:
        return _session(region, profile).client("logs", config=Config(retries=dict(SDK_RETRY_CONFIG)))
    except BotoCoreError as exc:
        raise aws_config_error(exc, region, profile) from exc


class CloudWatchLogs:
    """The CloudWatch Logs calls the follower needs; counts calls like EmrAdapter."""

    def __init__(self, logs_client: Any) -> None:
        self.logs = logs_client
        self.calls = 0

    def _call(self, operation: str, method: str, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        try:
            return getattr(self.logs, method)(**kwargs)
        except ClientError as exc:
            transient = transient_error(operation, exc)
            if transient is not None:
                raise transient from exc
            code, message, _ = error_parts(exc)
            if code == "ResourceNotFoundException":
                if "stream" in message.lower() and "group" not in message.lower():
                    raise StreamGone(f"{operation}: {message}") from exc
                raise LogsUnavailable(f"log group {kwargs.get('logGroupName')} not found ({message or code})") from exc
            if code in UNAVAILABLE_CODES:
                raise LogsUnavailable(f"{operation} on {kwargs.get('logGroupName')} refused: {code}: {message}") from exc
            raise AwsCallError(operation, code, message) from exc
        except NoCredentialsError as exc:
            raise LogsUnavailable(f"{operation}: no AWS credentials") from exc
        except (HTTPClientError, BotoConnectionError) as exc:
            raise TransientAwsError(operation, type(exc).__name__, str(exc)) from exc

    def existing_streams(self, group: str, prefix: str) -> list[str]:
        """Names of the streams under `prefix` (one DescribeLogStreams page: a step has a handful)."""
        page = self._call("DescribeLogStreams", "describe_log_streams", logGroupName=group, logStreamNamePrefix=prefix)
        return [s["logStreamName"] for s in page.get("logStreams", [])]

    def filter_events(self, group: str, streams: Sequence[str], start_time: int | None,
                      next_token: str | None = None) -> tuple[list[CwEvent], str | None]:
        """One FilterLogEvents page for up to 100 named streams from `start_time` (ms, inclusive)."""
        if not streams or len(streams) > MAX_STREAM_NAMES:
            raise ValueError(f"FilterLogEvents takes 1..{MAX_STREAM_NAMES} stream names, got {len(streams)}")
        kwargs: dict[str, Any] = {"logGroupName": group, "logStreamNames": list(streams)}
        if start_time is not None:
            kwargs["startTime"] = start_time
        if next_token:
            kwargs["nextToken"] = next_token
        page = self._call("FilterLogEvents", "filter_log_events", **kwargs)
        events = [
            CwEvent(e["eventId"], e.get("logStreamName", ""), int(e.get("timestamp", 0)), e.get("message", ""),
                    int(e.get("ingestionTime", 0)))
            for e in page.get("events", [])
        ]
        return events, page.get("nextToken") or None


__all__ = ["CloudWatchLogs", "CwEvent", "LogsUnavailable", "StreamGone", "MAX_STREAM_NAMES", "make_logs_client"]
