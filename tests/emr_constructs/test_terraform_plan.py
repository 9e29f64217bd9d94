"""An offline `terraform plan` of the custom-autoscaling stack shows both policies intact."""
import json

import pytest

from scripts import terraform as tf

from ..conftest import CHECKOV, require_terraform_mirror

pytestmark = pytest.mark.integration

require_terraform_mirror()


@pytest.fixture(scope="module")
def planned(request, tmp_path_factory):
    """The security scan's offline plan of emr-autoscaling (the same local-target synth), so terraform plans the
    stack once per test run; without checkov, a plan of its own."""
    if CHECKOV.exists():
        scan = request.getfixturevalue("security_scan")
        plan = scan["dir"] / "plan" / "emr-autoscaling.tfplan.json"
        assert plan.exists(), scan["stdout"][-5000:] + scan["stderr"][-5000:]
        return json.loads(plan.read_text())
    from cdktf import App

    from stacks.app_builder import build_app

    out = tmp_path_factory.mktemp("cdktf.out")
    build_app(App(outdir=str(out)), env={"EMR_TARGET": "local", "EMR_STACKS": "emr-autoscaling"}).synth()
    work = tf.prepare(out / "stacks" / "emr-autoscaling", tmp_path_factory.mktemp("tf"), backend=True)
    return tf.plan(work)


def _after(plan, type_):
    return [r["change"]["after"] for r in plan["resource_changes"] if r["type"] == type_]


def test_plan_shows_core_and_task_autoscaling_policies(planned):
    (cluster,) = _after(planned, "aws_emr_cluster")
    (task,) = _after(planned, "aws_emr_instance_group")
    core_policy = json.loads(cluster["core_instance_group"][0]["autoscaling_policy"])
    task_policy = json.loads(task["autoscaling_policy"])
    assert core_policy["Constraints"] == {"MinCapacity": 3, "MaxCapacity": 8}
    assert task_policy["Constraints"] == {"MinCapacity": 0, "MaxCapacity": 16}
    assert task_policy["Rules"][0]["Trigger"]["CloudWatchAlarmDefinition"]["MetricName"] == "YARNMemoryAvailablePercentage"


def test_plan_creates_alarms_and_dashboard(planned):
    alarms = {a["alarm_name"]: a for a in _after(planned, "aws_cloudwatch_metric_alarm")}
    # Custom automatic scaling on instance groups: no managed-scaling alarm; no alarm on missing data.
    assert set(alarms) == {f"spark-autoscaling-{k}" for k in
                           ("idle", "hdfs-utilization", "unhealthy-nodes", "core-nodes-pending")}
    assert {a["treat_missing_data"] for a in alarms.values()} == {"notBreaching"}
    (rule,) = [r["change"] for r in planned["resource_changes"] if r["type"] == "aws_cloudwatch_event_rule"]
    assert rule["after"]["name"] == "spark-autoscaling-emr-ended-with-errors"
    assert rule["after_unknown"]["event_pattern"] is True  # it names the cluster id, known after apply
    assert [s["endpoint"] for s in _after(planned, "aws_sns_topic_subscription")] == ["data-platform-oncall@example.com"]
    (dashboard,) = _after(planned, "aws_cloudwatch_dashboard")
    assert dashboard["dashboard_name"] == "spark-autoscaling-emr"
