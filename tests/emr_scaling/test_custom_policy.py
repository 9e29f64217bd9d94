"""Custom automatic scaling rules: reading EMR's AutoScalingPolicy, adjustments, rounding, constraints."""
from __future__ import annotations

import pytest

from emr_scaling.errors import InputError
from emr_scaling.policies.custom import parse_policy, percent_change, target_capacity, winner
from tests.emr_scaling.hand import policy, rule


@pytest.mark.parametrize("current,percent,change", [
    (10, 10, 1),     # AASS: "If the current capacity is 10 and the adjustment is 10 percent ... adds 1"
    (11, 30, 3),     # AASS worked example: "add 30 percent of 11, 3.3, rounded down to 3"
    (14, -10, -1),   # "remove 10 percent of 14, 1.4, rounded down to 1"
    (13, -30, -3),   # "remove 30 percent of 13, 3.9, rounded down to 3"
    (127, 10, 12),   # "12.7 is rounded to 12"
    (3, 22, 1),      # ".67 is rounded to 1"
    (2, -29, -1),    # "-.58 is rounded to -1"
    (23, -29, -6),   # "-6.67 is rounded to -6"
    (0, 50, 0),      # 50 % of nothing
])
def test_percent_rounds_as_application_auto_scaling_documents(current, percent, change):
    assert percent_change(current, percent) == change


def test_adjustment_types_and_the_constraints():
    p = parse_policy(policy(1, 10, rule("add", "IsIdle", "LESS_THAN", 1, 3), rule("exact", "IsIdle", "LESS_THAN", 1, 7,
                                                                                 kind="EXACT_CAPACITY"),
                            rule("pct", "IsIdle", "LESS_THAN", 1, -50, kind="PERCENT_CHANGE_IN_CAPACITY")), "g")
    add, exact, pct = p.rules
    assert target_capacity(4, add, p) == 7
    assert target_capacity(9, add, p) == 10  # clamped to MaxCapacity
    assert target_capacity(2, exact, p) == 7
    assert target_capacity(3, pct, p) == 2  # -1.5 rounds up to -1
    assert target_capacity(1, pct, p) == 1  # -0.5 -> -1, clamped to MinCapacity


def test_the_rule_giving_the_largest_capacity_wins():
    """AAST: "scales based on the policy that provides the largest capacity for both scale in and scale out"."""
    p = parse_policy(policy(0, 20, rule("small", "IsIdle", "LESS_THAN", 1, 1), rule("big", "IsIdle", "LESS_THAN", 1, 4),
                            rule("in", "IsIdle", "LESS_THAN", 1, -2), rule("in-less", "IsIdle", "LESS_THAN", 1, -1)), "g")
    small, big, scale_in, in_less = p.rules
    assert winner(5, [small, big, scale_in], p) == (big, 9)
    assert winner(5, [scale_in, in_less], p) == (in_less, 4)  # scaling in: the smaller cut is the larger capacity
    assert winner(20, [small], p) is None  # already at MaxCapacity: nothing to do


def test_defaults_follow_emr_api():
    """CWAD: EvaluationPeriods 1, Statistic AVERAGE; SSPC: AdjustmentType CHANGE_IN_CAPACITY, CoolDown 0."""
    raw = {"Name": "r", "Action": {"SimpleScalingPolicyConfiguration": {"ScalingAdjustment": 1}},
           "Trigger": {"CloudWatchAlarmDefinition": {"ComparisonOperator": "GREATER_THAN", "MetricName": "AppsPending",
                                                     "Period": 300, "Threshold": 2}}}
    r = parse_policy({"Constraints": {"MinCapacity": 0, "MaxCapacity": 3}, "Rules": [raw]}, "g").rules[0]
    assert (r.adjustment_type, r.cooldown_seconds, r.alarm.evaluation_periods, r.alarm.statistic) == \
        ("CHANGE_IN_CAPACITY", 0, 1, "AVERAGE")


def test_an_alarm_in_another_unit_cannot_read_its_metric():
    """CWAD Unit "must correspond to the units specified in the CloudWatch metric": PERCENT on a Count metric."""
    doc = policy(0, 3, rule("r", "ContainerPendingRatio", "GREATER_THAN", 1, 1))
    doc["Rules"][0]["Trigger"]["CloudWatchAlarmDefinition"]["Unit"] = "PERCENT"
    assert parse_policy(doc, "g").rules[0].alarm.readable is False
    doc["Rules"][0]["Trigger"]["CloudWatchAlarmDefinition"]["Unit"] = "COUNT"
    assert parse_policy(doc, "g").rules[0].alarm.readable is True


@pytest.mark.parametrize("edit,field", [
    (lambda d: d["Constraints"].update(MinCapacity=5, MaxCapacity=2), "g.Constraints.MinCapacity"),
    (lambda d: d["Constraints"].update(MinCapacity=-1), "g.Constraints.MinCapacity"),
    (lambda d: d["Rules"][0]["Action"]["SimpleScalingPolicyConfiguration"].update(AdjustmentType="PERCENT"),
     "g.Rules[0].Action.SimpleScalingPolicyConfiguration.AdjustmentType"),
    (lambda d: d["Rules"][0]["Trigger"]["CloudWatchAlarmDefinition"].update(ComparisonOperator=">"),
     "g.Rules[0].Trigger.CloudWatchAlarmDefinition.ComparisonOperator"),
    (lambda d: d["Rules"][0]["Trigger"]["CloudWatchAlarmDefinition"].update(Statistic="P99"),
     "g.Rules[0].Trigger.CloudWatchAlarmDefinition.Statistic"),
    (lambda d: d["Rules"][0]["Trigger"]["CloudWatchAlarmDefinition"].update(Threshold="high"),
     "g.Rules[0].Trigger.CloudWatchAlarmDefinition.Threshold"),
    (lambda d: d["Rules"][0]["Trigger"]["CloudWatchAlarmDefinition"].pop("MetricName"),
     "g.Rules[0].Trigger.CloudWatchAlarmDefinition.MetricName"),
    (lambda d: d["Rules"][0].update(Colour="red"), "g.Rules[0].Colour"),
    (lambda d: d["Rules"].append(dict(d["Rules"][0])), "g.Rules[1].Name"),
    (lambda d: d["Rules"][0]["Action"]["SimpleScalingPolicyConfiguration"].update(
        AdjustmentType="EXACT_CAPACITY", ScalingAdjustment=-1), "g.Rules[0].Action.SimpleScalingPolicyConfiguration"
                                                                 ".ScalingAdjustment"),
])
def test_what_emr_refuses_is_refused_naming_the_field(edit, field):
    doc = policy(0, 3, rule("r", "YARNMemoryAvailablePercentage", "LESS_THAN", 15, 1))
    edit(doc)
    with pytest.raises(InputError) as e:
        parse_policy(doc, "g")
    assert e.value.field == field
    assert str(e.value).startswith(field)
