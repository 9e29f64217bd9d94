"""StartLiveTail, served live to a real boto3 client (local_emr/api/live_tail.py); its pure core on a fake clock."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import botocore.config
import botocore.session
import pytest
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer
from botocore.exceptions import EventStreamError
from botocore.parsers import ResponseParserError, create_parser

from local_emr import LocalEmr
from local_emr.config import EmulatorConfig
from local_emr.api.live_tail import (
    LiveTailError,
    StreamView,
    TailCursor,
    encode_message,
    event_message,
    exception_message,
    parse_request,
    sample,
    session_frames,
    update_message,
)

from .conftest import FAKE, wait_for

ARN = "arn:aws:logs:us-east-1:123456789012:log-group:{}"
NO_HOST_PREFIX = botocore.config.Config(inject_host_prefix=False)  # StartLiveTail's "stream-" host prefix


def _client(emulator: LocalEmr) -> Any:
    return boto3.client("logs", endpoint_url=emulator.endpoint_url, config=NO_HOST_PREFIX, **FAKE)


@pytest.fixture(scope="module")
def logs(emulator: LocalEmr) -> Any:
    return _client(emulator)


def _group(logs: Any, *streams: str) -> str:
    """A new log group with these streams; its ARN."""
    name = f"/le/live-tail/{uuid.uuid4().hex[:8]}"
    logs.create_log_group(logGroupName=name)
    for stream in streams:
        logs.create_log_stream(logGroupName=name, logStreamName=stream)
    return ARN.format(name)


def _put(logs: Any, arn: str, stream: str, *messages: str) -> None:
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=arn.split(":log-group:")[1], logStreamName=stream,
                        logEvents=[{"timestamp": now, "message": m} for m in messages])


def _updates(events: Iterator[dict[str, Any]], want: int, timeout: float = 2.5) -> tuple[list[dict[str, Any]], float]:
    """(the sessionUpdates read until ``want`` results arrived and one more update came, seconds until they arrived)."""
    began, updates, arrived = time.monotonic(), [], None
    for event in events:
        updates.append(event["sessionUpdate"])
        if arrived is not None:
            return updates, arrived
        if sum(len(u["sessionResults"]) for u in updates) >= want:
            arrived = time.monotonic() - began
        assert time.monotonic() - began < timeout, f"only {updates} after {timeout}s"
    raise AssertionError("the stream ended")


def _messages(updates: list[dict[str, Any]]) -> list[str]:
    return [r["message"] for u in updates for r in u["sessionResults"]]


def _start(logs: Any, **request: Any) -> tuple[Any, dict[str, Any], Iterator[dict[str, Any]]]:
    """(the stream, its sessionStart, an iterator over the rest)."""
    stream = logs.start_live_tail(**request)["responseStream"]
    events = iter(stream)
    return stream, next(events)["sessionStart"], events


# ---- against the emulator ------------------------------------------------------------------------------------


@pytest.mark.integration
def test_new_events_arrive_within_two_seconds_and_stored_ones_never(logs: Any) -> None:
    first, second = _group(logs, "s1"), _group(logs, "t")
    _put(logs, first, "s1", "stored before the session")
    stream, start, events = _start(logs, logGroupIdentifiers=[first, second])
    try:
        assert start["logGroupIdentifiers"] == [first, second]
        assert start["requestId"] and start["sessionId"] and "logStreamNames" not in start
        _put(logs, first, "s1", "one")
        _put(logs, second, "t", "two")
        logs.create_log_stream(logGroupName=first.split(":log-group:")[1], logStreamName="s2")  # new in the session
        _put(logs, first, "s2", "three")
        updates, arrived = _updates(events, want=3)
    finally:
        stream.close()
    assert arrived < 2.0
    assert sorted(_messages(updates)) == ["one", "three", "two"]  # each once, nothing stored before
    assert updates[-1] == {"sessionMetadata": {"sampled": False}, "sessionResults": []}  # an empty second is sent
    (two,) = [r for u in updates for r in u["sessionResults"] if r["message"] == "two"]
    assert two["logGroupIdentifier"] == second and two["logStreamName"] == "t"
    assert two["timestamp"] <= two["ingestionTime"]


@pytest.mark.integration
def test_stream_names_and_a_filter_pattern_match_as_filter_log_events_does(logs: Any) -> None:
    arn = _group(logs, "app/1", "app/2")
    stream, start, events = _start(logs, logGroupIdentifiers=[arn], logStreamNames=["app/1"],
                                   logEventFilterPattern="ERROR disk")
    try:
        assert start["logStreamNames"] == ["app/1"] and start["logEventFilterPattern"] == "ERROR disk"
        _put(logs, arn, "app/1", "ERROR disk full", "INFO disk fine", "ERROR network")
        _put(logs, arn, "app/2", "ERROR disk full elsewhere")
        updates, _ = _updates(events, want=1)
    finally:
        stream.close()
    assert _messages(updates) == ["ERROR disk full"]
    filtered = logs.filter_log_events(logGroupName=arn.split(":log-group:")[1], logStreamNames=["app/1"],
                                      filterPattern="ERROR disk")["events"]
    assert [e["message"] for e in filtered] == _messages(updates)  # one matcher for both calls


@pytest.mark.integration
def test_stream_prefixes_and_a_quoted_phrase(logs: Any) -> None:
    arn = _group(logs, "app/1", "app/2", "other")
    stream, start, events = _start(logs, logGroupIdentifiers=[arn], logStreamNamePrefixes=["app/"],
                                   logEventFilterPattern='"disk full"')
    try:
        assert start["logStreamNamePrefixes"] == ["app/"]
        _put(logs, arn, "app/1", "the disk full again", "full disk")
        _put(logs, arn, "app/2", "disk full")
        _put(logs, arn, "other", "disk full, not tailed")
        updates, _ = _updates(events, want=2)
    finally:
        stream.close()
    assert sorted(_messages(updates)) == ["disk full", "the disk full again"]


@pytest.mark.integration
def test_more_than_500_in_a_second_are_sampled_to_500(logs: Any) -> None:
    arn = _group(logs, "busy")
    stream, _, events = _start(logs, logGroupIdentifiers=[arn])
    try:
        _put(logs, arn, "busy", *(f"m{i:03d}" for i in range(700)))
        updates, _ = _updates(events, want=500)
    finally:
        stream.close()
    (busy,) = [u for u in updates if u["sessionResults"]]
    assert busy["sessionMetadata"] == {"sampled": True}
    kept = _messages([busy])
    assert len(kept) == 500 == len(set(kept)) and kept == sorted(kept) and kept[0] == "m000"
    assert updates[-1] == {"sessionMetadata": {"sampled": False}, "sessionResults": []}  # the rest is not sent later


@pytest.mark.integration
def test_refusals_come_before_the_stream_with_the_operations_error_codes(logs: Any) -> None:
    arn = _group(logs, "s")
    cases = [
        ({"logGroupIdentifiers": [ARN.format("/le/live-tail/missing")]}, "ResourceNotFoundException"),
        ({"logGroupIdentifiers": [arn.replace("us-east-1", "eu-west-1")]}, "ResourceNotFoundException"),
        ({"logGroupIdentifiers": [arn], "logStreamNames": ["s"], "logStreamNamePrefixes": ["s"]},
         "InvalidParameterException"),
        ({"logGroupIdentifiers": [arn, arn], "logStreamNames": ["s"]}, "InvalidParameterException"),
        ({"logGroupIdentifiers": [arn.split(":log-group:")[1]]}, "InvalidParameterException"),  # a name, not an ARN
        ({"logGroupIdentifiers": [arn + ":*"]}, "InvalidParameterException"),
        ({"logGroupIdentifiers": [arn] * 11}, "InvalidParameterException"),
    ]
    for request, code in cases:
        with pytest.raises(logs.exceptions.ClientError) as caught:
            logs.start_live_tail(**request)
        assert caught.value.response["Error"]["Code"] == code, request
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.integration
def test_the_session_quota_and_a_closed_stream_frees_its_slot() -> None:
    with LocalEmr(port=0, live_tail_max_sessions=2) as emulator:
        logs = _client(emulator)
        arn = _group(logs, "s")
        streams = [_start(logs, logGroupIdentifiers=[arn])[0] for _ in range(2)]
        with pytest.raises(logs.exceptions.LimitExceededException) as caught:
            logs.start_live_tail(logGroupIdentifiers=[arn])
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        streams[0].close()  # the server sees it at its next write, within two updates

        def started() -> Any:
            try:
                return _start(logs, logGroupIdentifiers=[arn])
            except logs.exceptions.LimitExceededException:
                return None

        _, _, events = wait_for(started, timeout=4, interval=0.2)
    assert list(events) == []  # stopping the emulator ends the open sessions


@pytest.mark.integration
def test_a_session_ends_with_session_timeout_exception() -> None:
    with LocalEmr(port=0, live_tail_session_seconds=1.5) as emulator:
        logs = _client(emulator)
        arn = _group(logs, "s")
        began = time.monotonic()
        _, _, events = _start(logs, logGroupIdentifiers=[arn])
        with pytest.raises(EventStreamError) as caught:
            assert [e["sessionUpdate"]["sessionResults"] for e in events] == [[]]
    assert caught.value.response["Error"]["Code"] == "SessionTimeoutException"
    assert 1.4 < time.monotonic() - began < 2.5


# ---- the pure core --------------------------------------------------------------------------------------------


def _decode(data: bytes) -> list[Any]:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return list(buffer)


def test_framing_round_trips_through_botocores_decoder() -> None:
    payload = json.dumps({"message": "ünïcode ✓"}).encode()
    (message,) = _decode(encode_message({":message-type": "event", ":event-type": "sessionUpdate"}, payload))
    assert message.headers == {":message-type": "event", ":event-type": "sessionUpdate"}
    assert message.payload == payload
    assert message.prelude.total_length == 12 + message.prelude.headers_length + len(payload) + 4
    corrupt = bytearray(encode_message({":event-type": "x"}, b"{}"))
    corrupt[-5] ^= 1
    with pytest.raises(ChecksumMismatch):
        _decode(bytes(corrupt))


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self) -> Iterator[bytes]:
        yield from (self.data[i:i + 7] for i in range(0, len(self.data), 7))  # split mid-message


def _parse(body: bytes) -> dict[str, Any]:
    model = botocore.session.get_session().get_service_model("logs").operation_model("StartLiveTail")
    response = {"status_code": 200, "headers": {}, "body": _Body(body), "context": {"operation_name": "StartLiveTail"}}
    return create_parser("json").parse(response, model.output_shape)


def test_botocores_parser_reads_the_session_as_the_model_says() -> None:
    result = {"logStreamName": "s", "logGroupIdentifier": ARN.format("g"), "message": "hi", "timestamp": 1,
              "ingestionTime": 2}
    body = (event_message("initial-response", {}) + event_message("sessionStart", {"sessionId": "x"})
            + update_message([result]) + exception_message("SessionTimeoutException", "over"))
    events = iter(_parse(body)["responseStream"])
    assert next(events) == {"sessionStart": {"sessionId": "x"}}
    assert next(events) == {"sessionUpdate": {"sessionMetadata": {"sampled": False}, "sessionResults": [result]}}
    with pytest.raises(EventStreamError) as caught:
        next(events)
    assert caught.value.response["Error"] == {"Code": "SessionTimeoutException", "Message": "over"}
    with pytest.raises(ResponseParserError, match="initial-response"):  # why the stream starts with one
        _parse(event_message("sessionStart", {}))


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.stop_at = float("inf")

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> bool:
        self.now += seconds
        return self.now >= self.stop_at


def _cursor(views: list[StreamView], **request: Any) -> TailCursor:
    tail = parse_request({"logGroupIdentifiers": [ARN.format("g")], **request})
    return TailCursor(tail, lambda message: "skip" not in message, lambda: views)


def _event(message: str, at: int = 1) -> SimpleNamespace:
    return SimpleNamespace(message=message, timestamp=at, ingestion_time=at)


def _kinds(frames: list[bytes]) -> list[str]:
    return [m.headers.get(":event-type") or m.headers[":exception-type"] for f in frames for m in _decode(f)]


def test_an_update_every_second_then_the_timeout() -> None:
    clock = _Clock()
    frames = list(session_frames({}, _cursor([]), session_seconds=2.5, clock=clock, wait=clock.wait))
    assert _kinds(frames) == ["initial-response", "sessionStart", "sessionUpdate", "sessionUpdate",
                              "SessionTimeoutException"]
    assert clock.now == 102.5


def test_stopping_the_emulator_ends_the_stream_without_a_timeout() -> None:
    clock = _Clock()
    clock.stop_at = 101.5
    frames = list(session_frames({}, _cursor([]), session_seconds=10, clock=clock, wait=clock.wait))
    assert _kinds(frames) == ["initial-response", "sessionStart", "sessionUpdate"]


def test_a_failure_while_reading_ends_the_stream_with_session_streaming_exception() -> None:
    clock, views = _Clock(), [StreamView(ARN.format("g"), "a", object(), [])]
    cursor = _cursor(views)
    views.append(None)  # type: ignore[arg-type]  # not a stream: reading it fails
    frames = list(session_frames({}, cursor, session_seconds=10, clock=clock, wait=clock.wait))
    assert _kinds(frames)[-1] == "SessionStreamingException"


def test_the_cursor_sends_each_new_event_once_and_nothing_stored_before() -> None:
    old = [_event("old")]
    views = [StreamView(ARN.format("g"), "a", object(), old)]
    cursor = _cursor(views)
    old.append(_event("new", 5))
    old.append(_event("skip me", 6))
    recreated = [_event("again", 4)]
    views += [StreamView(ARN.format("g"), "b", object(), [_event("first", 3)])]
    assert [r["message"] for r in cursor.take()] == ["first", "new"]  # in ingestion order
    assert cursor.take() == []
    views[0] = StreamView(ARN.format("g"), "a", object(), recreated)  # deleted and created again
    assert [r["message"] for r in cursor.take()] == ["again"]


def test_the_cursor_reads_only_the_requested_streams() -> None:
    views = [StreamView(ARN.format("g"), name, object(), []) for name in ("app/1", "app/2", "other")]
    for cursor in (_cursor(views, logStreamNames=["app/1"]), _cursor(views, logStreamNamePrefixes=["app/"])):
        for view in views:
            view.events.append(_event(view.name))
        assert {r["logStreamName"] for r in cursor.take()} <= {"app/1", "app/2"}


def test_sampling_keeps_500_spread_over_the_second_in_order() -> None:
    results = [{"ingestionTime": i} for i in range(1200)]
    kept, sampled = sample(results)
    assert sampled and len(kept) == 500 and kept == sorted(kept, key=lambda r: r["ingestionTime"])
    assert kept[0]["ingestionTime"] == 0 and kept[-1]["ingestionTime"] > 1190
    assert sample(results[:500]) == (results[:500], False)


@pytest.mark.parametrize("request_, words", [
    ({}, "Value null at 'logGroupIdentifiers' failed to satisfy constraint: Member must not be null"),
    ({"logGroupIdentifiers": []}, "at 'logGroupIdentifiers' failed to satisfy constraint: Member must have length "
                                  "greater than or equal to 1"),
    ({"logGroupIdentifiers": [ARN.format("g")] * 11}, "Member must have length less than or equal to 10"),
    ({"logGroupIdentifiers": ["my-group"]}, "by its ARN"),
    ({"logGroupIdentifiers": [ARN.format("g") + ":*"]}, "asterisk"),
    ({"logGroupIdentifiers": [ARN.format("g")], "logStreamNames": ["a"], "logStreamNamePrefixes": ["a"]},
     "can't both"),
    ({"logGroupIdentifiers": [ARN.format("g"), ARN.format("h")], "logStreamNamePrefixes": ["a"]}, "single log group"),
    ({"logGroupIdentifiers": [ARN.format("g")], "logStreamNames": ["a:b"]},
     r"at 'logStreamNames.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern: "
     r"\[\^:\*\]\*"),
    ({"logGroupIdentifiers": [ARN.format("g")], "logStreamNamePrefixes": [""]}, "greater than or equal to 1"),
    ({"logGroupIdentifiers": [ARN.format("g")], "logEventFilterPattern": "x" * 1025},
     "Member must have length less than or equal to 1024"),
    ({"logGroupIdentifiers": ["arn:aws:logs:us-east-1:123456789012:log-group:a b"]}, "regular expression pattern"),
])
def test_bad_requests_are_invalid_parameters(request_: dict[str, Any], words: str) -> None:
    with pytest.raises(LiveTailError, match=words) as caught:
        parse_request(request_)
    assert caught.value.code == "InvalidParameterException"


def test_a_value_of_the_wrong_type_is_a_serialization_error() -> None:
    with pytest.raises(LiveTailError) as caught:
        parse_request({"logGroupIdentifiers": "arn:aws:logs:us-east-1:123456789012:log-group:g"})
    assert caught.value.code == "SerializationException"


def test_the_runners_live_tail_limits_are_the_models() -> None:
    """emr_contract.live_tail's limits (the step runner reads them) are the ones the emulator checks: the model's."""
    import botocore.session

    from emr_contract import live_tail

    members = botocore.session.get_session().get_service_model("logs").operation_model(
        "StartLiveTail").input_shape.members
    assert live_tail.MAX_LOG_GROUPS == members["logGroupIdentifiers"].metadata["max"]
    assert live_tail.MAX_STREAM_FILTERS == members["logStreamNamePrefixes"].metadata["max"] == \
        members["logStreamNames"].metadata["max"]


def test_the_settings_default_to_aws_and_read_the_environment() -> None:
    assert EmulatorConfig().live_tail_session_seconds == 3 * 60 * 60  # three hours (StartLiveTail)
    assert EmulatorConfig().live_tail_max_sessions == 15  # the CloudWatch Logs quota's default
    config = EmulatorConfig.from_env({"LOCAL_EMR_LIVE_TAIL_SESSION_SECONDS": "2.5",
                                      "LOCAL_EMR_LIVE_TAIL_MAX_SESSIONS": "3"})
    assert (config.live_tail_session_seconds, config.live_tail_max_sessions) == (2.5, 3)
    with pytest.raises(ValueError, match="live_tail_max_sessions"):
        EmulatorConfig(live_tail_max_sessions=-1)
