"""The policy reader against EMR's own API model (botocore's emr/2009-03-31 service model, the text of the API
Reference): the enums it accepts are EMR's, the fields it reads are the shape's, and what botocore's validator
accepts, it accepts."""
from __future__ import annotations

import botocore.session
import pytest
from botocore.validate import ParamValidator

from emr_contract import scaling
from emr_scaling.errors import InputError
from emr_scaling.policies.custom import parse_policy
from tests.emr_scaling.hand import policy, rule

MODEL = botocore.session.get_session().get_service_model("emr")


def _enum(shape: str) -> set[str]:
    return set(MODEL.shape_for(shape).enum)


def test_the_enums_are_emrs():
    assert set(scaling.AUTOSCALING_COMPARISONS) == _enum("ComparisonOperator")
    assert set(scaling.AUTOSCALING_STATISTICS) == _enum("Statistic")
    assert set(scaling.AUTOSCALING_ADJUSTMENT_TYPES) == _enum("AdjustmentType")
    assert set(scaling.AUTOSCALING_UNITS) == _enum("Unit")


def test_the_fields_read_are_the_shapes():
    shape = MODEL.shape_for("AutoScalingPolicy")
    assert set(shape.members) == {"Constraints", "Rules"}
    alarm = MODEL.shape_for("CloudWatchAlarmDefinition")
    assert set(alarm.required_members) == {"ComparisonOperator", "MetricName", "Period", "Threshold"}
    simple = MODEL.shape_for("SimpleScalingPolicyConfiguration")
    assert set(simple.members) == {"AdjustmentType", "ScalingAdjustment", "CoolDown"}
    assert set(simple.required_members) == {"ScalingAdjustment"}


@pytest.mark.parametrize("doc", [
    policy(0, 3, rule("r", "YARNMemoryAvailablePercentage", "LESS_THAN", 15, 1)),
    policy(1, 9, rule("a", "ContainerPendingRatio", "GREATER_THAN", 0.5, 50, kind="PERCENT_CHANGE_IN_CAPACITY",
                      periods=3, cooldown=120, statistic="MAXIMUM"), rule("b", "IsIdle", "GREATER_THAN", 0, 2,
                                                                           kind="EXACT_CAPACITY")),
    {"Constraints": {"MinCapacity": 0, "MaxCapacity": 1}, "Rules": [{
        "Name": "minimal", "Action": {"SimpleScalingPolicyConfiguration": {"ScalingAdjustment": 1}},
        "Trigger": {"CloudWatchAlarmDefinition": {"ComparisonOperator": "GREATER_THAN", "MetricName": "AppsPending",
                                                  "Period": 300, "Threshold": 1,
                                                  "Dimensions": [{"Key": "JobFlowId", "Value": "${emr.clusterId}"}]}}}]},
])
def test_what_botocore_accepts_is_read(doc):
    report = ParamValidator().validate(doc, MODEL.shape_for("AutoScalingPolicy"))
    assert not report.has_errors(), report.generate_report()
    parse_policy(doc, "g")


def test_what_botocore_refuses_is_refused():
    doc = policy(0, 3, rule("r", "IsIdle", "GREATER_THAN", 0, 1))
    del doc["Rules"][0]["Trigger"]["CloudWatchAlarmDefinition"]["Period"]
    assert ParamValidator().validate(doc, MODEL.shape_for("AutoScalingPolicy")).has_errors()
    with pytest.raises(InputError, match="Period: is required"):
        parse_policy(doc, "g")
