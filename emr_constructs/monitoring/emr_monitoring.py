"""Alarms, an EventBridge rule and a CloudWatch dashboard for one EMR cluster.

What notifies, and why no alarm fires when a cluster ends normally:
- Alarms (all ``treat_missing_data = notBreaching``: a terminated cluster publishes nothing, and that
  must read as "fine"): idle for too long, HDFS nearly full, unhealthy nodes, plus what the scaling
  mode makes meaningful (core nodes stuck pending on instance groups, managed scaling unable to get the
  capacity it asked for).
- An abnormal end (state TERMINATED_WITH_ERRORS) arrives as an "EMR Cluster State Change" event that an
  EventBridge rule forwards to the topic. This replaces the old "metrics missing" alarm (SampleCount < 1,
  missing = breaching), which fired on every normal termination and then stayed in ALARM: a metric
  cannot tell a cluster that ended as planned from one that died; the event's state can.
- The idle alarm of a cluster that auto-terminates when idle looks further back than the idle timeout,
  so it fires only when the auto-termination did not happen.

Everything notifies one SNS topic: one you bring, or an encrypted one created here, which e-mail
addresses can be subscribed to (``alarm_emails``).
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Optional

from ..cdk import Annotations
from constructs import Construct

from emr_contract import events

from ..terraform.base import Scope
from .metrics import (
    NAMESPACE,
    PERIOD_SECONDS,
    SCALER_MANAGED,
    Panel,
    ScalingMode,
    managed_capacity_metric,
    panels_for,
)
from ..security.policy import Statement, policy_document
from ..terraform.resources import (
    CloudwatchDashboard,
    CloudwatchEventRule,
    CloudwatchEventTarget,
    CloudwatchMetricAlarm,
    KmsKey,
    SnsTopic,
    SnsTopicPolicy,
    SnsTopicSubscription,
)
from ..validation.checker import Checker

DEFAULT_IDLE_PERIODS = 6
# PutMetricAlarm, EvaluationPeriods: "An alarm's total current evaluation period can be no longer than one
# day, so this number multiplied by Period cannot be more than 86,400 seconds."
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
MAX_EVALUATION_PERIODS = 86_400 // PERIOD_SECONDS
# How long past its idle timeout a cluster may still report IsIdle = 1 while it terminates: a guess (no AWS
# page gives it): IsIdle is sampled every 5 minutes and termination takes a few more.
AUTO_TERMINATION_MARGIN_PERIODS = 3
# Core nodes pending, or managed scaling short of what it requested, for this long is not a normal start
# or resize: a guess of ours (instance groups and fleets usually provision within 15 minutes).
STUCK_PERIODS = 6
# A deliberately simple address check (one @, a dot in the domain, no spaces); SNS sends a confirmation
# mail, which is the real check. RFC 5321 caps an address at 254 characters.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
MAX_EMAIL_LENGTH = 254
# EventBridge rule names: 1-64 characters of [.\-_A-Za-z0-9]
# (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html).
_RULE_NAME_DISALLOWED = re.compile(r"[^.\-_A-Za-z0-9]")
MAX_RULE_NAME = 64


@dataclass(frozen=True, kw_only=True)
class MonitoringProps:
    # Five-minute periods of IsIdle = 1 before the idle alarm fires. Default: 6 (30 minutes), or, on a
    # cluster with idle auto-termination, a little longer than its idle timeout.
    idle_periods: Optional[int] = None
    hdfs_utilization_percent: float = 80
    alarm_topic_arn: Optional[str] = None
    create_alarm_topic: bool = True
    # Subscribed to the alarm topic with protocol "email"; each address confirms by mail first.
    alarm_emails: tuple[str, ...] = ()
    dashboard: bool = True


def validate_monitoring_props(props: MonitoringProps, scaling: ScalingMode = ScalingMode()) -> None:
    c = Checker()
    if props.idle_periods is not None:
        c.int_range("idle_periods", props.idle_periods, 1, MAX_EVALUATION_PERIODS)
    c.check(isinstance(props.hdfs_utilization_percent, (int, float)) and 0 < props.hdfs_utilization_percent < 100,
            "hdfs_utilization_percent", props.hdfs_utilization_percent, "must be a percentage between 0 and 100")
    c.matches("alarm_topic_arn", props.alarm_topic_arn, r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+",
              "must be an SNS topic ARN")
    c.check(not (props.alarm_topic_arn and props.create_alarm_topic), "create_alarm_topic", True,
            "pass alarm_topic_arn or create_alarm_topic=True, not both")
    if c.check(isinstance(props.alarm_emails, (tuple, list)), "alarm_emails", props.alarm_emails,
               "must be a tuple of e-mail addresses"):
        seen: set[str] = set()
        for i, address in enumerate(props.alarm_emails):
            field = f"alarm_emails[{i}]"
            if c.check(isinstance(address, str) and len(address) <= MAX_EMAIL_LENGTH and EMAIL.fullmatch(address),
                       field, address, f"must be an e-mail address (name@domain, at most {MAX_EMAIL_LENGTH} characters)"):
                if isinstance(address, str):
                    c.check(address.lower() not in seen, field, address, "is listed twice")
                    seen.add(address.lower())
        c.check(not props.alarm_emails or props.create_alarm_topic or props.alarm_topic_arn, "alarm_emails",
                tuple(props.alarm_emails), "there is no topic to subscribe them to: create_alarm_topic=True or "
                                           "pass alarm_topic_arn")
    for field, value, rule in scaling.problems():
        c.fail(field, value, rule)
    c.raise_if_any("monitoring props")


def idle_alarm_periods(idle_periods: Optional[int], idle_timeout_seconds: Optional[int]) -> tuple[Optional[int], Optional[str]]:
    """(evaluation periods of the idle alarm, or None for no idle alarm; a warning, or None).

    A cluster that auto-terminates after ``idle_timeout_seconds`` idle reports IsIdle = 1 for that long
    on every normal end, so an idle alarm must look further back than the timeout, or it fires each time.
    """
    if not idle_timeout_seconds:
        return (idle_periods or DEFAULT_IDLE_PERIODS), None
    needed = math.ceil(idle_timeout_seconds / PERIOD_SECONDS) + AUTO_TERMINATION_MARGIN_PERIODS
    if needed > MAX_EVALUATION_PERIODS:
        return None, (f"no idle alarm: the cluster ends itself after {idle_timeout_seconds} s idle, longer than "
                      f"the one day an alarm can look back; the auto-termination already stops idle costs")
    if idle_periods is not None and idle_periods < needed:
        return needed, (f"idle_periods={idle_periods} ({idle_periods * PERIOD_SECONDS // 60} min) would fire on every "
                        f"normal idle end (auto-termination after {idle_timeout_seconds} s): raised to {needed} periods")
    return (idle_periods or needed), None


def cluster_end_pattern(cluster_id: str) -> dict:
    """The EventBridge pattern of this cluster ending abnormally (TERMINATED_WITH_ERRORS), never normally.

    Field names and values are emr_contract.events' (the documented "EMR Cluster State Change" event).
    The state is matched, not stateChangeReason's code: that field is a JSON document encoded as a string.
    """
    return {
        "source": [events.SOURCE],
        "detail-type": [events.CLUSTER_STATE_CHANGE],
        "detail": {events.DETAIL_CLUSTER_ID: [cluster_id], events.DETAIL_STATE: [events.ABNORMAL_END]},
    }


def rule_name(cluster_name: str, suffix: str = "-emr-ended-with-errors") -> str:
    """An EventBridge rule name (1-64 of [.-_A-Za-z0-9]) for the cluster; long names keep a digest."""
    base = _RULE_NAME_DISALLOWED.sub("-", cluster_name)
    name = base + suffix
    if len(name) <= MAX_RULE_NAME:
        return name
    digest = hashlib.sha256(cluster_name.encode()).hexdigest()[:8]
    return f"{base[:MAX_RULE_NAME - len(suffix) - 9]}-{digest}{suffix}"


def _subscription_id(address: str) -> str:
    """A construct id per address that does not move when the list is reordered."""
    return "alarm-email-" + hashlib.sha256(address.lower().encode()).hexdigest()[:10]


class EmrMonitoring(Scope):
    """Exposes ``alarms`` (by name), ``topic``, ``topic_key``, ``topic_policy``, ``subscriptions`` (by
    address), ``cluster_end_rule`` and ``dashboard``.

    ``scaling`` says how the cluster scales (``ScalingMode.of(cluster_props)``): it picks the panels and
    alarms, because EMR publishes different metrics per mode. ``idle_timeout_seconds`` is the cluster's
    idle auto-termination timeout, if any.
    """

    def __init__(
        self, scope: Construct, id: str, *, cluster_id: str, cluster_name: str, region: str, account_id: str,
        partition: str = "aws", props: MonitoringProps = MonitoringProps(), scaling: ScalingMode = ScalingMode(),
        idle_timeout_seconds: Optional[int] = None,
    ) -> None:
        validate_monitoring_props(props, scaling)
        idle_periods, idle_warning = idle_alarm_periods(props.idle_periods, idle_timeout_seconds)
        super().__init__(scope, id)
        warnings = [idle_warning] if idle_warning else []
        self.scaling = scaling
        self.topic_policy: Optional[SnsTopicPolicy] = None
        self.cluster_end_rule: Optional[CloudwatchEventRule] = None
        topic_arn = self._topic(props, cluster_name, partition, account_id)
        actions = [topic_arn] if topic_arn else None
        self.alarms = {
            key: CloudwatchMetricAlarm(self, key, {
                "alarm_name": f"{cluster_name}-{key}", "alarm_actions": actions, "ok_actions": actions, **attributes,
            })
            for key, attributes in alarm_definitions(cluster_id, scaling, idle_periods, props).items()
        }
        if topic_arn:
            warnings += self._cluster_end_rule(cluster_id, cluster_name, account_id, topic_arn)
        warnings += _notification_warnings(topic_arn, self.topic is not None, props)
        self.dashboard: Optional[CloudwatchDashboard] = None
        if props.dashboard:
            self.dashboard = CloudwatchDashboard(self, "dashboard", {
                "dashboard_name": f"{cluster_name}-emr",
                "dashboard_body": cloudwatch_dashboard_body(cluster_id, region, panels_for(scaling)),
            })
        for warning in warnings:
            Annotations.of(self).add_warning(warning)

    def _topic(self, props: MonitoringProps, cluster_name: str, partition: str, account_id: str) -> Optional[str]:
        """The alarm topic (made here with its KMS key, or the one given) and its e-mail subscriptions."""
        self.topic: Optional[SnsTopic] = None
        self.topic_key: Optional[KmsKey] = None
        topic_arn = props.alarm_topic_arn
        if props.create_alarm_topic:
            self.topic_key = KmsKey(self, "topic-key", {
                "description": f"Encrypts EMR alarm notifications of {cluster_name}",
                "enable_key_rotation": True,
                "deletion_window_in_days": 30,
                "policy": topic_key_policy(partition, account_id),
            })
            self.topic = SnsTopic(self, "alarm-topic", {
                "name": f"{cluster_name}-emr-alarms",
                "kms_master_key_id": self.topic_key.arn,
            })
            topic_arn = self.topic.arn
        self.subscriptions = {
            address: SnsTopicSubscription(self, _subscription_id(address), {
                "topic_arn": topic_arn, "protocol": "email", "endpoint": address,
            })
            for address in props.alarm_emails
        }
        return topic_arn

    def _cluster_end_rule(self, cluster_id: str, cluster_name: str, account_id: str, topic_arn: str) -> list[str]:
        """An EventBridge rule for abnormal cluster ends, to the topic; the warning when its policy is not ours."""
        self.cluster_end_rule = CloudwatchEventRule(self, "cluster-ended-with-errors", {
            "name": rule_name(cluster_name),
            "description": f"EMR cluster {cluster_name} ended with errors (TERMINATED_WITH_ERRORS)",
            "event_pattern": json.dumps(cluster_end_pattern(cluster_id), sort_keys=True),
        })
        # No role_arn: SNS targets are authorised by the topic policy ("do not specify a RoleArn ... for
        # Amazon SNS targets with AWS KMS encryption enabled"):
        # https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html
        CloudwatchEventTarget(self, "cluster-ended-with-errors-target", {
            "rule": self.cluster_end_rule.attr("name"), "target_id": "alarm-topic", "arn": topic_arn,
        })
        if self.topic is None:
            return [f"abnormal cluster ends are sent to {topic_arn}: its topic policy must let events.amazonaws.com "
                    f"sns:Publish (aws:SourceArn = the rule {rule_name(cluster_name)}), and a KMS key encrypting it "
                    "must let events.amazonaws.com kms:GenerateDataKey* and kms:Decrypt"]
        self.topic_policy = SnsTopicPolicy(self, "alarm-topic-policy", {
            "arn": topic_arn,
            "policy": topic_policy(topic_arn, account_id, self.cluster_end_rule.arn),
        })
        return []


def _notification_warnings(topic_arn: Optional[str], topic_is_ours: bool, props: MonitoringProps) -> list[str]:
    if not topic_arn:
        return ["alarms and abnormal cluster ends notify nobody: pass alarm_emails (with "
                "create_alarm_topic=True) or alarm_topic_arn"]
    if topic_is_ours and not props.alarm_emails:
        return ["the alarm topic has no subscriber, so alarms notify nobody: pass "
                "MonitoringProps(alarm_emails=(...)) or subscribe to the topic yourself"]
    return []


def alarm_definitions(cluster_id: str, scaling: ScalingMode, idle_periods: Optional[int],
                      props: MonitoringProps) -> dict[str, dict]:
    """The alarms of a cluster of this scaling mode (attributes of aws_cloudwatch_metric_alarm, without
    name and actions). Every one treats missing data as not breaching: a terminated cluster publishes
    nothing, which must not alarm. Each metric is one ``metrics.published_metrics(scaling)`` holds."""
    dimensions = {"JobFlowId": cluster_id}

    def metric(name: str, statistic: str, **attributes) -> dict:
        return {"namespace": NAMESPACE, "metric_name": name, "statistic": statistic, "period": PERIOD_SECONDS,
                "dimensions": dimensions, "treat_missing_data": "notBreaching", **attributes}

    alarms: dict[str, dict] = {}
    if idle_periods is not None:
        alarms["idle"] = metric(
            "IsIdle", "Minimum", comparison_operator="GreaterThanOrEqualToThreshold", threshold=1,
            evaluation_periods=idle_periods,
            alarm_description=f"Cluster idle for {idle_periods * PERIOD_SECONDS // 60} minutes: terminate it or lower "
                              "the auto-termination timeout")
    alarms["hdfs-utilization"] = metric(
        "HDFSUtilization", "Average", comparison_operator="GreaterThanThreshold",
        threshold=props.hdfs_utilization_percent, evaluation_periods=2,
        alarm_description="HDFS nearly full: add core nodes or write to S3")
    alarms["unhealthy-nodes"] = metric(
        "MRUnhealthyNodes", "Maximum", comparison_operator="GreaterThanThreshold", threshold=0, evaluation_periods=1,
        alarm_description="YARN reports unhealthy nodes")
    if not scaling.fleets:
        # CoreNodesPending exists only for instance groups (metrics.INSTANCE_GROUP_ONLY).
        alarms["core-nodes-pending"] = metric(
            "CoreNodesPending", "Minimum", comparison_operator="GreaterThanThreshold", threshold=0,
            evaluation_periods=STUCK_PERIODS,
            alarm_description=f"Core nodes requested {STUCK_PERIODS * PERIOD_SECONDS // 60} minutes ago still "
                              "pending: EC2 capacity or limits")
    if scaling.scaler == SCALER_MANAGED:
        # Total{Units,Nodes,VCPU}{Requested,Running} are published only under managed scaling (metrics.MANAGED).
        def stat(query_id: str, kind: str) -> dict:
            return {"id": query_id, "return_data": False, "metric": [{
                "namespace": NAMESPACE, "metric_name": managed_capacity_metric("Total", scaling.unit_type, kind),
                "period": PERIOD_SECONDS, "stat": "Average", "dimensions": dimensions}]}
        alarms["capacity-shortfall"] = {
            "comparison_operator": "GreaterThanThreshold", "threshold": 0, "evaluation_periods": STUCK_PERIODS,
            "treat_missing_data": "notBreaching",
            "alarm_description": f"Managed scaling has run short of the capacity it requested for "
                                 f"{STUCK_PERIODS * PERIOD_SECONDS // 60} minutes: spot or EC2 capacity, or limits",
            "metric_query": [
                {"id": "shortfall", "expression": "requested - running", "label": "requested - running",
                 "return_data": True},
                stat("requested", "Requested"),
                stat("running", "Running"),
            ],
        }
    return alarms


def topic_key_policy(partition: str, account_id: str) -> str:
    """The account administers the key; CloudWatch (alarms) and EventBridge (cluster ends) may encrypt
    messages to the topic, as "Enable compatibility between event sources from AWS services and encrypted
    topics" requires: https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
    EventBridge's statement carries no aws:SourceAccount/aws:SourceArn condition: its KMS requests do not carry
    those keys, so the condition would drop every notification. The topic policy limits what may publish.
    """
    return policy_document([
        Statement(sid="AccountAdministers", actions=["kms:*"], resources=["*"],
                  principals={"AWS": f"arn:{partition}:iam::{account_id}:root"}),
        Statement(sid="CloudWatchPublishesAlarms", actions=["kms:Decrypt", "kms:GenerateDataKey*"], resources=["*"],
                  principals={"Service": "cloudwatch.amazonaws.com"},
                  conditions={"StringEquals": {"aws:SourceAccount": account_id}}),
        Statement(sid="EventBridgePublishesClusterEnds", actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                  resources=["*"], principals={"Service": "events.amazonaws.com"}),
    ])


def topic_policy(topic_arn: str, account_id: str, rule_arn: str) -> str:
    """Who may publish to the created topic. An aws_sns_topic_policy replaces the topic's default policy, so
    CloudWatch alarms get their own statement (limited to this account) next to EventBridge's, which only
    this cluster's rule may use ("Amazon SNS permissions":
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions)."""
    return policy_document([
        Statement(sid="CloudWatchPublishesAlarms", actions=["sns:Publish"], resources=[topic_arn],
                  principals={"Service": "cloudwatch.amazonaws.com"},
                  conditions={"StringEquals": {"aws:SourceAccount": account_id}}),
        Statement(sid="EventBridgePublishesClusterEnds", actions=["sns:Publish"], resources=[topic_arn],
                  principals={"Service": "events.amazonaws.com"},
                  conditions={"ArnEquals": {"aws:SourceArn": rule_arn}}),
    ])


def cloudwatch_dashboard_body(cluster_id: str, region: str, panels: tuple[Panel, ...]) -> str:
    widgets = []
    for i, panel in enumerate(panels):
        widgets.append({
            "type": "metric",
            "x": (i % 2) * 12,
            "y": (i // 2) * 6,
            "width": 12,
            "height": 6,
            "properties": {
                "title": panel.title,
                "region": region,
                "stat": "Average",
                "period": PERIOD_SECONDS,
                "view": "timeSeries",
                "metrics": [[NAMESPACE, name, "JobFlowId", cluster_id] for name in panel.metrics],
            },
        })
    return json.dumps({"widgets": widgets})


__all__ = ["EmrMonitoring", "MonitoringProps", "ScalingMode", "alarm_definitions", "cluster_end_pattern",
           "idle_alarm_periods", "rule_name", "validate_monitoring_props"]
