"""Alarms, the cluster-end rule, subscriptions, the CloudWatch dashboard and the exported Grafana dashboards,
each checked against a model of its real consumer (CloudWatch, EventBridge, Grafana)."""
import json
import math
from pathlib import Path

import pytest
from cdktf import Testing, TerraformStack

from emr_constructs import ClusterProps, ConfigError, InstanceFleet, InstanceGroup, InstanceTypeConfig
from emr_constructs.scaling.automatic import task_policy
from emr_constructs.monitoring.grafana import exported_dashboards, grafana_dashboard
from emr_constructs.scaling.managed import ManagedScaling
from emr_constructs.monitoring.metrics import (
    EXPORTED_MODES,
    INSTANCE_GROUP_ONLY,
    Panel,
    ScalingMode,
    managed_capacity_metric,
    panels_for,
    published_metrics,
    unpublished,
)
from emr_constructs.monitoring.emr_monitoring import (
    AUTO_TERMINATION_MARGIN_PERIODS,
    EmrMonitoring,
    MonitoringProps,
    idle_alarm_periods,
    rule_name,
)
from emr_contract import events
from stacks.examples import AUTOSCALING, FLEETS, MINIMAL, PRODUCTION

from .. import cloudwatch_alarms, grafana_cloudwatch
from ..conftest import one_resource, resources_of, synth_json
from ..eventbridge_patterns import matches

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = "j-ABC"
GROUPS = ScalingMode()
FLEETS_FIXED = ScalingMode(fleets=True)
CUSTOM = ScalingMode(scaler="custom")
MANAGED_NODES = ScalingMode(scaler="managed", unit_type="Instances")
MANAGED_VCPU = ScalingMode(scaler="managed", unit_type="VCPU")
MANAGED_FLEETS = ScalingMode(scaler="managed", fleets=True, unit_type="InstanceFleetUnits")
ALL_MODES = (GROUPS, FLEETS_FIXED, CUSTOM, MANAGED_NODES, MANAGED_VCPU, MANAGED_FLEETS)
EMAILS = ("oncall@example.com",)


def _monitoring(props=MonitoringProps(alarm_emails=EMAILS), scaling=GROUPS, idle_timeout_seconds=None):
    stack = TerraformStack(Testing.app(), "m")
    construct = EmrMonitoring(stack, "mon", cluster_id=CLUSTER, cluster_name="c", region="eu-west-1",
                              account_id="123456789012", props=props, scaling=scaling,
                              idle_timeout_seconds=idle_timeout_seconds)
    return construct, synth_json(stack)


def _alarms(out) -> dict[str, dict]:
    return {a["alarm_name"].removeprefix("c-"): a for a in resources_of(out, "aws_cloudwatch_metric_alarm")}


def _warnings(construct) -> list[str]:
    return [str(m.data) for m in construct.node.metadata if "warn" in m.type]


# --- alarms per scaling mode --------------------------------------------------------------------

@pytest.mark.parametrize("scaling,expected", [
    (GROUPS, {"idle", "hdfs-utilization", "unhealthy-nodes", "core-nodes-pending"}),
    (CUSTOM, {"idle", "hdfs-utilization", "unhealthy-nodes", "core-nodes-pending"}),
    (FLEETS_FIXED, {"idle", "hdfs-utilization", "unhealthy-nodes"}),
    (MANAGED_NODES, {"idle", "hdfs-utilization", "unhealthy-nodes", "core-nodes-pending", "capacity-shortfall"}),
    (MANAGED_FLEETS, {"idle", "hdfs-utilization", "unhealthy-nodes", "capacity-shortfall"}),
])
def test_alarms_follow_the_scaling_mode_and_notify_the_topic(scaling, expected):
    construct, out = _monitoring(scaling=scaling)
    alarms = _alarms(out)
    assert set(alarms) == set(construct.alarms) == expected
    assert all(a["treat_missing_data"] == "notBreaching" for a in alarms.values())
    actions = {tuple(a["alarm_actions"]) for a in alarms.values()} | {tuple(a["ok_actions"]) for a in alarms.values()}
    (action,) = actions.pop()
    assert not actions and action.startswith("${aws_sns_topic.") and action.endswith(".arn}")


