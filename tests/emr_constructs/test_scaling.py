"""Managed scaling, custom autoscaling, scale-in presets and their rules."""
import json
from dataclasses import replace

import botocore.session
import pytest
from botocore.validate import ParamValidator
from cdktf import Testing, TerraformStack

from emr_constructs import ClusterProps, ConfigError, Configuration, EmrCluster, IamProps, InstanceGroup
from emr_constructs.scaling.automatic import (
    AutoScalingPolicy,
    ScalingRule,
    core_policy,
    scale_out_on_low_yarn_memory,
    task_policy,
)
from emr_constructs.validation.cluster_rules import validate_cluster_props
from emr_constructs.scaling.managed import ManagedScaling
from emr_constructs.scaling.scale_in import ScaleIn, replication_for
from stacks.examples import AUTOSCALING, EXAMPLES, FLEETS, PRODUCTION

from ..conftest import one_resource, resources_of, synth_json

IAM = IamProps(name_prefix="t", account_id="123456789012", region="eu-west-1")
BASE = ClusterProps(name="c")
EMR_MODEL = botocore.session.get_session().get_service_model("emr")


@pytest.fixture(scope="module")
def autoscaling(build_stack):
    return synth_json(build_stack(AUTOSCALING))


@pytest.fixture(scope="module")
def managed(build_stack):
    return synth_json(build_stack(PRODUCTION))


def _policies(synth):
    cluster = one_resource(synth, "aws_emr_cluster")
    found = [g["autoscaling_policy"] for g in cluster.get("core_instance_group", []) if "autoscaling_policy" in g]
    found += [g["autoscaling_policy"] for g in resources_of(synth, "aws_emr_instance_group") if "autoscaling_policy" in g]
    return [json.loads(p) for p in found]


def _validate_against_botocore(policy: dict) -> None:
    report = ParamValidator().validate(policy, EMR_MODEL.shape_for("AutoScalingPolicy"))
    assert not report.has_errors(), report.generate_report()


def test_custom_policies_on_core_and_task_validate_against_the_emr_model(autoscaling):
    policies = _policies(autoscaling)
    assert len(policies) == 2
    for policy in policies:
        _validate_against_botocore(policy)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_shipped_policy_validates_against_the_emr_model(name, build_stack):
    for policy in _policies(synth_json(build_stack(EXAMPLES[name]))):
        _validate_against_botocore(policy)


def test_policy_json_is_canonical(autoscaling):
    task = next(p for p in _policies(autoscaling) if len(p["Rules"]) == 3)
    alarm = task["Rules"][0]["Trigger"]["CloudWatchAlarmDefinition"]
    assert list(alarm) == ["ComparisonOperator", "EvaluationPeriods", "MetricName", "Namespace", "Period",
                           "Statistic", "Threshold", "Unit"]
    assert alarm["Period"] == 300 and alarm["Namespace"] == "AWS/ElasticMapReduce"
    assert isinstance(alarm["Threshold"], float)
    assert [r["Name"] for r in task["Rules"]] == [
        "scale-out-yarn-memory", "scale-out-pending-containers", "scale-in-yarn-memory"]


def test_presets_match_the_documented_recipes():
    task = task_policy(0, 10).to_api()["Rules"]
    triggers = [(r["Trigger"]["CloudWatchAlarmDefinition"]["MetricName"],
                 r["Trigger"]["CloudWatchAlarmDefinition"]["ComparisonOperator"],
                 r["Trigger"]["CloudWatchAlarmDefinition"]["Threshold"],
                 r["Action"]["SimpleScalingPolicyConfiguration"]["ScalingAdjustment"]) for r in task]
    assert triggers == [("YARNMemoryAvailablePercentage", "LESS_THAN", 15.0, 1),
                        ("ContainerPendingRatio", "GREATER_THAN", 0.75, 1),
                        ("YARNMemoryAvailablePercentage", "GREATER_THAN", 75.0, -1)]
    core = core_policy(2, 5).to_api()["Rules"][0]["Trigger"]["CloudWatchAlarmDefinition"]
    assert (core["MetricName"], core["Threshold"]) == ("HDFSUtilization", 80.0)


def test_policy_names_no_dimension_the_provider_would_strip(autoscaling):
    """EMR adds the JobFlowId dimension itself; hashicorp/aws drops it on read: writing it is a perpetual diff."""
    raw = one_resource(autoscaling, "aws_emr_cluster")["core_instance_group"][0]["autoscaling_policy"]
    assert "Dimensions" not in raw and "${" not in raw


