"""EMR custom automatic scaling for an instance group: the policy as EMR's API takes it, and what one invocation
of its alarm actions does to the group's capacity.

EMR builds custom automatic scaling on Application Auto Scaling (AAS): its scalable dimension is
``elasticmapreduce:instancegroup:InstanceCount`` (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html)
and the automatic scaling role is assumed by application-autoscaling.amazonaws.com
(https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-iam-role-automatic-scaling.html). Pages quoted:
  SSPC  https://docs.aws.amazon.com/emr/latest/APIReference/API_SimpleScalingPolicyConfiguration.html
  SC    https://docs.aws.amazon.com/emr/latest/APIReference/API_ScalingConstraints.html
  EAS   https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-automatic-scaling.html
  AASS  https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-step-scaling-policies.html
  AAST  https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking.html
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emr_contract.scaling import (AUTOSCALING_ADJUSTMENT_TYPES, AUTOSCALING_COMPARISONS,
                                  AUTOSCALING_DEFAULT_COOLDOWN_SECONDS, AUTOSCALING_NAMESPACE,
                                  AUTOSCALING_PERIOD_SECONDS, AUTOSCALING_STATISTICS, METRICS)

from ..errors import InputError, problem
from .alarms import AlarmDefinition

if TYPE_CHECKING:
    from ..cluster.state import ClusterState, PoolState
    from .alarms import Series

CHANGE, PERCENT, EXACT = AUTOSCALING_ADJUSTMENT_TYPES
Emit = Callable[..., None]


@dataclass(frozen=True)
class Rule:
    name: str
    alarm: AlarmDefinition
    adjustment_type: str
    adjustment: int
    cooldown_seconds: int
    unit: str | None = None


@dataclass(frozen=True)
class CustomPolicy:
    """SC: "Automatic scaling activities triggered by automatic scaling rules will not cause an instance group to
    grow above or below these limits"."""

    min_capacity: int
    max_capacity: int
    rules: tuple[Rule, ...]


def target_capacity(current: int, rule: Rule, policy: CustomPolicy) -> int:
    """The capacity one invocation of ``rule`` asks for, clamped to the constraints.

    SSPC: CHANGE_IN_CAPACITY adds ScalingAdjustment; PERCENT_CHANGE_IN_CAPACITY changes the count "by the
    percentage specified by ScalingAdjustment"; EXACT_CAPACITY sets it. EMR does not say how a fractional
    percentage rounds: we use AAS's documented rule (AASS, "If the resulting value is not an integer ...
    Values greater than 1 are rounded down ... Values between 0 and 1 are rounded to 1 ... Values between 0 and
    -1 are rounded to -1 ... Values less than -1 are rounded up"), guess: EMR's policies are AAS policies.
    Clamping, AAS (getting-started): "If it falls outside of the minimum-maximum range, then the capacity is
    updated to comply with the set minimum and maximum."
    """
    if rule.adjustment_type == EXACT:
        wanted = rule.adjustment
    elif rule.adjustment_type == PERCENT:
        wanted = current + percent_change(current, rule.adjustment)
    else:
        wanted = current + rule.adjustment
    return max(policy.min_capacity, min(policy.max_capacity, wanted))


def percent_change(current: int, percent: int) -> int:
    """AASS's rounding of ``percent`` % of ``current`` (toward zero, but at least one either way)."""
    change = current * percent / 100
    if change == 0:
        return 0
    if 0 < change < 1:
        return 1
    if -1 < change < 0:
        return -1
    return math.floor(change) if change > 0 else math.ceil(change)


def winner(current: int, firing: Sequence[Rule], policy: CustomPolicy) -> tuple[Rule, int] | None:
    """Which of the rules whose alarms are in ALARM this minute acts, and the capacity it asks for.

    guess: EMR does not say; AAS (AAST): "If multiple scaling policies instruct the scalable target to scale out
    or in at the same time, Application Auto Scaling scales based on the policy that provides the largest
    capacity for both scale in and scale out." Ties go to the rule listed first. None when no rule would change
    the capacity (already at a constraint)."""
    best: tuple[Rule, int] | None = None
    for rule in firing:
        wanted = target_capacity(current, rule, policy)
        if wanted != current and (best is None or wanted > best[1]):
            best = (rule, wanted)
    return best


# ---- reading the policy (the AutoScalingPolicy shape of EMR's API, as in the stack or a file) ----------

