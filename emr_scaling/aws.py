"""The one module of emr_scaling that calls AWS: what a cluster is and had (EMR) and what it measured
(CloudWatch), read into an Observed (observed.py, pure).

Calls: DescribeCluster, ListInstanceGroups or ListInstanceFleets, every page of ListInstances (emr_cost's
reader, so cost and scaling see the same instances), GetManagedScalingPolicy, GetAutoTerminationPolicy, and
CloudWatch GetMetricData on the AWS/ElasticMapReduce metrics with the JobFlowId dimension, every page. IAM:
elasticmapreduce:Describe*/List*/Get* and cloudwatch:GetMetricData.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from emr_contract.scaling import AUTOSCALING_NAMESPACE
from emr_cost.timelines import describe_cluster

from .errors import InputError, ScalingError
from .observed import READ_METRICS, Observed

MAX_QUERIES = 500  # GetMetricData: "You can include up to 500 MetricDataQuery structures in one request"
# GetMetricData (API reference, MetricStat.Period): a start more than 15 days ago needs a multiple of 300 s, more than
# 63 days ago a multiple of 3600 s, "or no data points in that time range is returned".
RETAINED_PERIODS = ((timedelta(days=63), 3600), (timedelta(days=15), 300))
# EMR's answer for a cluster id it does not know (ValidationException for some operations: API common errors).
NOT_FOUND = ("InvalidRequestException", "ValidationException", "ResourceNotFoundException")


class AwsError(ScalingError):
    """AWS answered with an error that is not about the input (credentials, permissions, throttling)."""


def connect(region: str | None, profile: str | None) -> tuple[Callable[..., dict[str, Any]], Any, str]:
    """EMR's call(operation, **params) (emr-cost's, with a cluster EMR does not know as bad input) and a
    CloudWatch client, for ``region`` (or the AWS config's); AWS_ENDPOINT_URL reaches the local emulator."""
    import boto3
    from botocore.exceptions import ClientError

    from emr_cost.cluster_cmd import emr_call
    from emr_cost.errors import PriceSourceError

    emr, region_name = emr_call(region, profile)

    def call(operation: str, **params: Any) -> dict[str, Any]:
        try:
            return emr(operation, **params)
        except PriceSourceError as e:
            cause = e.__cause__
            if isinstance(cause, ClientError) and cause.response.get("Error", {}).get("Code") in NOT_FOUND:
                message = cause.response["Error"].get("Message") or cause.response["Error"]["Code"]
                raise InputError("CLUSTER", params.get("ClusterId"), f"EMR says: {message}") from e
            raise AwsError(str(e)) from e

    cloudwatch = boto3.session.Session(profile_name=profile, region_name=region_name).client("cloudwatch")
    return call, cloudwatch, region_name


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def retained_period(period: int, start: datetime, now: datetime) -> int:
    """The smallest period CloudWatch still answers for data that started at ``start``, at least ``period``."""
    for age, floor in RETAINED_PERIODS:
        if now - _utc(start) > age:
            return max(floor, -(-period // floor) * floor)
    return period


def read_observed(call: Callable[..., dict[str, Any]], cloudwatch: Any, region: str, cluster_id: str,
                  start: datetime | None, end: datetime | None, period_seconds: float | None,
                  clock_factor: float = 1.0, now: Callable[[], datetime] | None = None) -> Observed:
    """The cluster and its metrics over [start, end] (default: its life so far). ``period_seconds``: the metrics'
    period on the stretched clock (default 300, or 60 with managed scaling, EMR's cadences)."""
    description = describe_cluster(call, cluster_id)
    managed = call("GetManagedScalingPolicy", ClusterId=cluster_id).get("ManagedScalingPolicy") or None
    try:
        idle = call("GetAutoTerminationPolicy", ClusterId=cluster_id).get("AutoTerminationPolicy", {}).get("IdleTimeout")
    except (InputError, AwsError):
        idle = None  # releases before auto-termination answer with an error
    timeline = (description.cluster.get("Status") or {}).get("Timeline") or {}
    start = start or timeline.get("CreationDateTime")
    today = (now or utc_now)()
    end = end or timeline.get("EndDateTime") or today
    if start is None:
        raise InputError("--start", None, f"{cluster_id} has no CreationDateTime: give --start")
    if end <= start:
        raise InputError("--end", end.isoformat(), "must be after --start")
    wanted = max(1, round((period_seconds or (60.0 if managed else 300.0)) / clock_factor))
    period = retained_period(wanted, start, today)
    notes = () if period == wanted else (
        f"metrics read at {period} s, not {wanted} s: CloudWatch answers data from more than 15 days ago only at "
        "multiples of 300 s, from more than 63 days ago of 3600 s",)
    metrics = _metrics(cloudwatch, cluster_id, start, end, period)
    return Observed(cluster_id, region, start, end, period * clock_factor, description, managed, idle, metrics,
                    clock_factor, notes)


def _metrics(cloudwatch: Any, cluster_id: str, start: datetime, end: datetime,
             period: int) -> dict[str, list[tuple[datetime, float]]]:
    import botocore.exceptions

    queries = [{"Id": f"m{i}", "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": AUTOSCALING_NAMESPACE, "MetricName": name,
                   "Dimensions": [{"Name": "JobFlowId", "Value": cluster_id}]},
        "Period": period, "Stat": "Average"}} for i, name in enumerate(READ_METRICS)]
    names = {f"m{i}": name for i, name in enumerate(READ_METRICS)}
    out: dict[str, list[tuple[datetime, float]]] = {name: [] for name in READ_METRICS}
    params: dict[str, Any] = {"MetricDataQueries": queries[:MAX_QUERIES], "StartTime": start,
                              "EndTime": end + timedelta(seconds=period), "ScanBy": "TimestampAscending"}
    while True:
        try:
            page = cloudwatch.get_metric_data(**params)
        except botocore.exceptions.ClientError as e:
            error = e.response.get("Error", {})
            raise AwsError(f"GetMetricData: {error.get('Code')}: {error.get('Message')}") from e
        for result in page.get("MetricDataResults", []):
            series = out[names[result["Id"]]]
            series += [(_utc(t), float(v)) for t, v in zip(result.get("Timestamps", []), result.get("Values", []))]
        if not page.get("NextToken"):
            break
        params["NextToken"] = page["NextToken"]
    return {name: sorted(points) for name, points in out.items()}


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)
