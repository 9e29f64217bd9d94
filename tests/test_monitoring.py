"""Alarms, the CloudWatch dashboard and the exported Grafana dashboard."""
import json
from pathlib import Path

import pytest
from cdktf import Testing, TerraformStack

from emr_constructs import ConfigError
from emr_constructs.grafana import grafana_dashboard, grafana_dashboard_json
from emr_constructs.metrics import PANELS
from emr_constructs.monitoring import EmrMonitoring, MonitoringProps

from .conftest import one_resource, resources_of, synth_json

ROOT = Path(__file__).resolve().parent.parent


def _monitoring(props=MonitoringProps()):
    stack = TerraformStack(Testing.app(), "m")
    construct = EmrMonitoring(stack, "mon", cluster_id="j-ABC", cluster_name="c", region="eu-west-1",
                              account_id="123456789012", props=props)
    return construct, synth_json(stack)


def test_alarms_watch_the_right_metrics_and_notify_the_topic():
    construct, out = _monitoring()
    alarms = {a["alarm_name"]: a for a in resources_of(out, "aws_cloudwatch_metric_alarm")}
    assert {n: a["metric_name"] for n, a in alarms.items()} == {
        "c-idle": "IsIdle", "c-hdfs-utilization": "HDFSUtilization",
        "c-unhealthy-nodes": "MRUnhealthyNodes", "c-metrics-missing": "IsIdle"}
    assert alarms["c-idle"]["evaluation_periods"] == 6
    assert alarms["c-metrics-missing"]["treat_missing_data"] == "breaching"
    assert all(a["dimensions"] == {"JobFlowId": "j-ABC"} for a in alarms.values())
    actions = {tuple(a["alarm_actions"]) for a in alarms.values()} | {tuple(a["ok_actions"]) for a in alarms.values()}
    assert len(actions) == 1
    (action,) = actions.pop()
    assert action.startswith("${aws_sns_topic.") and action.endswith(".arn}")
    assert set(construct.alarms) == {"idle", "hdfs-utilization", "unhealthy-nodes", "metrics-missing"}


def test_created_topic_is_encrypted_with_a_rotating_key_cloudwatch_may_use():
    _, out = _monitoring()
    key = one_resource(out, "aws_kms_key")
    assert key["enable_key_rotation"] is True
    statements = {s["Sid"]: s for s in json.loads(key["policy"])["Statement"]}
    assert statements["CloudWatchPublishesAlarms"]["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert one_resource(out, "aws_sns_topic")["kms_master_key_id"].startswith("${aws_kms_key.")


def test_bring_your_own_topic_creates_none():
    arn = "arn:aws:sns:eu-west-1:123456789012:ops"
    construct, out = _monitoring(MonitoringProps(alarm_topic_arn=arn, create_alarm_topic=False, dashboard=False))
    assert "aws_sns_topic" not in out["resource"] and "aws_cloudwatch_dashboard" not in out["resource"]
    assert construct.topic is None
    assert {tuple(a["alarm_actions"]) for a in resources_of(out, "aws_cloudwatch_metric_alarm")} == {(arn,)}


@pytest.mark.parametrize("props,field", [
    (MonitoringProps(idle_periods=0), "idle_periods"),
    (MonitoringProps(hdfs_utilization_percent=120), "hdfs_utilization_percent"),
    (MonitoringProps(alarm_topic_arn="ops-topic", create_alarm_topic=False), "alarm_topic_arn"),
    (MonitoringProps(alarm_topic_arn="arn:aws:sns:eu-west-1:123456789012:ops"), "create_alarm_topic"),
])
def test_invalid_monitoring_props(props, field):
    with pytest.raises(ConfigError) as err:
        _monitoring(props)
    assert field in [p.field for p in err.value.problems]


def test_cloudwatch_dashboard_shows_every_panel_for_the_cluster():
    _, out = _monitoring()
    body = json.loads(one_resource(out, "aws_cloudwatch_dashboard")["dashboard_body"])
    assert [w["properties"]["title"] for w in body["widgets"]] == [p[0] for p in PANELS]
    metrics = [m for w in body["widgets"] for m in w["properties"]["metrics"]]
    assert ["AWS/ElasticMapReduce", "YARNMemoryAvailablePercentage", "JobFlowId", "j-ABC"] in metrics
    assert {m[1] for m in metrics} >= {"ContainerPendingRatio", "HDFSUtilization", "AppsPending", "TaskNodesRunning"}


def test_grafana_dashboard_uses_cloudwatch_and_the_cluster_variable():
    dashboard = grafana_dashboard()
    targets = [t for p in dashboard["panels"] for t in p["targets"]]
    assert {t["datasource"]["type"] for t in targets} == {"cloudwatch"}
    assert {t["dimensions"]["JobFlowId"] for t in targets} == {"$cluster_id"}
    assert "cluster_id" in [v["name"] for v in dashboard["templating"]["list"]]


def test_exported_grafana_file_is_up_to_date():
    assert (ROOT / "dashboards" / "emr-grafana.json").read_text() == grafana_dashboard_json(), \
        "run `make grafana` and commit dashboards/emr-grafana.json"