@pytest.mark.parametrize("scaling", ALL_MODES)
def test_every_alarm_watches_a_metric_the_cluster_publishes(scaling):
    _, out = _monitoring(scaling=scaling)
    for name, alarm in _alarms(out).items():
        assert set(cloudwatch_alarms.metric_names(alarm)) <= published_metrics(scaling), name


def test_an_alarm_on_task_nodes_of_a_custom_autoscaling_cluster_would_watch_nothing():
    """The rule the check above relies on, broken: EMR publishes no task node count without managed scaling."""
    assert "TaskNodesRunning" not in published_metrics(CUSTOM)
    assert "TaskNodesRunning" in published_metrics(MANAGED_NODES)
    assert "TaskVCPURunning" in published_metrics(MANAGED_VCPU) and "TaskNodesRunning" not in published_metrics(MANAGED_VCPU)
    assert not INSTANCE_GROUP_ONLY & published_metrics(FLEETS_FIXED)


# --- no alarm fires on a normal end: CloudWatch's evaluation over an EMR lifecycle -------------------

def _lifecycle(scaling: ScalingMode, idle_timeout_seconds, *, idle_periods=None, pending_periods=2,
               shortfall_periods=2, unhealthy=0) -> cloudwatch_alarms.Timeline:
    """Datapoints of a cluster that starts, works (a scale-out on the way), goes idle and ends normally:
    auto-terminated after ``idle_timeout_seconds``, or (None) ended by its last step one period after going
    idle. Then it publishes nothing, forever."""
    published = published_metrics(scaling)
    unit = scaling.unit_type

    def period(idle: int, pending: int, requested: float, running: float) -> dict[str, float]:
        values = {"IsIdle": idle, "HDFSUtilization": 35.0, "MRUnhealthyNodes": unhealthy, "MRLostNodes": 0,
                  "YARNMemoryAvailablePercentage": 100.0 if idle else 20.0, "ContainerPendingRatio": 0.0 if idle else 0.4,
                  "AppsRunning": 0 if idle else 2, "AppsPending": 0, "MRTotalNodes": running, "MRActiveNodes": running,
                  "CoreNodesRunning": 3, "CoreNodesPending": pending}
        if scaling.scaler == "managed":
            values[managed_capacity_metric("Total", unit, "Requested")] = requested
            values[managed_capacity_metric("Total", unit, "Running")] = running
        return {k: float(v) for k, v in values.items() if k in published}

    timeline: cloudwatch_alarms.Timeline = [{}, {}]  # provisioning: nothing published yet
    timeline += [period(0, 2, 5, 3)] * pending_periods  # core nodes arriving
    timeline += [period(0, 0, 8, 5)] * shortfall_periods  # managed scaling asked for more, nodes on the way
    timeline += [period(0, 0, 8, 8)] * 8
    idle = idle_periods if idle_periods is not None else (
        math.ceil(idle_timeout_seconds / 300) + 1 if idle_timeout_seconds else 1)  # +1: terminating, still idle
    timeline += [period(1, 0, 3, 3)] * idle
    return timeline + [{}] * 60  # TERMINATED: no datapoint ever again


@pytest.mark.parametrize("idle_timeout", [None, 3600, 600, 4 * 3600])
@pytest.mark.parametrize("scaling", ALL_MODES)
def test_no_alarm_fires_when_a_cluster_ends_normally(scaling, idle_timeout):
    _, out = _monitoring(scaling=scaling, idle_timeout_seconds=idle_timeout)
    timeline = _lifecycle(scaling, idle_timeout)
    for name, alarm in _alarms(out).items():
        assert not cloudwatch_alarms.fires(alarm, timeline), (name, cloudwatch_alarms.states(alarm, timeline))


