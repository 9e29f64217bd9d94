"""CloudWatch alarm evaluation as the CloudWatch User Guide documents it (AlarmThatSendsEmail.html)."""
from __future__ import annotations

import pytest

from emr_scaling.policies.alarms import (ALARM, INSUFFICIENT_DATA, OK, AlarmDefinition, decide, evaluate,
                                         period_values, statistic)
from tests.emr_scaling.hand import series


def _points(text: str) -> list[bool | None]:
    return [None if c == "-" else c == "X" for c in text.split()]


# "How alarm state is evaluated when data is missing", first table: Datapoints to Alarm = Evaluation Periods = 3,
# evaluation range 5, the MISSING column (missing data treated as missing, EMR's default); most recent on the right.
@pytest.mark.parametrize("points,state", [
    ("0 - X - X", OK),
    ("0 - - - -", OK),
    ("- - - - -", INSUFFICIENT_DATA),
    ("0 X X - X", ALARM),
    ("- - X - -", ALARM),
])
def test_the_documented_missing_data_table(points, state):
    assert decide(_points(points), 3, current=OK) == state


@pytest.mark.parametrize("points", ["- - - - X", "- - - X -"])
def test_a_breach_too_recent_to_count_keeps_the_state(points):
    """CWA: "the alarm does not go immediately into ALARM state when the data is either - - - - X or - - - X -"."""
    assert decide(_points(points), 3, current=OK) == OK
    assert decide(_points(points), 3, current=INSUFFICIENT_DATA) == INSUFFICIENT_DATA


def test_one_evaluation_period_needs_one_breaching_point():
    assert decide(_points("- - X"), 1, current=OK) == ALARM
    assert decide(_points("X X 0"), 1, current=ALARM) == OK


def test_periods_slide_with_the_evaluation_minute():
    """CWA: with Period 300 and one evaluation period, "at the end of minute 6, the alarm is evaluated based on the
    data from minutes 2 to 6"."""
    alarm = AlarmDefinition("YARNMemoryAvailablePercentage", "LESS_THAN", 15, period=300, evaluation_periods=1)
    data = series({60: 50.0, 300: 10.0, 360: 90.0})
    assert period_values(alarm, data, 300)[-1] == pytest.approx(30.0)  # minutes 1-5: 50 and 10
    assert period_values(alarm, data, 360)[-1] == pytest.approx(50.0)  # minutes 2-6: 10 and 90
    assert evaluate(alarm, data, 300, OK) == OK
    one_minute = series({300: 10.0})
    assert evaluate(alarm, one_minute, 300, OK) == ALARM
    assert evaluate(alarm, one_minute, 600, ALARM) == ALARM  # still in the range: re-evaluated, as CWA warns
    assert evaluate(alarm, one_minute, 1500, ALARM) == INSUFFICIENT_DATA


@pytest.mark.parametrize("name,value", [("AVERAGE", 4.0), ("SUM", 12.0), ("MINIMUM", 2.0), ("MAXIMUM", 6.0),
                                        ("SAMPLE_COUNT", 3.0)])
def test_statistics(name, value):
    assert statistic([2.0, 4.0, 6.0], name) == value


def test_the_statistic_decides_on_one_minute_data():
    """With managed scaling EMR publishes every minute: a 300 s period holds five points and the Statistic matters."""
    data = series({60: 100.0, 120: 0.0, 180: 0.0, 240: 0.0, 300: 0.0})
    avg = AlarmDefinition("ContainerPendingRatio", "GREATER_THAN", 10, "AVERAGE")
    top = AlarmDefinition("ContainerPendingRatio", "GREATER_THAN", 10, "MAXIMUM")
    assert evaluate(avg, data, 300, OK) == ALARM and evaluate(top, data, 300, OK) == ALARM
    low = AlarmDefinition("ContainerPendingRatio", "GREATER_THAN", 30, "AVERAGE")
    assert evaluate(low, data, 300, OK) == OK  # average 20 is not above 30, the maximum 100 is


@pytest.mark.parametrize("comparison,value,breaches", [
    ("GREATER_THAN", 80, False), ("GREATER_THAN_OR_EQUAL", 80, True), ("LESS_THAN", 80, False),
    ("LESS_THAN_OR_EQUAL", 80, True), ("GREATER_THAN", 80.1, True), ("LESS_THAN", 79.9, True)])
def test_comparisons_at_the_threshold(comparison, value, breaches):
    assert AlarmDefinition("HDFSUtilization", comparison, 80).breaches(value) is breaches


def test_an_alarm_that_cannot_read_its_metric_stays_without_data():
    alarm = AlarmDefinition("TotalLoad", "GREATER_THAN", 1, readable=False)
    assert evaluate(alarm, series({300: 99.0}), 300, OK) == INSUFFICIENT_DATA
