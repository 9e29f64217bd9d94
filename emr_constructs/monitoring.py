"""Alarms and a CloudWatch dashboard for one EMR cluster.

Alarms: idle for too long (money burning), HDFS nearly full, unhealthy nodes, and metrics
gone missing (the cluster stopped reporting). They notify an SNS topic: one you bring, or an
encrypted one created here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional

from constructs import Construct


from ._tf import Scope
from .metrics import NAMESPACE, PANELS
from .policy import Statement, policy_document
from .resources import CloudwatchDashboard, CloudwatchMetricAlarm, KmsKey, SnsTopic
from .validation import Checker

PERIOD_SECONDS = 300


@dataclass(frozen=True, kw_only=True)
class MonitoringProps:
    idle_periods: int = 6
    hdfs_utilization_percent: float = 80
    alarm_topic_arn: Optional[str] = None
    create_alarm_topic: bool = True
    dashboard: bool = True


def validate_monitoring_props(props: MonitoringProps) -> None:
    c = Checker()
    c.int_range("idle_periods", props.idle_periods, 1, 288)
    c.check(isinstance(props.hdfs_utilization_percent, (int, float)) and 0 < props.hdfs_utilization_percent < 100,
            "hdfs_utilization_percent", props.hdfs_utilization_percent, "must be a percentage between 0 and 100")
    c.matches("alarm_topic_arn", props.alarm_topic_arn, r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+",
              "must be an SNS topic ARN")
    c.check(not (props.alarm_topic_arn and props.create_alarm_topic), "create_alarm_topic", True,
            "pass alarm_topic_arn or create_alarm_topic=True, not both")
    c.raise_if_any("monitoring props")


class EmrMonitoring(Scope):
    """Exposes ``alarms`` (by name), ``topic``, ``topic_key`` and ``dashboard``."""

    def __init__(
        self, scope: Construct, id: str, *, cluster_id: str, cluster_name: str, region: str, account_id: str,
        partition: str = "aws", props: MonitoringProps = MonitoringProps(),
    ) -> None:
        validate_monitoring_props(props)
        super().__init__(scope, id)
        self.topic: Optional[SnsTopic] = None
        self.topic_key: Optional[KmsKey] = None
        topic_arn = props.alarm_topic_arn
        if props.create_alarm_topic:
            self.topic_key = KmsKey(self, "topic-key", {
                "description": f"Encrypts EMR alarm notifications of {cluster_name}",
                "enable_key_rotation": True,
                "deletion_window_in_days": 30,
                "policy": _topic_key_policy(partition, account_id),
            })
            self.topic = SnsTopic(self, "alarm-topic", {
                "name": f"{cluster_name}-emr-alarms",
                "kms_master_key_id": self.topic_key.arn,
            })
            topic_arn = self.topic.arn
        actions = [topic_arn] if topic_arn else None
        dimensions = {"JobFlowId": cluster_id}

        def alarm(key: str, **attributes) -> CloudwatchMetricAlarm:
            return CloudwatchMetricAlarm(self, key, {
                "alarm_name": f"{cluster_name}-{key}",
                "namespace": NAMESPACE,
                "period": PERIOD_SECONDS,
                "dimensions": dimensions,
                "alarm_actions": actions,
                "ok_actions": actions,
                **attributes,
            })

        self.alarms = {
            "idle": alarm(
                "idle", metric_name="IsIdle", statistic="Minimum", comparison_operator="GreaterThanOrEqualToThreshold",
                threshold=1, evaluation_periods=props.idle_periods, treat_missing_data="notBreaching",
                alarm_description=f"Cluster idle for {props.idle_periods * 5} minutes: terminate it or lower "
                                  "the auto-termination timeout"),
            "hdfs-utilization": alarm(
                "hdfs-utilization", metric_name="HDFSUtilization", statistic="Average",
                comparison_operator="GreaterThanThreshold", threshold=props.hdfs_utilization_percent,
                evaluation_periods=2, treat_missing_data="notBreaching",
                alarm_description="HDFS nearly full: add core nodes or write to S3"),
            "unhealthy-nodes": alarm(
                "unhealthy-nodes", metric_name="MRUnhealthyNodes", statistic="Maximum",
                comparison_operator="GreaterThanThreshold", threshold=0, evaluation_periods=1,
                treat_missing_data="notBreaching", alarm_description="YARN reports unhealthy nodes"),
            "metrics-missing": alarm(
                "metrics-missing", metric_name="IsIdle", statistic="SampleCount",
                comparison_operator="LessThanThreshold", threshold=1, evaluation_periods=3,
                treat_missing_data="breaching",
                alarm_description="The cluster stopped publishing metrics: it may be terminated or unhealthy"),
        }
        self.dashboard: Optional[CloudwatchDashboard] = None
        if props.dashboard:
            self.dashboard = CloudwatchDashboard(self, "dashboard", {
                "dashboard_name": f"{cluster_name}-emr",
                "dashboard_body": cloudwatch_dashboard_body(cluster_id, region),
            })


def _topic_key_policy(partition: str, account_id: str) -> str:
    """The account administers the key; CloudWatch may only encrypt alarm messages for this account."""
    return policy_document([
        Statement(sid="AccountAdministers", actions=["kms:*"], resources=["*"],
                  principals={"AWS": f"arn:{partition}:iam::{account_id}:root"}),
        Statement(sid="CloudWatchPublishesAlarms", actions=["kms:Decrypt", "kms:GenerateDataKey*"], resources=["*"],
                  principals={"Service": "cloudwatch.amazonaws.com"},
                  conditions={"StringEquals": {"aws:SourceAccount": account_id}}),
    ])


def cloudwatch_dashboard_body(cluster_id: str, region: str) -> str:
    widgets = []
    for i, (title, _unit, metrics) in enumerate(PANELS):
        widgets.append({
            "type": "metric",
            "x": (i % 2) * 12,
            "y": (i // 2) * 6,
            "width": 12,
            "height": 6,
            "properties": {
                "title": title,
                "region": region,
                "stat": "Average",
                "period": PERIOD_SECONDS,
                "view": "timeSeries",
                "metrics": [[NAMESPACE, name, "JobFlowId", cluster_id] for name in metrics],
            },
        })
    return json.dumps({"widgets": widgets})
