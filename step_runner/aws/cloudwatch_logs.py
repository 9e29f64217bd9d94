"""A thin adapter over a boto3 CloudWatch Logs ('logs') client passed in by the caller.

DescribeLogStreams (which of a step's streams exist yet), FilterLogEvents (new events of up to 100 named
streams, nextToken pagination), DescribeLogGroups (a group's ARN) and StartLiveTail (a stream of new events).
botocore errors become the library's typed exceptions with the same retry predicate as the EMR adapter, plus
LogsUnavailable for "this group cannot be read this way" (missing group, AccessDenied, no Live Tail session
left), which makes the follower fall back to its next source.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from botocore.exceptions import ClientError, EventStreamError, HTTPClientError, NoCredentialsError
from botocore.exceptions import ConnectionError as BotoConnectionError

from emr_contract.live_tail import MAX_LOG_GROUPS as MAX_LIVE_TAIL_GROUPS
from emr_contract.live_tail import MAX_STREAM_FILTERS as MAX_LIVE_TAIL_PREFIXES

from .botocore_errors import error_parts, transient_error
from ..errors import AwsCallError, StepRunnerError, TransientAwsError

MAX_STREAM_NAMES = 100  # FilterLogEvents accepts up to 100 logStreamNames
UNAVAILABLE_CODES = frozenset({
    "AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "UnrecognizedClientException",
    # StartLiveTail past the account's concurrent-session quota: poll instead of waiting for a session
    "LimitExceededException",
})
AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")


class LogsUnavailable(StepRunnerError):
    """The log group cannot be read (missing, no permission); following must use another source."""


class StreamGone(StepRunnerError):
    """A named stream does not exist (any more); the group itself is fine."""


class LiveTailEnded(StepRunnerError):
    """A Live Tail session ended: its time limit (SessionTimeoutException), a server error
    (SessionStreamingException) or a dropped connection. The follower starts another."""


@dataclass(frozen=True)
class LiveTailUpdate:
    """One LiveTailSessionUpdate: the events ingested in about the last second, and whether they were sampled
    ("If the number of log events matching the request exceeds 500 per second, the log events are sampled down
    to 500", StartLiveTail API reference)."""

    events: list["CwEvent"]
    sampled: bool = False
    started: bool = False  # the LiveTailSessionStart: events ingested from now on come through the session


@dataclass(frozen=True)
class CwEvent:
    """One FilterLogEvents event."""

    event_id: str
    stream: str
    timestamp: int
    message: str
    ingestion_time: int = 0

    @classmethod
    def of(cls, event: dict[str, Any], event_id: str = "") -> "CwEvent":
        """From the wire: a FilterLogEvents event or a Live Tail session result (which has no id)."""
        return cls(event_id, event.get("logStreamName", ""), int(event.get("timestamp", 0)),
                   event.get("message", ""), int(event.get("ingestionTime", 0)))


def make_logs_client(region: str | None = None, profile: str | None = None) -> Any:
    """A 'logs' client with the same adaptive retry config as the EMR and S3 clients, from the same session
    (credentials, and any MFA prompt, resolve once per run); only the CLI calls this."""
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError

    from .botocore_errors import aws_config_error
    from .emr_adapter import SDK_RETRY_CONFIG, _session

    try:
        client = _session(region, profile).client("logs", config=Config(retries=dict(SDK_RETRY_CONFIG)))
        if is_aws_endpoint(client.meta.endpoint_url):
            return client
        # StartLiveTail's host prefix ("stream-") would be put before a custom endpoint's host (an emulator's
        # 127.0.0.1): only then is it turned off.
        return _session(region, profile).client("logs", config=Config(retries=dict(SDK_RETRY_CONFIG),
                                                                      inject_host_prefix=False))
    except BotoCoreError as exc:
        raise aws_config_error(exc, region, profile) from exc


def _group_of(kwargs: dict[str, Any]) -> str:
    return str(kwargs.get("logGroupName") or ", ".join(kwargs.get("logGroupIdentifiers") or []) or "?")


def is_aws_endpoint(url: str) -> bool:
    host = urlparse(url).hostname or ""
    return host.endswith(AWS_HOST_SUFFIXES)


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
                raise LogsUnavailable(f"log group {_group_of(kwargs)} not found ({message or code})") from exc
            if code in UNAVAILABLE_CODES:
                raise LogsUnavailable(f"{operation} on {_group_of(kwargs)} refused: {code}: {message}") from exc
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
        return [CwEvent.of(e, e["eventId"]) for e in page.get("events", [])], page.get("nextToken") or None


    def group_arn(self, group: str) -> str:
        """The group's ARN without the ``:*`` that DescribeLogGroups' ``arn`` ends with (StartLiveTail refuses it)."""
        page = self._call("DescribeLogGroups", "describe_log_groups", logGroupNamePrefix=group)
        for found in page.get("logGroups", []):
            if found.get("logGroupName") == group:
                return found.get("logGroupArn") or str(found.get("arn", "")).removesuffix(":*")
        raise LogsUnavailable(f"log group {group} not found")

    def live_tail(self, group_arns: Sequence[str], prefixes: Sequence[str]) -> "LiveTail":
        """Start a Live Tail session on up to 10 groups and 100 stream-name prefixes."""
        if not 1 <= len(group_arns) <= MAX_LIVE_TAIL_GROUPS or not 1 <= len(prefixes) <= MAX_LIVE_TAIL_PREFIXES:
            raise ValueError(f"StartLiveTail takes 1..{MAX_LIVE_TAIL_GROUPS} groups and 1..{MAX_LIVE_TAIL_PREFIXES} "
                             f"prefixes, got {len(group_arns)} and {len(prefixes)}")
        response = self._call("StartLiveTail", "start_live_tail", logGroupIdentifiers=list(group_arns),
                              logStreamNamePrefixes=list(prefixes))
        return LiveTail(response["responseStream"])


class LiveTail:
    """One Live Tail session's stream: ``updates()`` blocks for each LiveTailSessionUpdate (the
    LiveTailSessionStart comes as an empty update with ``started``) and raises LiveTailEnded when the session
    ends; ``close()`` ends it."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def updates(self) -> Iterator[LiveTailUpdate]:
        try:
            for event in self.stream:
                if "sessionStart" in event:
                    yield LiveTailUpdate([], started=True)
                update = event.get("sessionUpdate")
                if update is None:
                    continue
                events = [CwEvent.of(e) for e in update.get("sessionResults", [])]
                yield LiveTailUpdate(events, bool(update.get("sessionMetadata", {}).get("sampled")))
        except EventStreamError as exc:
            raise LiveTailEnded(f"{exc.response.get('Error', {}).get('Code', 'EventStreamError')}: {exc}") from exc
        except (HTTPClientError, BotoConnectionError, OSError) as exc:
            raise LiveTailEnded(f"connection lost: {type(exc).__name__}") from exc
        raise LiveTailEnded("the stream ended")

    def close(self) -> None:
        try:
            self.stream.close()
        except Exception:  # closing a dead stream is not worth an error
            pass


__all__ = ["CloudWatchLogs", "CwEvent", "LiveTail", "LiveTailEnded", "LiveTailUpdate", "LogsUnavailable",
           "StreamGone", "MAX_STREAM_NAMES", "is_aws_endpoint", "make_logs_client"]
