"""CloudWatch metric alarms as EMR's custom automatic scaling creates them, evaluated exactly as CloudWatch
documents, on a clock passed in as seconds.

Pages (CloudWatch User Guide, "Using Amazon CloudWatch alarms",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html, quoted as CWA):
- CWA: "For any period of one minute or longer, an alarm is evaluated every minute and the evaluation is based on
  the window of time defined by the Period and Evaluation Periods ... at the end of minute 6, the alarm is
  evaluated based on the data from minutes 2 to 6." So the periods slide with the evaluation time.
- EMR's CloudWatchAlarmDefinition has no DatapointsToAlarm and no TreatMissingData
  (https://docs.aws.amazon.com/emr/latest/APIReference/API_CloudWatchAlarmDefinition.html): every one of the
  EvaluationPeriods must breach (DatapointsToAlarm = EvaluationPeriods, the PutMetricAlarm default) and missing
  data is treated as ``missing``, CloudWatch's default (PutMetricAlarm TreatMissingData: "If TreatMissingData is
  omitted, the default behavior of missing is used").
- Missing data, CWA "How alarm state is evaluated when data is missing": CloudWatch retrieves an *evaluation
  range* longer than EvaluationPeriods; with at least EvaluationPeriods real data points in it, the most recent
  of them decide; with none, INSUFFICIENT_DATA; with fewer, "alarms are designed to always go into ALARM state
  when the oldest available breaching datapoint during the Evaluation Periods number of data points is at least
  as old as the value of Datapoints to Alarm, and all other more recent data points are breaching or missing",
  and do not go to ALARM earlier ("- - - - X" stays). guess: CWA gives the range only for 3 evaluation periods
  (5 data points); we use EvaluationPeriods + 2 for every count, and keep the current state where CWA says only
  that the alarm "does not go immediately into ALARM".
"""
from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
STATES = (OK, ALARM, INSUFFICIENT_DATA)
EVALUATION_EVERY_SECONDS = 60  # CWA: "an alarm is evaluated every minute"
EXTRA_RANGE_PERIODS = 2  # guess: the evaluation range is EvaluationPeriods + 2 (CWA's example: 3 -> 5)

_COMPARE = {
    "GREATER_THAN_OR_EQUAL": lambda v, t: v >= t,
    "GREATER_THAN": lambda v, t: v > t,
    "LESS_THAN": lambda v, t: v < t,
    "LESS_THAN_OR_EQUAL": lambda v, t: v <= t,
}


@dataclass(frozen=True)
class AlarmDefinition:
    """One rule's Trigger.CloudWatchAlarmDefinition; ``readable`` False when the alarm can get no data (a
    Unit other than the metric's, or a metric the model does not publish)."""

    metric: str
    comparison: str
    threshold: float
    statistic: str = "AVERAGE"
    period: int = 300
    evaluation_periods: int = 1
    readable: bool = True

    def breaches(self, value: float) -> bool:
        return _COMPARE[self.comparison](value, self.threshold)


class Series:
    """One metric's data points, appended in time order: (timestamp seconds, value)."""

    __slots__ = ("times", "values")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.values: list[float] = []

    def add(self, t: float, value: float) -> None:
        self.times.append(t)
        self.values.append(value)

    def window(self, start: float, end: float) -> Sequence[float]:
        """Values with start < timestamp <= end (a period ending at ``end``)."""
        lo = bisect.bisect_right(self.times, start)
        hi = bisect.bisect_right(self.times, end)
        return self.values[lo:hi]


def statistic(values: Sequence[float], name: str) -> float:
    if name == "AVERAGE":
        return sum(values) / len(values)
    if name == "SUM":
        return float(sum(values))
    if name == "MINIMUM":
        return float(min(values))
    if name == "MAXIMUM":
        return float(max(values))
    if name == "SAMPLE_COUNT":
        return float(len(values))
    raise ValueError(f"unknown statistic {name!r}")


def period_values(alarm: AlarmDefinition, series: Series | None, now: float) -> list[float | None]:
    """The statistic of each period of the evaluation range, oldest first; None where no data point fell."""
    count = alarm.evaluation_periods + EXTRA_RANGE_PERIODS
    out: list[float | None] = []
    for k in range(count, 0, -1):
        values = series.window(now - k * alarm.period, now - (k - 1) * alarm.period) if series else ()
        out.append(statistic(values, alarm.statistic) if values else None)
    return out


def evaluate(alarm: AlarmDefinition, series: Series | None, now: float, current: str) -> str:
    """The alarm's state after its evaluation at ``now`` (CWA, missing data treated as missing)."""
    if not alarm.readable:
        return INSUFFICIENT_DATA
    points = period_values(alarm, series, now)
    return decide([None if v is None else alarm.breaches(v) for v in points], alarm.evaluation_periods, current)


def decide(breaching: Sequence[bool | None], evaluation_periods: int, current: str) -> str:
    """CWA's rule on the evaluation range (oldest first): True breaching, False not, None missing."""
    real = [b for b in breaching if b is not None]
    if not real:
        return INSUFFICIENT_DATA
    if len(real) >= evaluation_periods:
        return ALARM if all(real[-evaluation_periods:]) else OK
    if not all(real):
        return OK
    # Fewer real points than EvaluationPeriods, all breaching: ALARM once the oldest breaching point within the
    # last EvaluationPeriods positions is at least EvaluationPeriods old (DatapointsToAlarm = EvaluationPeriods).
    recent = list(breaching[-evaluation_periods:])
    if recent and recent[0] is True:
        return ALARM
    return current
