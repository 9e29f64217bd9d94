"""emr_scaling/aws.py against botocore's Stubber: the exact calls, in order, and what an unknown cluster or an
empty window does at the CLI (one line, exit 2)."""
from __future__ import annotations

import io
from datetime import timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber

from emr_scaling.cli import EXIT_BAD_INPUT, main
from tests.emr_scaling.test_observed import T0, description, metrics

MIN = timedelta(minutes=1)
CREDS = dict(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def _cloudwatch_page(data: dict, ids: dict[str, str]) -> dict:
    return {"MetricDataResults": [{"Id": i, "Label": name, "StatusCode": "Complete",
                                   "Timestamps": [t for t, _ in data.get(name, [])],
                                   "Values": [v for _, v in data.get(name, [])]} for i, name in ids.items()]}


@pytest.fixture()
def stubbed(monkeypatch):
    emr = boto3.client("emr", **CREDS)
    cloudwatch = boto3.client("cloudwatch", **CREDS)
    clients = {"emr": emr, "cloudwatch": cloudwatch}
    monkeypatch.setattr(boto3.session.Session, "client", lambda self, name, **kw: clients[name])
    monkeypatch.setattr("emr_scaling.aws.utc_now", lambda: T0 + timedelta(days=1))  # CloudWatch keeps every period
    with Stubber(emr) as emr_stub, Stubber(cloudwatch) as cw_stub:
        yield emr_stub, cw_stub
        emr_stub.assert_no_pending_responses()
        cw_stub.assert_no_pending_responses()


def _cluster_calls(stub: Stubber, managed: dict | None = None) -> None:
    d = description()
    stub.add_response("describe_cluster", {"Cluster": {**d.cluster, "Status": {
        "State": "TERMINATED", "Timeline": {"CreationDateTime": T0, "EndDateTime": T0 + 90 * MIN}}}},
        {"ClusterId": "j-1"})
    stub.add_response("list_instance_groups", {"InstanceGroups": d.groups}, {"ClusterId": "j-1"})
    stub.add_response("list_instances", {"Instances": d.listed[:3], "Marker": "m2"}, {"ClusterId": "j-1"})
    stub.add_response("list_instances", {"Instances": d.listed[3:]}, {"ClusterId": "j-1", "Marker": "m2"})
    stub.add_response("get_managed_scaling_policy", {"ManagedScalingPolicy": managed} if managed else {},
                      {"ClusterId": "j-1"})
    stub.add_response("get_auto_termination_policy", {"AutoTerminationPolicy": {"IdleTimeout": 3600}},
                      {"ClusterId": "j-1"})


def _metric_calls(stub: Stubber, data: dict, period: int = 300) -> None:
    from emr_scaling.observed import READ_METRICS
    ids = {f"m{i}": name for i, name in enumerate(READ_METRICS)}
    first = {k: v for k, v in ids.items() if k in ("m0", "m1")}
    rest = {k: v for k, v in ids.items() if k not in first}
    expected = {"MetricDataQueries": ANY, "StartTime": T0, "EndTime": T0 + 90 * MIN + timedelta(seconds=period),
                "ScanBy": "TimestampAscending"}
    stub.add_response("get_metric_data", {**_cloudwatch_page(data, first), "NextToken": "p2"}, expected)
    stub.add_response("get_metric_data", _cloudwatch_page(data, rest), {**expected, "NextToken": "p2"})


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out=out, err=err), out.getvalue(), err.getvalue()


def test_report_reads_the_cluster_and_every_page(stubbed):
    emr_stub, cw_stub = stubbed
    _cluster_calls(emr_stub)
    _metric_calls(cw_stub, metrics())
    code, out, err = run("report", "j-1", "--region", "us-east-1", "--no-cost", "--every", "15m")
    assert code == 0, err
    assert out.startswith("j-1 as it ran: cluster ran, custom automatic scaling task 0-4\n"
                          "workload j-1 as it ran: demand as j-1's CloudWatch metrics measured it from 2026-11-02")
    assert "00:20  task   scale_out    0->2" in out and "observed" in out


def test_an_unknown_cluster_is_one_line_exit_2(stubbed):
    emr_stub, _ = stubbed
    emr_stub.add_client_error("describe_cluster", "InvalidRequestException", "Cluster id 'j-NOPE' is not valid.",
                              expected_params={"ClusterId": "j-NOPE"})
    code, out, err = run("report", "j-NOPE", "--region", "us-east-1")
    assert (code, out) == (EXIT_BAD_INPUT, "")
    assert err == "emr-scaling: CLUSTER: 'j-NOPE': EMR says: Cluster id 'j-NOPE' is not valid.\n"


def test_a_window_without_data_is_one_line_exit_2(stubbed):
    emr_stub, cw_stub = stubbed
    _cluster_calls(emr_stub)
    _metric_calls(cw_stub, {})
    code, _, err = run("simulate", "emr-production", "--from-cluster", "j-1", "--region", "us-east-1")
    assert code == EXIT_BAD_INPUT and err.count("\n") == 1
    assert "no AWS/ElasticMapReduce metric data in this window" in err


def test_managed_scaling_clusters_are_read_at_one_minute(stubbed):
    emr_stub, cw_stub = stubbed
    _cluster_calls(emr_stub, {"ComputeLimits": {"UnitType": "Instances", "MinimumCapacityUnits": 2,
                                                "MaximumCapacityUnits": 6}})
    _metric_calls(cw_stub, metrics(), period=60)
    code, out, err = run("report", "j-1", "--region", "us-east-1", "--no-cost", "--json")
    assert code == 0, err
    assert "managed scaling 2-6 Instances" in out


def test_old_windows_are_read_at_the_period_cloudwatch_still_keeps(stubbed, monkeypatch):
    # GetMetricData: a start more than 63 days ago answers only at multiples of 3600 s
    monkeypatch.setattr("emr_scaling.aws.utc_now", lambda: T0 + timedelta(days=64))
    emr_stub, cw_stub = stubbed
    _cluster_calls(emr_stub, {"ComputeLimits": {"UnitType": "Instances", "MinimumCapacityUnits": 2,
                                                "MaximumCapacityUnits": 6}})
    _metric_calls(cw_stub, metrics(), period=3600)
    code, out, err = run("report", "j-1", "--region", "us-east-1", "--no-cost")
    assert code == 0, err
    assert "metrics read at 3600 s, not 60 s: CloudWatch answers data from more than 15 days ago" in out


@pytest.mark.parametrize("age_days, period, read", [(14, 60, 60), (16, 60, 300), (16, 420, 600), (64, 300, 3600)])
def test_retained_period_follows_cloudwatchs_ages(age_days, period, read):
    from emr_scaling.aws import retained_period

    assert retained_period(period, T0, T0 + timedelta(days=age_days)) == read


def test_window_flags_are_checked_before_any_call(stubbed):
    code, _, err = run("report", "j-1", "--region", "us-east-1", "--start", "yesterday")
    assert code == EXIT_BAD_INPUT and "--start: 'yesterday': must be an ISO date" in err
    code, _, err = run("report", "j-1", "--region", "us-east-1", "--clock-factor", "0")
    assert code == EXIT_BAD_INPUT and "--clock-factor" in err

