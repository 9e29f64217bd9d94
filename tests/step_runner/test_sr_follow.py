"""--follow unit tests on botocore Stubber with a fake clock: FilterLogEvents exact parameters,
nextToken pagination, eventId de-duplication, ordering, batching of 100 streams, throttling backoff,
cluster-mode driver streams, and the fallback to the next source."""
import pytest

from step_runner.aws.cloudwatch_logs import CloudWatchLogs, LogsUnavailable
from step_runner.follow import CloudWatchSource, FollowedLines, FollowTarget, LogFollower, LogLine
from step_runner.report.step_evidence import EvidenceReader, LogPlace


G = "/aws/emr/j-TEST"
J = "j-TEST"
T = 1_795_000_000_000  # epoch ms, 2026-11-18


def ev(event_id, stream, ts, message):
    return {"eventId": event_id, "logStreamName": stream, "timestamp": ts, "message": message, "ingestionTime": ts + 900}


def streams(stub, prefix, *names):
    stub.add_response("describe_log_streams", {"logStreams": [{"logStreamName": n} for n in names]},
                      {"logGroupName": G, "logStreamNamePrefix": prefix})


def filter_events(stub, names, events, *, start=None, token=None, next_token=None):
    params = {"logGroupName": G, "logStreamNames": names}
    if start is not None:
        params["startTime"] = start
    if token is not None:
        params["nextToken"] = token
    response = {"events": events}
    if next_token:
        response["nextToken"] = next_token
    stub.add_response("filter_log_events", response, params)


def make(client, clock, **kw):
    lines: list[LogLine] = []
    notices: list[str] = []
    source = CloudWatchSource(CloudWatchLogs(client), G, J, clock=clock, **kw)

    def on_notice(message: str) -> None:
        assert "Stub" not in message and "UnStubbed" not in message, message  # a call the test did not expect
        notices.append(message)

    follower = LogFollower([source], lines.append, clock=clock, rand=lambda: 0.5, on_notice=on_notice)
    return follower, source, lines, notices


ERR = f"{J}/steps/s-1/stderr"
OUT = f"{J}/steps/s-1/stdout"
INGEST = FollowTarget("s-1", "ingest", cluster_mode=False)


def test_pagination_dedup_ordering_and_start_time(logs_stub, clock):
    client, stub = logs_stub
    follower, source, lines, _ = make(client, clock)
    # cycle 1: only stderr exists yet; read from its start, two pages
    streams(stub, f"{J}/steps/s-1/", ERR)
    filter_events(stub, [ERR], [ev("e1", ERR, T + 1000, "starting"), ev("e3", ERR, T + 3000, "third")],
                  next_token="tok-1")
    filter_events(stub, [ERR], [ev("e2", ERR, T + 2000, "second\n")], token="tok-1")
    follower.poll([INGEST])
    assert [l.line for l in lines] == ["starting", "second", "third"]  # sorted by timestamp across pages
    assert lines[0].text() == "[ingest] starting" and lines[0].stream == "stderr"

    # 3 s later: too soon (interval 5 s) -> no call at all
    clock.sleep(3)
    follower.poll([INGEST])
    # 5 s later: stdout is asked about again (still missing); startTime = newest seen - 20 s overlap;
    # e2/e3 come again and are dropped by eventId
    clock.sleep(2)
    streams(stub, f"{J}/steps/s-1/", ERR)
    filter_events(stub, [ERR], [ev("e2", ERR, T + 2000, "second"), ev("e3", ERR, T + 3000, "third"),
                                ev("e4", ERR, T + 3000, "fourth, same ms")], start=T + 3000 - 20_000)
    follower.poll([INGEST])
    assert [l.line for l in lines][3:] == ["fourth, same ms"]

    # stdout appears: read from its start, in a call of its own (stderr has a startTime)
    clock.sleep(5)
    streams(stub, f"{J}/steps/s-1/", ERR, OUT)
    filter_events(stub, [OUT], [ev("o1", OUT, T + 2500, "DEMO-LOG-LINE")])
    filter_events(stub, [ERR], [], start=T + 3000 - 20_000)
    follower.poll([INGEST])
    assert lines[-1].line == "DEMO-LOG-LINE" and lines[-1].stream == "stdout"
    assert lines[-1].event() == {"event": "log", "step": "ingest", "step_id": "s-1", "stream": "stdout",
                                 "line": "DEMO-LOG-LINE", "timestamp": "2026-11-18T11:06:42.500+00:00",
                                 "source": "cloudwatch"}
    assert source.streams_of("s-1") == [ERR, OUT]