def test_the_old_metrics_missing_alarm_fires_on_every_normal_end_and_stays_in_alarm():
    old = {"namespace": "AWS/ElasticMapReduce", "metric_name": "IsIdle", "statistic": "SampleCount", "period": 300,
           "comparison_operator": "LessThanThreshold", "threshold": 1, "evaluation_periods": 3,
           "treat_missing_data": "breaching"}
    states = cloudwatch_alarms.states(old, _lifecycle(GROUPS, 3600))
    assert states[-1] == "ALARM"


def test_an_idle_alarm_shorter_than_the_idle_timeout_would_fire_on_every_normal_end():
    _, out = _monitoring(MonitoringProps(alarm_emails=EMAILS, idle_periods=6))
    thirty_minutes = _alarms(out)["idle"]
    assert thirty_minutes["evaluation_periods"] == 6
    assert cloudwatch_alarms.fires(thirty_minutes, _lifecycle(GROUPS, 3600))


@pytest.mark.parametrize("scaling", ALL_MODES)
def test_the_alarms_still_fire_when_something_is_wrong(scaling):
    _, out = _monitoring(scaling=scaling, idle_timeout_seconds=3600)
    alarms = _alarms(out)
    stuck_idle = _lifecycle(scaling, 3600, idle_periods=12 + AUTO_TERMINATION_MARGIN_PERIODS + 1)
    assert cloudwatch_alarms.fires(alarms["idle"], stuck_idle), "auto-termination that never happened"
    assert cloudwatch_alarms.fires(alarms["unhealthy-nodes"], _lifecycle(scaling, 3600, unhealthy=1))
    if "core-nodes-pending" in alarms:
        assert cloudwatch_alarms.fires(alarms["core-nodes-pending"], _lifecycle(scaling, 3600, pending_periods=7))
    if "capacity-shortfall" in alarms:
        assert cloudwatch_alarms.fires(alarms["capacity-shortfall"], _lifecycle(scaling, 3600, shortfall_periods=7))


@pytest.mark.parametrize("idle_periods,timeout,expected,warns", [
    (None, None, 6, False),
    (10, None, 10, False),
    (None, 3600, 12 + AUTO_TERMINATION_MARGIN_PERIODS, False),
    (3, 3600, 12 + AUTO_TERMINATION_MARGIN_PERIODS, True),
    (40, 3600, 40, False),
    (None, 7 * 24 * 3600, None, True),
])
def test_the_idle_alarm_looks_past_the_idle_timeout(idle_periods, timeout, expected, warns):
    periods, warning = idle_alarm_periods(idle_periods, timeout)
    assert periods == expected and bool(warning) is warns


def test_a_raised_idle_alarm_is_a_synth_warning_and_a_week_long_timeout_gets_none():
    construct, out = _monitoring(MonitoringProps(alarm_emails=EMAILS, idle_periods=3), idle_timeout_seconds=3600)
    assert _alarms(out)["idle"]["evaluation_periods"] == 15
    assert any("raised to 15 periods" in w for w in _warnings(construct))
    construct, out = _monitoring(idle_timeout_seconds=7 * 24 * 3600)
    assert "idle" not in _alarms(out) and any("no idle alarm" in w for w in _warnings(construct))


# --- an abnormal end: the EventBridge rule ----------------------------------------------------------

def _rule_pattern(out) -> dict:
    return json.loads(one_resource(out, "aws_cloudwatch_event_rule")["event_pattern"])


@pytest.mark.parametrize("code", ["INSTANCE_FAILURE", "BOOTSTRAP_FAILURE", "STEP_FAILURE", "INTERNAL_ERROR",
                                  "VALIDATION_ERROR", "INSTANCE_FLEET_TIMEOUT"])
def test_the_rule_forwards_this_clusters_abnormal_end_to_the_topic(code):
    _, out = _monitoring()
    pattern = _rule_pattern(out)
    assert matches(pattern, events.cluster_state_change(CLUSTER, events.ABNORMAL_END, code, "Master instance failed"))
    target = one_resource(out, "aws_cloudwatch_event_target")
    assert target["arn"].startswith("${aws_sns_topic.") and target["rule"].endswith(".name}")
    assert "role_arn" not in target