def test_custom_policy_sets_autoscaling_role_and_lets_the_service_pass_it(autoscaling):
    cluster = one_resource(autoscaling, "aws_emr_cluster")
    assert cluster["autoscaling_role"].startswith("${aws_iam_role.") and "autoscaling-role" in cluster["autoscaling_role"]
    pass_role = next(r for r in resources_of(autoscaling, "aws_iam_role_policy") if r["name"] == "emr-pass-instance-role")
    services = {s["Condition"]["StringEquals"]["iam:PassedToService"] for s in json.loads(pass_role["policy"])["Statement"]}
    assert "application-autoscaling.amazonaws.com" in services


def test_managed_scaling_policy_resource(managed):
    limits = one_resource(managed, "aws_emr_managed_scaling_policy")["compute_limits"][0]
    assert limits == {"unit_type": "Instances", "minimum_capacity_units": 3, "maximum_capacity_units": 20,
                      "maximum_ondemand_capacity_units": 3, "maximum_core_capacity_units": 3}
    assert "autoscaling_role" not in one_resource(managed, "aws_emr_cluster")


def test_scaled_counts_are_ignored(managed, build_stack):
    assert one_resource(managed, "aws_emr_cluster")["lifecycle"]["ignore_changes"] == [
        "core_instance_group[0].instance_count"]
    assert one_resource(managed, "aws_emr_instance_group")["lifecycle"]["ignore_changes"] == ["instance_count"]
    fleets = synth_json(build_stack(FLEETS))
    assert one_resource(fleets, "aws_emr_instance_fleet")["lifecycle"]["ignore_changes"] == [
        "target_on_demand_capacity", "target_spot_capacity"]
    assert one_resource(fleets, "aws_emr_managed_scaling_policy")["compute_limits"][0]["unit_type"] == "InstanceFleetUnits"


@pytest.mark.parametrize("stack", ["emr-production", "emr-autoscaling", "emr-fleets"])
def test_scaling_examples_carry_the_decommission_presets(stack, build_stack):
    cluster = one_resource(synth_json(build_stack(EXAMPLES[stack])), "aws_emr_cluster")
    configs = {c["Classification"]: c["Properties"] for c in json.loads(cluster["configurations_json"])}
    assert configs["yarn-site"]["yarn.resourcemanager.nodemanager-graceful-decommission-timeout-secs"] == "300"
    assert configs["spark-defaults"]["spark.blacklist.decommissioning.timeout"] == "300s"
    assert "dfs.replication" in configs["hdfs-site"]


def test_scale_in_presets_follow_release_and_user_overrides():
    old = replace(BASE, release_label="emr-5.11.0", scale_in=ScaleIn(decommission_timeout_seconds=120))
    construct = EmrCluster(TerraformStack(Testing.app(), "old"), "emr", old, iam_props=IAM)
    props = json.loads(construct.cluster._attributes["configurations_json"])
    yarn = next(c for c in props if c["Classification"] == "yarn-site")["Properties"]
    assert yarn == {"yarn.resourcemanager.decommissioning.timeout": "120"}

    user = replace(BASE, scale_in=ScaleIn(), configurations=(
        Configuration(classification="spark-defaults", properties={"spark.blacklist.decommissioning.timeout": "10m"}),))
    construct = EmrCluster(TerraformStack(Testing.app(), "user"), "emr", user, iam_props=IAM)
    spark = next(c for c in json.loads(construct.cluster._attributes["configurations_json"])
                 if c["Classification"] == "spark-defaults")["Properties"]
    assert spark["spark.blacklist.decommissioning.timeout"] == "10m"
    assert spark["spark.blacklist.decommissioning.enabled"] == "true"


def test_replication_follows_emr_rule():
    assert [replication_for(n) for n in (1, 3, 4, 9, 10)] == [1, 1, 2, 2, 3]