def parse_policy(doc: Any, where: str, readable_metrics: frozenset[str] | None = None) -> CustomPolicy:
    """A CustomPolicy from EMR's AutoScalingPolicy JSON, refusing what EMR refuses, each error naming its field.
    ``readable_metrics``: the metrics the model publishes; a rule on another metric gets no data (warned)."""
    if not isinstance(doc, Mapping):
        raise problem(where, "must be an AutoScalingPolicy object (Constraints and Rules)")
    _only(doc, where, ("Constraints", "Rules"))
    constraints = _field(doc, where, "Constraints", Mapping)
    _only(constraints, f"{where}.Constraints", ("MinCapacity", "MaxCapacity"))
    lo = _int(constraints, f"{where}.Constraints", "MinCapacity", 0)
    hi = _int(constraints, f"{where}.Constraints", "MaxCapacity", 0)
    if lo > hi:
        raise InputError(f"{where}.Constraints.MinCapacity", lo, f"must not exceed MaxCapacity ({hi})")
    raw_rules = _field(doc, where, "Rules", list)
    rules = tuple(_rule(r, f"{where}.Rules[{i}]", readable_metrics) for i, r in enumerate(raw_rules))
    names = [r.name for r in rules]
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise InputError(f"{where}.Rules[{i}].Name", name, "rule names must be unique in a policy")
    return CustomPolicy(lo, hi, rules)


def _rule(raw: Any, where: str, readable_metrics: frozenset[str] | None) -> Rule:
    if not isinstance(raw, Mapping):
        raise problem(where, "must be a ScalingRule object")
    _only(raw, where, ("Name", "Description", "Action", "Trigger"))
    name = _field(raw, where, "Name", str)
    action = _field(raw, where, "Action", Mapping)
    _only(action, f"{where}.Action", ("Market", "SimpleScalingPolicyConfiguration"))
    simple = _field(action, f"{where}.Action", "SimpleScalingPolicyConfiguration", Mapping)
    sw = f"{where}.Action.SimpleScalingPolicyConfiguration"
    _only(simple, sw, ("AdjustmentType", "ScalingAdjustment", "CoolDown"))
    # SSPC AdjustmentType: optional; CHANGE_IN_CAPACITY is "the default".
    kind = simple.get("AdjustmentType", CHANGE)
    if kind not in AUTOSCALING_ADJUSTMENT_TYPES:
        raise InputError(f"{sw}.AdjustmentType", kind, f"must be one of {', '.join(AUTOSCALING_ADJUSTMENT_TYPES)}")
    adjustment = _int(simple, sw, "ScalingAdjustment", None)
    if kind == EXACT and adjustment < 0:
        raise InputError(f"{sw}.ScalingAdjustment", adjustment, "EXACT_CAPACITY must be a positive number")
    cooldown = _int(simple, sw, "CoolDown", 0, default=AUTOSCALING_DEFAULT_COOLDOWN_SECONDS)
    trigger = _field(raw, where, "Trigger", Mapping)
    _only(trigger, f"{where}.Trigger", ("CloudWatchAlarmDefinition",))
    return Rule(name, _alarm(_field(trigger, f"{where}.Trigger", "CloudWatchAlarmDefinition", Mapping),
                             f"{where}.Trigger.CloudWatchAlarmDefinition", readable_metrics),
                kind, adjustment, cooldown, simple.get("Unit"))


def _alarm(raw: Mapping[str, Any], where: str, readable_metrics: frozenset[str] | None) -> AlarmDefinition:
    """CWAD: ComparisonOperator, MetricName, Period and Threshold are required; EvaluationPeriods defaults to 1,
    Namespace to AWS/ElasticMapReduce and Statistic to AVERAGE."""
    _only(raw, where, ("ComparisonOperator", "EvaluationPeriods", "MetricName", "Namespace", "Period", "Statistic",
                       "Threshold", "Unit", "Dimensions"))
    comparison = _field(raw, where, "ComparisonOperator", str)
    if comparison not in AUTOSCALING_COMPARISONS:
        raise InputError(f"{where}.ComparisonOperator", comparison,
                         f"must be one of {', '.join(AUTOSCALING_COMPARISONS)}")
    metric = _field(raw, where, "MetricName", str)
    namespace = raw.get("Namespace", AUTOSCALING_NAMESPACE)
    statistic = raw.get("Statistic", "AVERAGE")
    if statistic not in AUTOSCALING_STATISTICS:
        raise InputError(f"{where}.Statistic", statistic, f"must be one of {', '.join(AUTOSCALING_STATISTICS)}")
    period = _int(raw, where, "Period", 1)
    threshold = raw.get("Threshold")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise InputError(f"{where}.Threshold", threshold, "must be a number")
    periods = _int(raw, where, "EvaluationPeriods", 1, default=1)
    unit = raw.get("Unit")
    known = METRICS.get(metric)
    # CWAD Unit: "must correspond to the units specified in the CloudWatch metric": another unit reads no data.
    readable = namespace == AUTOSCALING_NAMESPACE and known is not None and (
        unit is None or unit == known.autoscaling_unit) and (readable_metrics is None or metric in readable_metrics)
    # CWAD Period: "CloudWatch metrics for Amazon EMR are emitted every five minutes (300 seconds) ... specify 300".
    if period < AUTOSCALING_PERIOD_SECONDS and namespace == AUTOSCALING_NAMESPACE:
        readable = readable and period % 60 == 0
    return AlarmDefinition(metric, comparison, float(threshold), statistic, period, periods, readable)