@pytest.mark.parametrize("state,code", [
    ("TERMINATED", "USER_REQUEST"), ("TERMINATED", "ALL_STEPS_COMPLETED"), ("TERMINATED", "STEP_FAILURE"),
    ("TERMINATING", "USER_REQUEST"), ("WAITING", ""), ("RUNNING", ""), ("STARTING", ""), ("BOOTSTRAPPING", ""),
])
def test_a_normal_end_or_any_other_state_change_cannot_trigger_the_rule(state, code):
    _, out = _monitoring()
    assert not matches(_rule_pattern(out), events.cluster_state_change(CLUSTER, state, code))


def test_another_clusters_abnormal_end_does_not_trigger_the_rule():
    _, out = _monitoring()
    assert not matches(_rule_pattern(out), events.cluster_state_change("j-OTHER", events.ABNORMAL_END, "INTERNAL_ERROR"))


def test_a_pattern_on_every_end_would_fire_on_normal_ends():
    """The rule relied on, broken: matching on TERMINATED as well catches every idle auto-termination."""
    every_end = {"source": [events.SOURCE], "detail-type": [events.CLUSTER_STATE_CHANGE],
                 "detail": {"clusterId": [CLUSTER], "state": [events.NORMAL_END, events.ABNORMAL_END]}}
    assert matches(every_end, events.cluster_state_change(CLUSTER, "TERMINATED", "ALL_STEPS_COMPLETED"))
    # stateChangeReason is a string holding JSON: a pattern on its code never matches.
    on_code = {"detail": {"stateChangeReason": {"code": ["INSTANCE_FAILURE"]}}}
    assert not matches(on_code, events.cluster_state_change(CLUSTER, events.ABNORMAL_END, "INSTANCE_FAILURE"))


@pytest.mark.parametrize("name", ["c", "spark-production", "a b/c:d", "x" * 200])
def test_rule_names_are_valid_eventbridge_names(name):
    rule = rule_name(name)
    assert 1 <= len(rule) <= 64 and all(ch.isalnum() or ch in ".-_" for ch in rule)
    assert rule == rule_name(name)
    assert rule_name("x" * 200) != rule_name("x" * 199)


# --- the topic: encryption, who may publish, who is subscribed --------------------------------------