GROUP_MS = ManagedScaling(minimum_units=2, maximum_units=10)
BAD = [
    ("managed_scaling.unit_type", dict(managed_scaling=replace(GROUP_MS, unit_type="InstanceFleetUnits"))),
    ("managed_scaling.minimum_units", dict(managed_scaling=replace(GROUP_MS, minimum_units=0))),
    ("managed_scaling.minimum_units", dict(managed_scaling=replace(GROUP_MS, minimum_units=12))),
    ("managed_scaling.maximum_on_demand_units", dict(managed_scaling=replace(GROUP_MS, maximum_on_demand_units=11))),
    ("managed_scaling.maximum_core_units", dict(managed_scaling=replace(GROUP_MS, maximum_core_units=20))),
    ("managed_scaling", dict(release_label="emr-5.29.0", managed_scaling=GROUP_MS)),
    ("managed_scaling", dict(release_label="emr-6.0.0", managed_scaling=GROUP_MS)),
    ("managed_scaling", dict(managed_scaling=GROUP_MS, task=(InstanceGroup(autoscaling=task_policy(0, 4)),))),
    ("master.autoscaling", dict(master=InstanceGroup(autoscaling=task_policy(1, 2)))),
    ("core.instance_count", dict(core=InstanceGroup(instance_count=9, autoscaling=core_policy(2, 5)))),
    ("core.autoscaling.min_capacity", dict(core=InstanceGroup(instance_count=2, autoscaling=core_policy(6, 5)))),
    ("core.autoscaling.rules", dict(core=InstanceGroup(autoscaling=AutoScalingPolicy(min_capacity=1, max_capacity=2,
                                                                                         rules=())))),
    ("task[0].autoscaling.rules[1].name", dict(task=(InstanceGroup(autoscaling=AutoScalingPolicy(
        min_capacity=0, max_capacity=2, rules=(scale_out_on_low_yarn_memory(), scale_out_on_low_yarn_memory()))),),)),
    ("task[0].autoscaling.rules[0].metric", dict(task=(InstanceGroup(autoscaling=AutoScalingPolicy(
        min_capacity=0, max_capacity=2, rules=(replace(scale_out_on_low_yarn_memory(), metric="CPU"),))),),)),
    ("task[0].autoscaling.rules[0].comparison", dict(task=(InstanceGroup(autoscaling=AutoScalingPolicy(
        min_capacity=0, max_capacity=2, rules=(replace(scale_out_on_low_yarn_memory(), comparison="<"),))),),)),
    ("task[0].autoscaling.rules[0].adjustment_type", dict(task=(InstanceGroup(autoscaling=AutoScalingPolicy(
        min_capacity=0, max_capacity=2, rules=(replace(scale_out_on_low_yarn_memory(), adjustment_type="ADD"),))),),)),
    ("task[0].autoscaling.rules[0].adjustment", dict(task=(InstanceGroup(autoscaling=AutoScalingPolicy(
        min_capacity=0, max_capacity=2, rules=(replace(scale_out_on_low_yarn_memory(), adjustment=0),))),),)),
    ("task[0].autoscaling.rules[0].adjustment", dict(task=(InstanceGroup(autoscaling=AutoScalingPolicy(
        min_capacity=0, max_capacity=2, rules=(ScalingRule(name="exact", metric="AppsPending", comparison="GREATER_THAN",
                                                           threshold=1, adjustment=-1,
                                                           adjustment_type="EXACT_CAPACITY"),))),),)),
    ("task[0].autoscaling.rules[0].threshold", dict(task=(InstanceGroup(autoscaling=AutoScalingPolicy(
        min_capacity=0, max_capacity=2, rules=(replace(scale_out_on_low_yarn_memory(), threshold=-5),))),),)),
    ("task[0].autoscaling.rules[0].statistic", dict(task=(InstanceGroup(autoscaling=AutoScalingPolicy(
        min_capacity=0, max_capacity=2, rules=(replace(scale_out_on_low_yarn_memory(), statistic="P99"),))),),)),
    ("core.autoscaling.min_capacity", dict(core=InstanceGroup(instance_count=2, autoscaling=core_policy(2, 6)), configurations=(
        Configuration(classification="hdfs-site", properties={"dfs.replication": "3"}),))),
    ("scale_in.decommission_timeout_seconds", dict(scale_in=ScaleIn(decommission_timeout_seconds=-1))),
]


@pytest.mark.parametrize("field,changes", BAD, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD)])
def test_invalid_scaling_names_the_field(field, changes):
    with pytest.raises(ConfigError) as err:
        validate_cluster_props(replace(BASE, **changes))
    assert field in [p.field for p in err.value.problems], str(err.value)


def test_fleets_must_scale_in_fleet_units():
    with pytest.raises(ConfigError, match="instance fleets scale in InstanceFleetUnits"):
        validate_cluster_props(replace(FLEETS.cluster, managed_scaling=GROUP_MS))


def test_exclusivity_message_is_explicit():
    with pytest.raises(ConfigError, match="cannot be used on the same cluster"):
        validate_cluster_props(replace(AUTOSCALING.cluster, managed_scaling=GROUP_MS))


def test_valid_scaling_passes():
    validate_cluster_props(replace(BASE, release_label="emr-6.1.0", managed_scaling=GROUP_MS, scale_in=ScaleIn()))
    validate_cluster_props(replace(BASE, core=InstanceGroup(instance_count=3, autoscaling=core_policy(3, 6)),
                                   configurations=(Configuration(classification="hdfs-site",
                                                                 properties={"dfs.replication": "3"}),)))
    validate_cluster_props(AUTOSCALING.cluster)


def test_recipes():
    only_task = ManagedScaling.task_nodes_only(core_nodes=3, max_task_nodes=10)
    assert (only_task.minimum_units, only_task.maximum_units, only_task.maximum_core_units) == (3, 13, 3)
    spot = ManagedScaling.on_demand_core_spot_task(core_nodes=2, max_nodes=30)
    assert (spot.maximum_on_demand_units, spot.maximum_core_units, spot.maximum_units) == (2, 2, 30)