def _only(raw: Mapping[str, Any], where: str, allowed: tuple[str, ...]) -> None:
    for key in raw:
        if key not in allowed:
            raise InputError(f"{where}.{key}", ..., f"unknown field (EMR's shape has {', '.join(allowed)})")


def _field(raw: Mapping[str, Any], where: str, key: str, kind: type) -> Any:
    if key not in raw:
        raise problem(f"{where}.{key}", "is required")
    value = raw[key]
    if not isinstance(value, kind) or (kind is str and not value):
        expected = {str: "a non-empty string", list: "a list", Mapping: "an object"}[kind]
        raise InputError(f"{where}.{key}", value, f"must be {expected}")
    return value


def _int(raw: Mapping[str, Any], where: str, key: str, minimum: int | None, *, default: int | None = None) -> int:
    if key not in raw:
        if default is not None:
            return default
        raise problem(f"{where}.{key}", "is required")
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{where}.{key}", value, "must be a whole number")
    if minimum is not None and value < minimum:
        raise InputError(f"{where}.{key}", value, f"must be at least {minimum}")
    return value


# ---- the policy at work ------------------------------------------------------------------------------

class CustomScaler:
    """Every instance group's rules, evaluated each minute on the published metrics.

    - CloudWatch evaluates each rule's alarm every minute, and "For Auto Scaling actions, the alarm continues to
      invoke the action once per minute that the alarm remains in the new state"
      (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html);
    - SSPC CoolDown: "The amount of time, in seconds, after a scaling activity completes before any further
      trigger-related scaling activities can start"; EAS: it applies "regardless of the rule that triggers it";
    - guess: an invocation while the group is RESIZING does nothing (EMR does not say; AAS reports
      TargetServicePutResourceAsUnscalable and retries while the alarm holds), so there is one scaling activity
      per group at a time.
    """

    def __init__(self, state: "ClusterState", series: Mapping[str, "Series"], decommission_timeout: float) -> None:
        self.state, self.series, self.decommission_timeout = state, series, decommission_timeout
        self._blocked: dict[str, str] = {}

    def evaluate(self, now: float, emit: "Emit") -> None:
        from .alarms import ALARM, INSUFFICIENT_DATA, evaluate, period_values
        for pool in self.state.pools:
            policy = pool.shape.policy
            if policy is None:
                continue
            firing = []
            for rule in policy.rules:
                before = pool.alarms.get(rule.name, INSUFFICIENT_DATA)
                after = evaluate(rule.alarm, self.series.get(rule.alarm.metric), now, before)
                pool.alarms[rule.name] = after
                if after != before:
                    emit(now, pool.name, "alarm", None, None, rule.name, f"{before} -> {after}")
                if after == ALARM:
                    firing.append(rule)
            if not firing:
                self._blocked.pop(pool.name, None)
                continue
            current = pool.units()
            if pool.activity is not None:
                self._block(now, pool.name, current, firing[0].name, "resizing", "the group is resizing", emit)
                continue
            if now < pool.cooldown_until:
                self._block(now, pool.name, current, firing[0].name, "cooldown",
                            f"cooldown for {(pool.cooldown_until - now) / 60:g} more min", emit)
                continue
            pick = winner(current, firing, policy)
            if pick is None:
                bound = "MaxCapacity" if current >= policy.max_capacity else "MinCapacity"
                self._block(now, pool.name, current, firing[0].name, "blocked", f"at {bound} ({current})", emit)
                continue
            rule, target = pick
            value = period_values(rule.alarm, self.series.get(rule.alarm.metric), now)[-1]
            why = f"{rule.alarm.metric} {rule.alarm.statistic.lower()} {value:g} {rule.alarm.comparison} " \
                  f"{rule.alarm.threshold:g}" if value is not None else f"{rule.alarm.metric} in ALARM"
            self._act(pool, rule, current, target, now, why, emit)

    def _act(self, pool: "PoolState", rule: Rule, current: int, target: int, now: float, why: str,
             emit: "Emit") -> None:
        from ..cluster.state import Activity
        self._blocked.pop(pool.name, None)
        if target > current:
            self.state.grow(pool, pool.shape.market, target - current, now)
            action = "scale_out"
        else:
            chosen, refusal = self.state.shrink(pool, current - target, now, self.decommission_timeout)
            if refusal:
                emit(now, pool.name, "blocked", current, current - len(chosen), rule.name, refusal.reason)
            if not chosen:
                return
            action = "scale_in"
        after = pool.units()
        pool.activity = Activity("rule", rule.name, now, current, after)
        pool.cooldown_seconds = rule.cooldown_seconds
        emit(now, pool.name, action, current, after, rule.name, why)

    def _block(self, now: float, pool: str, current: int, rule: str, action: str, reason: str,
               emit: "Emit") -> None:
        """``action``: resizing, cooldown (the routine waits) or blocked (a constraint); said once per episode."""
        if self._blocked.get(pool) != action:
            self._blocked[pool] = action
            emit(now, pool, action, current, current, rule, reason)