def test_finish_reads_once_more_even_inside_the_interval_then_stops(logs_stub, clock):
    client, stub = logs_stub
    follower, _, lines, _ = make(client, clock)
    streams(stub, f"{J}/steps/s-1/", ERR)
    filter_events(stub, [ERR], [ev("e1", ERR, T, "one")])
    follower.poll([INGEST])
    clock.sleep(1)
    streams(stub, f"{J}/steps/s-1/", ERR, OUT)  # final: look for the missing stream within the interval
    filter_events(stub, [OUT], [ev("o1", OUT, T + 50, "last words")])
    filter_events(stub, [ERR], [ev("e1", ERR, T, "one"), ev("e2", ERR, T + 60, "two")], start=T - 20_000)
    follower.finish([INGEST])
    assert [l.line for l in lines] == ["one", "last words", "two"]
    clock.sleep(10)
    follower.poll([INGEST])  # finished steps are never read again
    follower.finish([INGEST])


def test_a_step_never_seen_running_is_still_read_when_it_ends(logs_stub, clock):
    client, stub = logs_stub
    follower, _, lines, _ = make(client, clock)
    streams(stub, f"{J}/steps/s-1/", OUT, ERR)
    filter_events(stub, [ERR, OUT], [ev("o1", OUT, T, "quick step")])
    follower.finish([INGEST])
    assert [l.text() for l in lines] == ["[ingest] quick step"]


def test_streams_of_many_steps_share_calls_100_names_each(logs_stub, clock):
    client, stub = logs_stub
    follower, _, lines, _ = make(client, clock, max_discovery_calls=60)
    targets = [FollowTarget(f"s-{i:02d}", f"step{i:02d}") for i in range(60)]
    for t in targets:
        streams(stub, f"{J}/steps/{t.step_id}/", f"{J}/steps/{t.step_id}/stderr", f"{J}/steps/{t.step_id}/stdout")
    names = sorted(f"{J}/steps/{t.step_id}/{s}" for t in targets for s in ("stderr", "stdout"))
    filter_events(stub, names[:100], [ev("a", names[0], T, "a")])
    filter_events(stub, names[100:], [ev("b", names[119], T + 1, "b")])
    follower.poll(targets)
    assert [(l.step, l.line) for l in lines] == [("step00", "a"), ("step59", "b")]
    # next cycle: every stream is known, and the 120 names are still two calls, both with a startTime
    clock.sleep(5)
    filter_events(stub, names[:100], [], start=T - 20_000)
    filter_events(stub, names[100:], [], start=T + 1 - 20_000)
    follower.poll(targets)


def test_discovery_calls_per_cycle_are_capped(logs_stub, clock):
    client, stub = logs_stub
    follower, _, _, _ = make(client, clock, max_discovery_calls=2)
    targets = [FollowTarget(f"s-{i}", f"n{i}") for i in range(5)]
    for i in (0, 1):
        streams(stub, f"{J}/steps/s-{i}/")
    follower.poll(targets)
    clock.sleep(5)
    for i in (2, 3):  # the ones never asked about come first
        streams(stub, f"{J}/steps/s-{i}/")
    follower.poll(targets)


