"""Custom automatic scaling for core and task instance groups: typed rules, canonical JSON.

EMR evaluates each rule as a CloudWatch alarm on the cluster's own metrics (period fixed at
300 s). The JSON spells out every default in a stable key order, so ``terraform plan`` shows no
perpetual diff. It names no ``Dimensions``: EMR scopes each alarm to the cluster (``JobFlowId``)
by itself, and hashicorp/aws strips that dimension from what it reads back, so writing it would
show as a change on every plan.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

from .. import facts
from ..validation.checker import Checker, is_token

# The facts (each with its AWS page) live in facts/; these names are kept for callers.
PERIOD_SECONDS = facts.AUTOSCALING_PERIOD_SECONDS
NAMESPACE = facts.AUTOSCALING_NAMESPACE
COMPARISONS = facts.AUTOSCALING_COMPARISONS
STATISTICS = facts.AUTOSCALING_STATISTICS
ADJUSTMENT_TYPES = facts.AUTOSCALING_ADJUSTMENT_TYPES
UNITS = facts.AUTOSCALING_UNITS
# The EMR metrics a rule on an instance group may watch: every AWS/ElasticMapReduce metric but those EMR
# publishes only for instance fleets (custom automatic scaling is for instance groups only).
EMR_METRICS = tuple(name for name in facts.METRICS if facts.metric_usable_in_autoscaling(name) is not False)


@dataclass(frozen=True, kw_only=True)
class ScalingRule:
    name: str
    metric: str
    comparison: str
    threshold: float
    adjustment: int
    adjustment_type: str = "CHANGE_IN_CAPACITY"
    evaluation_periods: int = 1
    statistic: str = "AVERAGE"
    # None: the metric's own unit (CWAD Unit "must correspond to the units specified in the CloudWatch
    # metric"; a PERCENT rule on a Count metric never leaves INSUFFICIENT_DATA).
    unit: Optional[str] = None
    cooldown_seconds: int = 300
    description: str = ""

    @property
    def alarm_unit(self) -> str:
        if self.unit is not None:
            return self.unit
        return facts.METRICS[self.metric].autoscaling_unit if self.metric in facts.METRICS else "NONE"

    def to_api(self) -> dict[str, Any]:
        return {
            "Name": self.name,
            "Description": self.description or f"{self.metric} {self.comparison} {self.threshold:g}",
            "Action": {
                "SimpleScalingPolicyConfiguration": {
                    "AdjustmentType": self.adjustment_type,
                    "ScalingAdjustment": self.adjustment,
                    "CoolDown": self.cooldown_seconds,
                }
            },
            "Trigger": {
                "CloudWatchAlarmDefinition": {
                    "ComparisonOperator": self.comparison,
                    "EvaluationPeriods": self.evaluation_periods,
                    "MetricName": self.metric,
                    "Namespace": NAMESPACE,
                    "Period": PERIOD_SECONDS,
                    "Statistic": self.statistic,
                    "Threshold": self.threshold if is_token(self.threshold) else float(self.threshold),
                    "Unit": self.alarm_unit,
                }
            },
        }


@dataclass(frozen=True, kw_only=True)
class AutoScalingPolicy:
    min_capacity: int
    max_capacity: int
    rules: tuple[ScalingRule, ...]

    def to_api(self) -> dict[str, Any]:
        return {
            "Constraints": {"MinCapacity": self.min_capacity, "MaxCapacity": self.max_capacity},
            "Rules": [rule.to_api() for rule in self.rules],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_api(), separators=(",", ":"))


def check_autoscaling_policy(c: Checker, where: str, policy: AutoScalingPolicy) -> None:
    c.int_range(f"{where}.min_capacity", policy.min_capacity, 0)
    c.int_range(f"{where}.max_capacity", policy.max_capacity, 1)
    if isinstance(policy.min_capacity, int) and isinstance(policy.max_capacity, int):
        c.check(policy.min_capacity <= policy.max_capacity, f"{where}.min_capacity", policy.min_capacity,
                f"must not exceed max_capacity ({policy.max_capacity})")
    c.check(len(policy.rules) > 0, f"{where}.rules", policy.rules, "must hold at least one rule")
    names = [r.name for r in policy.rules]
    for i, rule in enumerate(policy.rules):
        item = f"{where}.rules[{i}]"
        c.matches(f"{item}.name", rule.name, r"[\w .:-]{1,256}", "must be 1-256 letters, digits, spaces or .:_-")
        c.check(names.count(rule.name) == 1, f"{item}.name", rule.name, "rule names must be unique in a policy")
        if isinstance(rule.metric, str) and facts.metric_usable_in_autoscaling(rule.metric) is False:
            c.fail(f"{item}.metric", rule.metric, "EMR publishes it for instance fleets only; custom automatic "
                   "scaling is for instance groups (MG UsingEMR_ViewingMetrics, managed-scaling-metrics)")
        else:
            c.one_of(f"{item}.metric", rule.metric, EMR_METRICS)
        c.one_of(f"{item}.comparison", rule.comparison, COMPARISONS)
        c.one_of(f"{item}.statistic", rule.statistic, STATISTICS)
        c.one_of(f"{item}.unit", rule.unit, UNITS)
        metric = facts.METRICS.get(rule.metric) if isinstance(rule.metric, str) else None
        if metric is not None and rule.unit in UNITS and rule.unit != metric.autoscaling_unit:
            # CWAD Unit: "must correspond to the units specified in the CloudWatch metric"
            # (https://docs.aws.amazon.com/emr/latest/APIReference/API_CloudWatchAlarmDefinition.html).
            c.fail(f"{item}.unit", rule.unit, f"{rule.metric} is published in {metric.unit} "
                   f"({metric.autoscaling_unit}): an alarm in another unit gets no data and never fires; "
                   "leave unit unset to use the metric's own")
        c.one_of(f"{item}.adjustment_type", rule.adjustment_type, ADJUSTMENT_TYPES)
        c.check(isinstance(rule.threshold, (int, float)) and rule.threshold >= 0, f"{item}.threshold",
                rule.threshold, "must be a number >= 0")
        c.int_range(f"{item}.evaluation_periods", rule.evaluation_periods, 1)
        c.int_range(f"{item}.cooldown_seconds", rule.cooldown_seconds, 0)
        if rule.adjustment_type == "EXACT_CAPACITY":
            c.int_range(f"{item}.adjustment", rule.adjustment, 0)
        elif rule.adjustment_type == "PERCENT_CHANGE_IN_CAPACITY":
            c.int_range(f"{item}.adjustment", rule.adjustment, -100)
            c.check(rule.adjustment != 0, f"{item}.adjustment", rule.adjustment, "a change of 0 does nothing")
        else:
            c.check(isinstance(rule.adjustment, int) and rule.adjustment != 0, f"{item}.adjustment",
                    rule.adjustment, "must be a non-zero whole number of instances")


# Presets for the documented recipes: task nodes follow YARN, core nodes follow HDFS.
def scale_out_on_low_yarn_memory(threshold: float = 15, adjustment: int = 1) -> ScalingRule:
    return ScalingRule(name="scale-out-yarn-memory", metric="YARNMemoryAvailablePercentage",
                       comparison="LESS_THAN", threshold=threshold, adjustment=adjustment,
                       description=f"Add nodes when available YARN memory drops below {threshold:g}%")


def scale_out_on_pending_containers(threshold: float = 0.75, adjustment: int = 1) -> ScalingRule:
    return ScalingRule(name="scale-out-pending-containers", metric="ContainerPendingRatio",
                       comparison="GREATER_THAN", threshold=threshold, adjustment=adjustment,
                       description=f"Add nodes when pending/allocated containers exceed {threshold:g}")


def scale_in_on_idle_yarn_memory(threshold: float = 75, adjustment: int = -1) -> ScalingRule:
    return ScalingRule(name="scale-in-yarn-memory", metric="YARNMemoryAvailablePercentage",
                       comparison="GREATER_THAN", threshold=threshold, adjustment=adjustment,
                       description=f"Remove nodes when available YARN memory exceeds {threshold:g}%")


def scale_out_on_hdfs_utilization(threshold: float = 80, adjustment: int = 1) -> ScalingRule:
    return ScalingRule(name="scale-out-hdfs", metric="HDFSUtilization", comparison="GREATER_THAN",
                       threshold=threshold, adjustment=adjustment,
                       description=f"Add core nodes when HDFS utilization exceeds {threshold:g}%")


def task_policy(min_capacity: int, max_capacity: int) -> AutoScalingPolicy:
    """Task nodes: out on low YARN memory or pending containers, in when YARN memory is idle."""
    return AutoScalingPolicy(min_capacity=min_capacity, max_capacity=max_capacity, rules=(
        scale_out_on_low_yarn_memory(), scale_out_on_pending_containers(), scale_in_on_idle_yarn_memory()))


def core_policy(min_capacity: int, max_capacity: int) -> AutoScalingPolicy:
    """Core nodes: out when HDFS fills up. No scale-in rule: shrinking HDFS is slow and risky."""
    return AutoScalingPolicy(min_capacity=min_capacity, max_capacity=max_capacity,
                             rules=(scale_out_on_hdfs_utilization(),))
