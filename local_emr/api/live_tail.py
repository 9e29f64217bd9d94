"""CloudWatch Logs StartLiveTail, served live: moto 5.2.x answers it with one snapshot of what is already stored.

A session streams, in AWS's event-stream framing (``application/vnd.amazon.eventstream``): an ``initial-response``
(botocore's awsJson parser requires one first, botocore/parsers.py ``JSONParser._handle_event_stream``), one
``sessionStart``, then every second a ``sessionUpdate`` with the events ingested since the previous one, and after the
session length a ``SessionTimeoutException``. Events come from moto's CloudWatch Logs backend in this process, where
``local_emr/steps/log_shipping.py`` writes step output and PutLogEvents lands.

The core is pure: request checks (``parse_request``), the per-stream cursor (``TailCursor``), sampling, framing and the
session's timing (``session_frames``, clock and wait injected). ``LiveTail`` ties them to moto and counts sessions.

API reference: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_StartLiveTail.html
(botocore's model says the same: botocore/data/logs/2014-03-28/service-2.json, StartLiveTail).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from moto.core.eventstream import EventStreamEncoder
from moto.logs.models import logs_backends
from moto.logs.utils import EventMessageFilter

from emr_contract.live_tail import MAX_EVENTS_PER_UPDATE, UPDATE_SECONDS

from ..steps.model import EmrApiError, validation_message
from .request_shape import check_against_model
from .wsgi import account_for, credential_scope, json_body, json_response, read_body

LIVE_TAIL_TARGET = "Logs_20140328.StartLiveTail"
EVENT_STREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream"

# Which 500 events AWS keeps when it samples is not documented: ours are spread evenly over the second's (sample).
GROUP_ARN = re.compile(r"arn:[^:]+:logs:(?P<region>[^:]+):(?P<account>[^:]+):log-group:(?P<name>[^:]+)")
""""Specify each log group by its ARN ... the ARN can't end with an asterisk (*)" (StartLiveTailRequest,
logGroupIdentifiers). A plain name is refused: the request's documentation allows only ARNs."""

TIMEOUT_MESSAGE = "Live Tail session has timed out"
"""Our wording: AWS documents the exception ("Live Tail sessions time out after three hours", SessionTimeoutException)
but not its message."""


LiveTailError = EmrApiError
"""A refusal before the stream starts: one of the operation's declared error codes and a message, answered as
every other awsJson error of the emulator."""


def _invalid(message: str) -> LiveTailError:
    return LiveTailError("InvalidParameterException", message)


# ---- the request ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TailRequest:
    """A checked StartLiveTail request: the groups (as given, and by name) and the filters."""

    identifiers: tuple[str, ...]
    groups: tuple[tuple[str, str, str], ...]
    """(region, account, name) of each identifier."""
    stream_names: tuple[str, ...] = ()
    stream_prefixes: tuple[str, ...] = ()
    pattern: str | None = None

    def wants_stream(self, name: str) -> bool:
        if self.stream_names:
            return name in self.stream_names
        return not self.stream_prefixes or name.startswith(self.stream_prefixes)

    def session_start(self, request_id: str, session_id: str) -> dict[str, Any]:
        """The sessionStart event: ids and the request's filters echoed (LiveTailSessionStart)."""
        start: dict[str, Any] = {"requestId": request_id, "sessionId": session_id,
                                 "logGroupIdentifiers": list(self.identifiers)}
        if self.stream_names:
            start["logStreamNames"] = list(self.stream_names)
        if self.stream_prefixes:
            start["logStreamNamePrefixes"] = list(self.stream_prefixes)
        if self.pattern is not None:
            start["logEventFilterPattern"] = self.pattern
        return start


def _model_constraint(path: str, value: Any, constraint: str) -> LiveTailError:
    return _invalid(validation_message(path, value, constraint))


def _refuse_a_starred_arn(params: Any) -> None:
    """Said before the model's pattern refuses the '*': DescribeLogGroups' ``arn`` ends with ':*', the form
    StartLiveTail refuses, and the message says which to use."""
    identifiers = params.get("logGroupIdentifiers") if isinstance(params, dict) else None
    for identifier in identifiers if isinstance(identifiers, list) else []:
        if isinstance(identifier, str) and identifier.endswith("*"):
            raise _invalid(f"logGroupIdentifiers: the ARN can't end with an asterisk (*): {identifier!r} "
                           "(DescribeLogGroups' logGroupArn is the form without it)")


def _group(identifier: str) -> tuple[str, str, str]:
    match = GROUP_ARN.fullmatch(identifier)
    if match is None:
        raise _invalid(f"logGroupIdentifiers: specify each log group by its ARN "
                       f"(arn:aws:logs:<region>:<account>:log-group:<name>), got {identifier!r}")
    return match["region"], match["account"], match["name"]