def test_throttling_backs_off_with_the_poll_policy_and_says_so(logs_stub, clock):
    client, stub = logs_stub
    follower, _, lines, notices = make(client, clock)
    streams(stub, f"{J}/steps/s-1/", ERR)
    stub.add_client_error("filter_log_events", "ThrottlingException", "Rate exceeded", 400)
    follower.poll([INGEST])
    assert "ThrottlingException" in notices[-1] and "next read in 2s" in notices[-1]  # 2 s * (0.5 + 0.5 * 0.5)
    clock.sleep(1)
    follower.poll([INGEST])  # still backing off: no call
    clock.sleep(1)
    streams(stub, f"{J}/steps/s-1/", ERR)
    stub.add_client_error("filter_log_events", "ThrottlingException", "Rate exceeded", 400)
    follower.poll([INGEST])
    assert "next read in 3s" in notices[-1]  # 4 s * 0.75
    clock.sleep(3)
    streams(stub, f"{J}/steps/s-1/", ERR)
    filter_events(stub, [ERR], [ev("e1", ERR, T, "after the storm")])
    follower.poll([INGEST])
    assert [l.line for l in lines] == ["after the storm"]


@pytest.mark.parametrize("code, message", [
    ("ResourceNotFoundException", "The specified log group does not exist."),
    ("AccessDeniedException", "User is not authorized to perform: logs:DescribeLogStreams"),
])
def test_missing_group_or_access_denied_falls_back_to_the_next_source(logs_stub, clock, code, message):
    client, stub = logs_stub
    stub.add_client_error("describe_log_streams", code, message, 400)

    class Fallback:
        name, interval = "fake S3", 15.0
        calls: list = []

        def fetch(self, targets, *, final=False):
            self.calls.append((tuple(t.step_id for t in targets), final))
            return [LogLine("ingest", "s-1", "stdout", "from s3", None, "s3")]

        def forget(self, step_id):
            pass

    fallback = Fallback()
    lines, notices = [], []
    cw = CloudWatchSource(CloudWatchLogs(client), G, J, clock=clock)
    follower = LogFollower([cw, fallback], lines.append, clock=clock, on_notice=notices.append)
    follower.poll([INGEST])
    assert fallback.calls == [(("s-1",), False)] and lines[0].source == "s3"
    assert "CloudWatch Logs unavailable" in notices[0] and "following fake S3 instead" in notices[0]
    clock.sleep(10)
    follower.poll([INGEST])  # the S3 interval is 15 s
    clock.sleep(5)
    follower.poll([INGEST])
    assert len(fallback.calls) == 2


def test_missing_stream_is_not_a_missing_group(logs_stub, clock):
    client, stub = logs_stub
    follower, source, lines, notices = make(client, clock)
    streams(stub, f"{J}/steps/s-1/", ERR)
    stub.add_client_error("filter_log_events", "ResourceNotFoundException", "The specified log stream does not exist.")
    follower.poll([INGEST])
    assert notices == [] and follower.source is source and source.streams_of("s-1") == []
    clock.sleep(5)
    streams(stub, f"{J}/steps/s-1/", ERR)  # found again (it was dropped after the error)
    filter_events(stub, [ERR], [ev("e1", ERR, T, "back")])
    follower.poll([INGEST])
    assert [l.line for l in lines] == ["back"]