def test_created_topic_is_encrypted_with_a_key_cloudwatch_and_eventbridge_may_use():
    _, out = _monitoring()
    key = one_resource(out, "aws_kms_key")
    assert key["enable_key_rotation"] is True
    statements = {s["Sid"]: s for s in json.loads(key["policy"])["Statement"]}
    assert statements["CloudWatchPublishesAlarms"]["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    events_key = statements["EventBridgePublishesClusterEnds"]
    assert events_key["Principal"] == {"Service": "events.amazonaws.com"}
    assert set(events_key["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert "Condition" not in events_key, "EventBridge's KMS requests carry no aws:Source* key"
    assert one_resource(out, "aws_sns_topic")["kms_master_key_id"].startswith("${aws_kms_key.")


def test_only_this_clusters_rule_and_this_accounts_alarms_may_publish():
    _, out = _monitoring()
    policy = one_resource(out, "aws_sns_topic_policy")
    assert policy["arn"].startswith("${aws_sns_topic.")
    statements = {s["Sid"]: s for s in json.loads(policy["policy"])["Statement"]}
    assert set(statements) == {"CloudWatchPublishesAlarms", "EventBridgePublishesClusterEnds"}
    assert statements["EventBridgePublishesClusterEnds"]["Condition"] == {
        "ArnEquals": {"aws:SourceArn": "${aws_cloudwatch_event_rule.mon_cluster-ended-with-errors_"
                                       + one_key(out, "aws_cloudwatch_event_rule").rsplit("_", 1)[1] + ".arn}"}}
    assert statements["CloudWatchPublishesAlarms"]["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert all(s["Action"] == "sns:Publish" and s["Resource"] == policy["arn"] for s in statements.values())


def one_key(out, type_) -> str:
    (key,) = out["resource"][type_]
    return key


def test_alarm_emails_are_subscribed_to_the_topic():
    construct, out = _monitoring(MonitoringProps(alarm_emails=("a@example.com", "B@example.org")))
    subscriptions = resources_of(out, "aws_sns_topic_subscription")
    assert sorted(s["endpoint"] for s in subscriptions) == ["B@example.org", "a@example.com"]
    assert {s["protocol"] for s in subscriptions} == {"email"}
    assert all(s["topic_arn"].startswith("${aws_sns_topic.") for s in subscriptions)
    assert set(construct.subscriptions) == {"a@example.com", "B@example.org"} and not _warnings(construct)


def test_a_topic_without_subscribers_is_a_synth_warning():
    construct, out = _monitoring(MonitoringProps())
    assert "aws_sns_topic_subscription" not in out["resource"]
    assert any("no subscriber" in w for w in _warnings(construct))


def test_no_topic_at_all_notifies_nobody_and_says_so():
    construct, out = _monitoring(MonitoringProps(create_alarm_topic=False))
    assert {"aws_sns_topic", "aws_cloudwatch_event_rule"}.isdisjoint(out["resource"])
    assert all("alarm_actions" not in a for a in resources_of(out, "aws_cloudwatch_metric_alarm"))
    assert any("notify nobody" in w for w in _warnings(construct))


def test_bring_your_own_topic_creates_none_and_names_what_its_policy_needs():
    arn = "arn:aws:sns:eu-west-1:123456789012:ops"
    construct, out = _monitoring(MonitoringProps(alarm_topic_arn=arn, create_alarm_topic=False, dashboard=False,
                                                 alarm_emails=("a@example.com",)))
    assert {"aws_sns_topic", "aws_sns_topic_policy", "aws_kms_key", "aws_cloudwatch_dashboard"}.isdisjoint(out["resource"])
    assert construct.topic is None
    assert {tuple(a["alarm_actions"]) for a in resources_of(out, "aws_cloudwatch_metric_alarm")} == {(arn,)}
    assert one_resource(out, "aws_cloudwatch_event_target")["arn"] == arn
    assert one_resource(out, "aws_sns_topic_subscription")["topic_arn"] == arn
    assert any("events.amazonaws.com" in w for w in _warnings(construct))


@pytest.mark.parametrize("props,field", [
    (MonitoringProps(idle_periods=0), "idle_periods"),
    (MonitoringProps(idle_periods=289), "idle_periods"),
    (MonitoringProps(hdfs_utilization_percent=120), "hdfs_utilization_percent"),
    (MonitoringProps(alarm_topic_arn="ops-topic", create_alarm_topic=False), "alarm_topic_arn"),
    (MonitoringProps(alarm_topic_arn="arn:aws:sns:eu-west-1:123456789012:ops"), "create_alarm_topic"),
    (MonitoringProps(alarm_emails=("oncall",)), "alarm_emails[0]"),
    (MonitoringProps(alarm_emails=("ok@example.com", "a@b")), "alarm_emails[1]"),
    (MonitoringProps(alarm_emails=("a b@example.com",)), "alarm_emails[0]"),
    (MonitoringProps(alarm_emails=("a@@example.com",)), "alarm_emails[0]"),
    (MonitoringProps(alarm_emails=("x" * 250 + "@example.com",)), "alarm_emails[0]"),
    (MonitoringProps(alarm_emails=("a@example.com", "A@example.com")), "alarm_emails[1]"),
    (MonitoringProps(alarm_emails="a@example.com"), "alarm_emails"),
    (MonitoringProps(create_alarm_topic=False, alarm_emails=EMAILS), "alarm_emails"),
])
def test_invalid_monitoring_props(props, field):
    with pytest.raises(ConfigError) as err:
        _monitoring(props)
    assert field in [p.field for p in err.value.problems]


@pytest.mark.parametrize("scaling,field", [
    (ScalingMode(scaler="elastic"), "scaling.scaler"),
    (ScalingMode(scaler="custom", fleets=True), "scaling.fleets"),
    (ScalingMode(scaler="managed", unit_type="InstanceFleetUnits"), "scaling.unit_type"),
    (ScalingMode(scaler="managed", fleets=True, unit_type="Instances"), "scaling.unit_type"),
    (ScalingMode(scaler="managed"), "scaling.unit_type"),
    (ScalingMode(unit_type="VCPU"), "scaling.unit_type"),
])
def test_a_scaling_mode_no_cluster_can_have_is_refused(scaling, field):
    with pytest.raises(ConfigError) as err:
        _monitoring(scaling=scaling)
    assert field in [p.field for p in err.value.problems]


# --- the scaling mode of a cluster ------------------------------------------------------------------

@pytest.mark.parametrize("cluster,expected", [
    (MINIMAL.cluster, GROUPS),
    (PRODUCTION.cluster, MANAGED_NODES),
    (AUTOSCALING.cluster, CUSTOM),
    (FLEETS.cluster, MANAGED_FLEETS),
    (ClusterProps(name="v", managed_scaling=ManagedScaling(minimum_units=4, maximum_units=64, unit_type="VCPU")),
     MANAGED_VCPU),
    (ClusterProps(name="f", master=InstanceFleet(instance_types=(InstanceTypeConfig(instance_type="m5.xlarge"),),
                                                 target_on_demand_capacity=1), core=None), FLEETS_FIXED),
    (ClusterProps(name="t", task=(InstanceGroup(instance_count=1, autoscaling=task_policy(0, 4)),)), CUSTOM),
])
def test_scaling_mode_of_cluster_props(cluster, expected):
    assert ScalingMode.of(cluster) == expected


@pytest.mark.parametrize("spec,scaling,shortfall", [(PRODUCTION, MANAGED_NODES, True), (AUTOSCALING, CUSTOM, False)])
def test_the_stack_passes_its_clusters_scaling_mode_and_idle_timeout(build_stack, spec, scaling, shortfall):
    stack = build_stack(spec)
    assert stack.monitoring.scaling == scaling
    assert ("capacity-shortfall" in stack.monitoring.alarms) is shortfall
    out = synth_json(stack)
    (idle,) = [a for a in resources_of(out, "aws_cloudwatch_metric_alarm") if a["alarm_name"].endswith("-idle")]
    assert idle["evaluation_periods"] * 300 > spec.cluster.idle_timeout_seconds


# --- dashboards -------------------------------------------------------------------------------------

@pytest.mark.parametrize("scaling", ALL_MODES)
def test_every_panel_shows_a_metric_the_cluster_publishes(scaling):
    assert unpublished(panels_for(scaling), scaling) == []


def test_the_old_task_node_panel_stays_empty_without_managed_scaling():
    old = (Panel("Nodes", "count", ("CoreNodesRunning", "CoreNodesPending", "TaskNodesRunning", "TaskNodesPending")),)
    assert unpublished(old, CUSTOM) == ["TaskNodesRunning", "TaskNodesPending"]
    assert unpublished(old, MANAGED_FLEETS) == ["CoreNodesRunning", "CoreNodesPending", "TaskNodesRunning",
                                                "TaskNodesPending"]


def test_managed_scaling_panels_use_the_policys_unit():
    titles = {tuple(p.metrics) for p in panels_for(MANAGED_FLEETS)}
    assert ("TaskUnitsRunning", "TaskUnitsRequested") in titles
    assert ("TaskVCPURunning", "TaskVCPURequested") in {tuple(p.metrics) for p in panels_for(MANAGED_VCPU)}


@pytest.mark.parametrize("scaling", [GROUPS, MANAGED_FLEETS])
def test_cloudwatch_dashboard_shows_the_panels_of_the_mode(scaling):
    _, out = _monitoring(scaling=scaling)
    body = json.loads(one_resource(out, "aws_cloudwatch_dashboard")["dashboard_body"])
    assert [w["properties"]["title"] for w in body["widgets"]] == [p.title for p in panels_for(scaling)]
    metrics = [m for w in body["widgets"] for m in w["properties"]["metrics"]]
    assert ["AWS/ElasticMapReduce", "YARNMemoryAvailablePercentage", "JobFlowId", CLUSTER] in metrics
    assert {m[1] for m in metrics} <= published_metrics(scaling)


def _exported_files() -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in sorted((ROOT / "dashboards").glob("emr-grafana*.json"))}


def test_exported_grafana_files_are_up_to_date():
    on_disk = {p.name: p.read_text() for p in (ROOT / "dashboards").glob("emr-grafana*.json")}
    assert on_disk == exported_dashboards(), "run `make grafana` and commit dashboards/"
    assert len(on_disk) == len(EXPORTED_MODES)


def test_every_target_of_every_exported_dashboard_runs_in_grafana():
    """Grafana's own conditions (tests/grafana_cloudwatch.py cites the files and commits), on the files users import."""
    checked = 0
    for name, dashboard in _exported_files().items():
        for panel in dashboard["panels"]:
            assert panel["datasource"]["type"] == "cloudwatch", name
            for target in panel["targets"]:
                problems = grafana_cloudwatch.target_problems(target, schema_version=dashboard["schemaVersion"])
                assert problems == [], (name, panel["title"], target["metricName"], problems)
                assert target["dimensions"] == {"JobFlowId": "$cluster_id"} and target["region"] == "$region"
                checked += 1
    assert checked >= 5 * 12


def test_grafana_dashboards_show_the_panels_of_their_mode():
    for mode in EXPORTED_MODES:
        dashboard = grafana_dashboard(mode)
        assert [p["title"] for p in dashboard["panels"]] == [p.title for p in panels_for(mode)]
        assert {t["metricName"] for p in dashboard["panels"] for t in p["targets"]} <= published_metrics(mode)
        assert "cluster_id" in [v["name"] for v in dashboard["templating"]["list"]]
    assert len({grafana_dashboard(m)["uid"] for m in EXPORTED_MODES}) == len(EXPORTED_MODES)


# The targets the reviewers found: what the export wrote before (every panel "No data").
OLD_TARGET = {"refId": "A", "datasource": {"type": "cloudwatch", "uid": "${datasource}"}, "queryMode": "Metrics",
              "namespace": "AWS/ElasticMapReduce", "metricName": "IsIdle", "dimensions": {"JobFlowId": "$cluster_id"},
              "statistic": "Average", "period": "300", "region": "$region", "matchExact": True}


def test_the_old_targets_are_dropped_by_grafana_at_schema_39_and_only_migrated_below_34():
    assert any("filterMetricsQuery" in p for p in grafana_cloudwatch.target_problems(OLD_TARGET, schema_version=39))
    assert grafana_cloudwatch.target_problems(OLD_TARGET, schema_version=34) != []
    assert grafana_cloudwatch.target_problems(OLD_TARGET, schema_version=33) == []


@pytest.mark.parametrize("change,problem", [
    ({"metricQueryType": "0"}, "filterMetricsQuery"),
    ({"metricEditorMode": True}, "filterMetricsQuery"),
    ({"metricEditorMode": 1}, "Search/Code query without expression"),
    ({"metricQueryType": 1}, "Insights query without sqlExpression"),
    ({"region": ""}, "no region"),
    ({"statistic": ""}, "without statistic"),
    ({"statistic": None}, "statistic or statistics"),
    ({"metricName": ""}, "without metricName"),
    ({"namespace": ""}, "without namespace"),
    ({"queryMode": "Logs"}, "not a metrics query"),
    ({"hide": True, "id": ""}, "hide is true"),
    ({"period": "5 minutes"}, "failed to parse period"),
    ({"period": 300}, "not a string"),
    ({"matchExact": False}, "SEARCH expression"),
    ({"dimensions": {"JobFlowId": ["j-1", "j-2"]}}, "SEARCH expression"),
    ({"dimensions": {"JobFlowId": 7}}, "unknown type as dimension value"),
])
def test_each_grafana_condition_refuses_a_target_that_breaks_it(change, problem):
    good = exported_dashboards()
    target = json.loads(next(iter(good.values())))["panels"][0]["targets"][0]
    assert grafana_cloudwatch.target_problems(target, schema_version=39) == []
    broken = {**target, **change}
    assert any(problem in p for p in grafana_cloudwatch.target_problems(broken, schema_version=39)), broken