def _stream_filters(params: dict[str, Any], groups: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    given = [f for f in ("logStreamNames", "logStreamNamePrefixes") if params.get(f) is not None]
    if len(given) == 2:
        raise _invalid("logStreamNames and logStreamNamePrefixes can't both be specified")
    if not given:
        return (), ()
    if groups != 1:
        raise _invalid(f"{given[0]} can be specified only with a single log group in logGroupIdentifiers")
    names = tuple(params[given[0]])
    return (names, ()) if given[0] == "logStreamNames" else ((), names)


def parse_request(params: Any) -> TailRequest:
    """Check a StartLiveTail request against CloudWatch Logs' API model (types, lengths, patterns: an
    InvalidParameterException in the AWS-wide wording), then the rules its reference adds."""
    _refuse_a_starred_arn(params)
    check_against_model("logs", "StartLiveTail", params, _model_constraint)
    identifiers = tuple(params["logGroupIdentifiers"])
    groups = tuple(_group(identifier) for identifier in identifiers)
    names, prefixes = _stream_filters(params, len(identifiers))
    return TailRequest(identifiers, groups, names, prefixes, params.get("logEventFilterPattern"))


# ---- new events, per stream -----------------------------------------------------------------------------------


class StreamView(NamedTuple):
    """One log stream as the cursor sees it: ``events`` grows in place (moto's ``LogStream.events``)."""

    identifier: str
    name: str
    handle: object
    """The stream object: another one under the same name is a recreated stream, read from its start."""
    events: Sequence[Any]
    """Items with ``timestamp``, ``message`` and ``ingestion_time`` (moto's LogEvent)."""


class TailCursor:
    """Where each stream's unsent events start; events stored when the session began are never sent."""

    def __init__(self, request: TailRequest, matches: Callable[[str], bool],
                 streams: Callable[[], Iterable[StreamView]]) -> None:
        self._request = request
        self._matches = matches
        self._streams = streams
        self._next: dict[tuple[str, str], tuple[object, int]] = {
            (v.identifier, v.name): (v.handle, len(v.events)) for v in self._wanted()}

    def _wanted(self) -> list[StreamView]:
        return [v for v in self._streams() if self._request.wants_stream(v.name)]

    def take(self) -> list[dict[str, Any]]:
        """Every matching event ingested since the last call, in ingestion order (LiveTailSessionLogEvent)."""
        found: list[dict[str, Any]] = []
        for view in self._wanted():
            key = (view.identifier, view.name)
            handle, start = self._next.get(key, (view.handle, 0))  # a stream new since the start: all of it
            start = start if handle is view.handle else 0
            events = list(view.events[start:])
            self._next[key] = (view.handle, start + len(events))
            found += [_result(view, e) for e in events if self._matches(e.message)]
        return sorted(found, key=lambda r: r["ingestionTime"])


def _result(view: StreamView, event: Any) -> dict[str, Any]:
    return {"logStreamName": view.name, "logGroupIdentifier": view.identifier, "message": event.message,
            "timestamp": event.timestamp, "ingestionTime": event.ingestion_time}


def sample(results: list[dict[str, Any]], limit: int = MAX_EVENTS_PER_UPDATE) -> tuple[list[dict[str, Any]], bool]:
    """(at most ``limit`` results, sampled?): more are thinned evenly, in order (MAX_EVENTS_PER_UPDATE)."""
    if len(results) <= limit:
        return results, False
    return [results[i * len(results) // limit] for i in range(limit)], True


# ---- framing --------------------------------------------------------------------------------------------------

encode_message = EventStreamEncoder().encode_message
"""One AWS event-stream message (moto's encoder: prelude, string headers, payload, the two CRC32s)."""


def event_message(event_type: str, payload: dict[str, Any]) -> bytes:
    return encode_message({":message-type": "event", ":event-type": event_type,
                           ":content-type": "application/json"}, json.dumps(payload).encode())


def exception_message(exception_type: str, message: str) -> bytes:
    return encode_message({":message-type": "exception", ":exception-type": exception_type,
                           ":content-type": "application/json"}, json.dumps({"message": message}).encode())


def update_message(results: list[dict[str, Any]]) -> bytes:
    kept, sampled = sample(results)
    return event_message("sessionUpdate", {"sessionMetadata": {"sampled": sampled}, "sessionResults": kept})


# ---- a session ------------------------------------------------------------------------------------------------


def session_frames(start: dict[str, Any], cursor: TailCursor, *, session_seconds: float,
                   clock: Callable[[], float], wait: Callable[[float], bool],
                   update_seconds: float = UPDATE_SECONDS) -> Iterator[bytes]:
    """The stream's messages; ``wait(seconds)`` returns True when the emulator stops, which ends the stream."""
    yield event_message("initial-response", {})
    yield event_message("sessionStart", start)
    began, updates = clock(), 1
    end = began + session_seconds
    while True:
        if wait(max(0.0, min(began + updates * update_seconds, end) - clock())):
            return
        if clock() >= end:
            yield exception_message("SessionTimeoutException", TIMEOUT_MESSAGE)
            return
        try:
            results = cursor.take()
        except Exception as exc:  # "returned if an unknown error occurs" (SessionStreamingException, API reference)
            yield exception_message("SessionStreamingException", repr(exc))
            return
        yield update_message(results)
        updates += 1


class SessionBody:
    """The WSGI body of a session: its messages, and its slot freed once however the stream ends (timeout, the
    client gone, a failed write: werkzeug calls ``close`` in every case)."""

    def __init__(self, frames: Iterator[bytes], release: Callable[[], None]) -> None:
        self._frames = frames
        self._release: Callable[[], None] | None = release

    def __iter__(self) -> SessionBody:
        return self

    def __next__(self) -> bytes:
        return next(self._frames)

    def close(self) -> None:
        close = getattr(self._frames, "close", None)
        if close is not None:
            close()
        release, self._release = self._release, None
        if release is not None:
            release()


# ---- moto ------------------------------------------------------------------------------------------------------


def _backend(account: str, region: str) -> Any:
    try:
        return logs_backends[account][region]
    except KeyError:  # a region moto does not know holds no log group
        return None


def resolve_groups(request: TailRequest, account: str, region: str) -> Any:
    """The caller's CloudWatch Logs backend, once every group exists in it; else ResourceNotFoundException."""
    backend = _backend(account, region)
    for identifier, (arn_region, arn_account, name) in zip(request.identifiers, request.groups):
        if (arn_region, arn_account) != (region, account) or backend is None or name not in backend.groups:
            raise LiveTailError("ResourceNotFoundException", f"The specified log group does not exist: {identifier}")
    return backend


def stream_views(request: TailRequest, backend: Any) -> list[StreamView]:
    """Every stream of the request's groups now; a group deleted since the start is skipped."""
    views = []
    for identifier, (_, _, name) in zip(request.identifiers, request.groups):
        group = backend.groups.get(name)
        streams = list(group.streams.values()) if group is not None else []
        views += [StreamView(identifier, s.log_stream_name, s, s.events) for s in streams]
    return views


class LiveTail:
    """The Live Tail sessions of one emulator: settings, the concurrent-session quota, the stop switch."""

    def __init__(self, session_seconds: float, max_sessions: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.session_seconds = float(session_seconds)
        self.max_sessions = int(max_sessions)
        self.clock = clock
        self._lock = threading.Lock()
        self._active: Counter[tuple[str, str]] = Counter()
        self._stopping = threading.Event()

    def stop(self) -> None:
        """End every session (the emulator is stopping)."""
        self._stopping.set()

    def open(self, account: str, region: str, body: bytes) -> tuple[list[tuple[str, str]], SessionBody]:
        """(response headers, streamed body) of a session; an EmrApiError (LiveTailError) when it is refused."""
        request = parse_request(json_body(body))
        backend = resolve_groups(request, account, region)
        matches = EventMessageFilter(request.pattern or "").matches  # FilterLogEvents' own matching, in moto
        cursor = TailCursor(request, matches, lambda: stream_views(request, backend))
        release = self._acquire((account, region))
        request_id = str(uuid.uuid4())
        frames = session_frames(request.session_start(request_id, str(uuid.uuid4())), cursor,
                                session_seconds=self.session_seconds, clock=self.clock, wait=self._stopping.wait)
        headers = [("Content-Type", EVENT_STREAM_CONTENT_TYPE), ("x-amzn-RequestId", request_id)]
        return headers, SessionBody(frames, release)

    def _acquire(self, key: tuple[str, str]) -> Callable[[], None]:
        with self._lock:
            if self._active[key] >= self.max_sessions:
                raise LiveTailError("LimitExceededException",
                                    f"You have reached the maximum number of concurrent Live Tail sessions "
                                    f"({self.max_sessions}) for account {key[0]} in {key[1]}")
            self._active[key] += 1

        def release() -> None:
            with self._lock:
                self._active[key] -= 1

        return release


class LiveTailMiddleware:
    """CloudWatch Logs StartLiveTail, streamed live by this module (moto's answer is one snapshot); every other
    request passes on."""

    def __init__(self, app: Callable[..., Iterable[bytes]], session_seconds: float, max_sessions: int) -> None:
        self.app = app
        self.live_tail = LiveTail(session_seconds, max_sessions)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET") != LIVE_TAIL_TARGET:
            return self.app(environ, start_response)
        access_key, region = credential_scope(environ)
        try:
            headers, stream = self.live_tail.open(account_for(environ, access_key), region or "us-east-1",
                                                  read_body(environ))
        except EmrApiError as err:
            return json_response(start_response, 400, {"__type": err.code, "message": err.message})
        start_response("200 OK", headers)
        return stream