def test_cluster_mode_follows_the_driver_container_once_the_application_id_shows(logs_stub, clock):
    client, stub = logs_stub
    follower, _, lines, _ = make(client, clock)
    step = FollowTarget("s-1", "ingest", cluster_mode=True)
    app = "application_1764072000000_0011"
    driver = f"{J}/containers/{app}/container_1764072000000_0011_01_000001"
    streams(stub, f"{J}/steps/s-1/", ERR)
    filter_events(stub, [ERR], [ev("e1", ERR, T, f"26/11/25 13:05:11 INFO YarnClientImpl: Submitted application {app}")])
    follower.poll([step])
    clock.sleep(5)
    streams(stub, driver + "/", driver + "/stdout", driver + "/stderr")  # never asked about: first
    streams(stub, f"{J}/steps/s-1/", ERR)  # the step's stdout: still missing
    filter_events(stub, [driver + "/stderr", driver + "/stdout"],
                  [ev("d1", driver + "/stdout", T + 4000, "DEMO-LOG-LINE from the driver"),
                   ev("d2", driver + "/stderr", T + 4100, "26/11/25 13:05:15 ERROR Driver: boom")])
    filter_events(stub, [ERR], [], start=T - 20_000)
    follower.poll([step])
    assert [(l.stream, l.line) for l in lines[1:]] == [
        ("driver-stdout", "DEMO-LOG-LINE from the driver"), ("driver-stderr", "26/11/25 13:05:15 ERROR Driver: boom")]
    assert "ERROR Driver: boom" in follower.captured_stderr("s-1")


def test_client_mode_steps_do_not_follow_containers(logs_stub, clock):
    client, stub = logs_stub
    follower, _, _, _ = make(client, clock)
    streams(stub, f"{J}/steps/s-1/", ERR)
    filter_events(stub, [ERR], [ev("e1", ERR, T, "Submitted application application_1_0002")])
    follower.poll([INGEST])
    clock.sleep(5)
    streams(stub, f"{J}/steps/s-1/", ERR)  # stdout again, but no DescribeLogStreams for a driver container
    filter_events(stub, [ERR], [], start=T - 20_000)
    follower.poll([INGEST])


def test_the_report_reads_s3_first_then_the_printed_lines(logs_stub, clock):
    client, stub = logs_stub
    follower, _, _, _ = make(client, clock)
    streams(stub, f"{J}/steps/s-1/", ERR)
    filter_events(stub, [ERR], [ev("e1", ERR, T, "Traceback (most recent call last):"),
                                ev("e2", ERR, T + 1, "ValueError: bad row")])
    follower.finish([INGEST])

    class S3:
        def __init__(self, text):
            self.text = text

        def location(self, c, s):
            return f"s3://logs/{c}/steps/{s}/"

        def read_stderr(self, c, s):
            if isinstance(self.text, Exception):
                raise self.text
            return self.text

    def read(s3):
        reader = EvidenceReader([LogPlace("s3", S3(s3)), LogPlace("followed", FollowedLines(follower))])
        explained = reader.explain(J, "s-1")
        return explained.evidence.stderr, explained.diagnosis.sources, explained.notes

    assert read("full copy") == ("full copy", ("s3 stderr",), ())
    stderr, sources, notes = read(None)
    assert stderr.endswith("ValueError: bad row") and sources == ("followed stderr",) and notes == ()
    stderr, sources, notes = read(OSError("x"))
    assert stderr.startswith("Traceback") and notes == ("could not read the step's stderr (s3): x",)
    assert EvidenceReader([LogPlace("followed", FollowedLines(follower)), LogPlace("s3", S3(None))]).location(
        J, "s-1") == "s3://logs/j-TEST/steps/s-1/"


def test_unavailable_is_raised_for_a_missing_group(logs_stub):
    client, stub = logs_stub
    stub.add_client_error("describe_log_streams", "ResourceNotFoundException", "The specified log group does not exist.")
    with pytest.raises(LogsUnavailable, match="not found"):
        CloudWatchLogs(client).existing_streams(G, "x/")


def test_discovery_round_robin_reaches_every_step(logs_stub, clock):
    client, stub = logs_stub
    follower, _, _, _ = make(client, clock, max_discovery_calls=2)
    targets = [FollowTarget(f"s-{i}", f"n{i}") for i in range(3)]
    for order in ((0, 1), (2, 0), (1, 0)):
        for i in order:
            streams(stub, f"{J}/steps/s-{i}/")
        follower.poll(targets)
        clock.sleep(5)
