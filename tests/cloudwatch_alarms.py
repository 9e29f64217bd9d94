"""A strict model of how CloudWatch evaluates the alarms we synthesize, over a timeline of EMR datapoints.

Only what our alarms use is modelled; anything else raises, so a new kind of alarm must extend the model
before a test can pass with it. Rules (Amazon CloudWatch User Guide, "Using Amazon CloudWatch alarms",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html):
- "Evaluation Periods is the number of the most recent periods ... to evaluate"; "Datapoints to Alarm is the
  number of data points within the Evaluation Periods that must be breaching" (default: all of them);
- "notBreaching – Missing data points are treated as 'good' and within the threshold";
  "breaching – Missing data points are treated as 'bad' and breaching the threshold".
- Metric math: an expression over series has a value only where its inputs have one.
EMR publishes one datapoint per metric every five minutes (metrics.PERIOD_SECONDS), so each period of a
timeline holds at most one value per metric; a period without the metric has no datapoint at all (and
no SampleCount either: CloudWatch returns nothing, not 0).
"""
from __future__ import annotations

import re
from typing import Optional

from emr_constructs.monitoring.metrics import NAMESPACE, PERIOD_SECONDS

Timeline = list[dict[str, float]]  # one {metric name: value} per five-minute period
_OPERATORS = {
    "GreaterThanThreshold": lambda v, t: v > t,
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}
_DIFFERENCE = re.compile(r"\s*([a-z]\w*)\s*-\s*([a-z]\w*)\s*")


def _metric_values(metric: dict, statistic: str, timeline: Timeline) -> list[Optional[float]]:
    if metric.get("namespace") != NAMESPACE:
        raise NotImplementedError(f"namespace {metric.get('namespace')!r}")
    if int(metric.get("period", 0)) != PERIOD_SECONDS:
        raise NotImplementedError(f"period {metric.get('period')!r}: EMR publishes every {PERIOD_SECONDS} s")
    if statistic not in ("Average", "Minimum", "Maximum", "Sum", "SampleCount"):
        raise NotImplementedError(f"statistic {statistic!r}")
    name = metric["metric_name"]
    return [(1.0 if statistic == "SampleCount" else float(p[name])) if name in p else None for p in timeline]


def datapoints(alarm: dict, timeline: Timeline) -> list[Optional[float]]:
    """The value the alarm sees in each period (None: no datapoint)."""
    if "metric_query" not in alarm:
        return _metric_values(alarm, alarm["statistic"], timeline)
    queries = {q["id"]: q for q in alarm["metric_query"]}
    returned = [q for q in alarm["metric_query"] if q.get("return_data")]
    if len(returned) != 1 or "expression" not in returned[0]:
        raise NotImplementedError("one returned expression expected")
    match = _DIFFERENCE.fullmatch(returned[0]["expression"])
    if not match:
        raise NotImplementedError(f"expression {returned[0]['expression']!r}")
    series = []
    for query_id in match.groups():
        (metric,) = queries[query_id]["metric"]
        series.append(_metric_values(metric, metric["stat"], timeline))
    return [a - b if a is not None and b is not None else None for a, b in zip(*series)]


def states(alarm: dict, timeline: Timeline) -> list[str]:
    """The alarm's state at the end of each period: ALARM or OK (INSUFFICIENT_DATA is not modelled: our
    alarms all treat missing data as a value)."""
    missing = alarm.get("treat_missing_data", "missing")
    if missing not in ("notBreaching", "breaching"):
        raise NotImplementedError(f"treat_missing_data {missing!r}")
    compare = _OPERATORS[alarm["comparison_operator"]]
    threshold = float(alarm["threshold"])
    n = int(alarm["evaluation_periods"])
    m = int(alarm.get("datapoints_to_alarm", n))
    bad = [compare(v, threshold) if v is not None else missing == "breaching" for v in datapoints(alarm, timeline)]
    return ["ALARM" if sum(bad[max(0, i - n + 1):i + 1]) >= m and i + 1 >= n else "OK" for i in range(len(bad))]


def fires(alarm: dict, timeline: Timeline) -> bool:
    return "ALARM" in states(alarm, timeline)


def metric_names(alarm: dict) -> list[str]:
    if "metric_query" not in alarm:
        return [alarm["metric_name"]]
    return [q["metric"][0]["metric_name"] for q in alarm["metric_query"] if "metric" in q]
