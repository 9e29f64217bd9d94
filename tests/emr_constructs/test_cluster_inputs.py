"""EmrCluster takes what EMR takes and refuses, in one ConfigError before any resource, what it would refuse
(issue 11's D1-D11 and the one validation pass)."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from cdktf import Testing, TerraformStack

from emr_constructs import (ClusterProps, ConfigError, Configuration, EbsVolume, EmrCluster, EmrRoles, IamProps,
                            InstanceGroup, LogBucket, LogBucketProps, Network)
from emr_constructs.scaling.automatic import AutoScalingPolicy, task_policy

from ..conftest import resources_of, synth_json

IAM = IamProps(name_prefix="c", account_id="123456789012", region="eu-west-1")


def stack(name: str = "s") -> TerraformStack:
    return TerraformStack(Testing.app(), name)


def problems(call) -> dict[str, str]:
    """field -> its rules (joined by ' | ')."""
    with pytest.raises(ConfigError) as info:
        call()
    found: dict[str, str] = {}
    for p in info.value.problems:
        found[p.field] = f"{found[p.field]} | {p.rule}" if p.field in found else p.rule
    return found


def policies(out: dict) -> list[dict]:
    return resources_of(out, "aws_iam_role_policy")


def statements(out: dict, sid: str) -> list[dict]:
    return [s for p in policies(out) for s in json.loads(p["policy"])["Statement"] if s.get("Sid") == sid]


# --- D1 / D9: a log bucket several clusters share -----------------------------------------------------

def test_two_clusters_share_an_existing_log_bucket_with_their_own_roles():
    s = stack()
    shared = LogBucket.from_existing(s, "logs", bucket_name="corp-emr-logs")
    for name in ("a", "b"):
        roles = EmrRoles(s, f"roles-{name}", replace(IAM, name_prefix=name), log_bucket=shared)
        EmrCluster(s, f"emr-{name}", ClusterProps(name=name), roles=roles, log_bucket=shared)
    out = synth_json(s)
    assert len(statements(out, "WriteEmrLogs")) == 2  # once per instance role, never twice for one role


def test_roles_made_for_another_bucket_get_one_grant_per_cluster():
    s = stack()
    elsewhere = LogBucket.from_existing(s, "other", bucket_name="other-logs")
    shared = LogBucket.from_existing(s, "logs", bucket_name="corp-emr-logs")
    for name in ("a", "b"):
        roles = EmrRoles(s, f"roles-{name}", replace(IAM, name_prefix=name), log_bucket=elsewhere)
        cluster = EmrCluster(s, f"emr-{name}", ClusterProps(name=name), roles=roles, log_bucket=shared)
        assert cluster.log_write_policy is not None
    writes = statements(synth_json(s), "WriteEmrLogs")
    assert sorted(w["Resource"] for w in writes) == ["arn:aws:s3:::corp-emr-logs/logs/*"] * 2 + \
        ["arn:aws:s3:::other-logs/logs/*"] * 2


# --- D4: your own autoscaling role --------------------------------------------------------------------

def test_an_autoscaling_role_arn_creates_no_role_and_is_the_one_passed():
    s = stack()
    arn = "arn:aws:iam::123456789012:role/corp-emr-autoscaling"
    props = ClusterProps(name="auto", task=(InstanceGroup(instance_count=1, autoscaling=task_policy(1, 4)),))
    EmrCluster(s, "emr", props, iam_props=IAM, autoscaling_role_arn=arn)
    out = synth_json(s)
    assert [r["name"] for r in resources_of(out, "aws_iam_role")] == ["c-emr-instance", "c-emr-service"]
    passes = statements(out, "PassToApplicationAutoscaling")
    assert [p["Resource"] for p in passes] == [arn]
    cluster = resources_of(out, "aws_emr_cluster")[0]
    assert cluster["autoscaling_role"] == arn


def test_an_autoscaling_role_arn_and_with_autoscaling_role_conflict():
    found = problems(lambda: EmrCluster(stack(), "emr", ClusterProps(name="x"),
                                        iam_props=replace(IAM, with_autoscaling_role=True),
                                        autoscaling_role_arn="arn:aws:iam::123456789012:role/r"))
    assert "iam_props.with_autoscaling_role" in found


# --- D6: wrong types are problems ----------------------------------------------------------------------

@pytest.mark.parametrize("field,change", [
    ("core.instance_count", dict(core=InstanceGroup(instance_count="2"))),
    ("configurations[0]", dict(configurations=({"classification": "spark-defaults"},))),
    ("security", dict(security=None)),
    ("network", dict(network=None)),
    ("name", dict(name=7)),
    ("tags[team]", dict(tags={"team": 1})),
    ("core.ebs_volumes[0].size_gb", dict(core=InstanceGroup(ebs_volumes=(EbsVolume(size_gb="64"),)))),
    ("task[0].autoscaling", dict(task=(InstanceGroup(autoscaling={"min": 1}),))),
])
def test_a_wrong_type_is_a_config_error_naming_its_field(field, change):
    found = problems(lambda: EmrCluster(stack(), "emr", replace(ClusterProps(name="x"), **change), iam_props=IAM))
    assert field in found and found[field].startswith("must be")


def test_wrong_types_in_every_props_object_are_reported_together():
    found = problems(lambda: EmrCluster(stack(), "emr", replace(ClusterProps(name="x"), network=None),
                                        iam_props=replace(IAM, read_buckets="data-bucket"),
                                        log_bucket_props=replace(LogBucketProps(), expire_after_days="90")))
    assert {"network", "iam_props.read_buckets", "log_bucket_props.expire_after_days"} <= set(found)


def test_invalid_props_of_any_kind_create_no_resource():
    s = stack()
    with pytest.raises(ConfigError):
        EmrCluster(s, "emr", ClusterProps(name="x"), iam_props=replace(IAM, account_id="nope"))
    with pytest.raises(ConfigError):
        EmrCluster(s, "emr2", ClusterProps(name="x"), iam_props=IAM,
                   log_bucket_props=LogBucketProps(bucket_name="Bad_Name"))
    assert "resource" not in synth_json(s)


# --- D7: names AWS wants unique ------------------------------------------------------------------------

def test_two_clusters_named_alike_in_one_stack_are_refused_before_apply():
    s = stack()
    EmrCluster(s, "one", ClusterProps(name="spark"), iam_props=replace(IAM, name_prefix="one"))
    found = problems(lambda: EmrCluster(s, "two", ClusterProps(name="spark"), iam_props=replace(IAM, name_prefix="two")))
    assert "already created by EmrCluster 'one'" in found["name"] and "alias/emr/spark" in found["name"]


def test_two_clusters_with_the_same_role_prefix_are_refused():
    s = stack()
    EmrCluster(s, "one", ClusterProps(name="a"), iam_props=IAM)
    found = problems(lambda: EmrCluster(s, "two", ClusterProps(name="b"), iam_props=IAM))
    assert "IAM role c-emr-instance" in found["iam_props.name_prefix"]


def test_the_same_names_in_two_stacks_are_fine():
    for name in ("s1", "s2"):
        EmrCluster(stack(name), "emr", ClusterProps(name="spark"), iam_props=IAM)


# --- D2: EBS throughput where the provider has none ----------------------------------------------------

@pytest.mark.parametrize("field,change", [
    ("task[0].ebs_volumes[0].throughput", dict(task=(InstanceGroup(ebs_volumes=(EbsVolume(throughput=250),)),))),
    ("core.instance_types[0].ebs_volumes[0].throughput", "fleet"),
])
def test_throughput_that_would_vanish_is_refused(field, change):
    from emr_constructs import InstanceFleet, InstanceTypeConfig

    if change == "fleet":
        fleet = InstanceFleet(target_on_demand_capacity=1, instance_types=(InstanceTypeConfig(
            instance_type="m5.xlarge", ebs_volumes=(EbsVolume(throughput=250),)),))
        change = dict(master=replace(fleet, instance_types=(InstanceTypeConfig(instance_type="m5.xlarge"),)),
                      core=fleet)
    found = problems(lambda: EmrCluster(stack(), "emr", replace(ClusterProps(name="x"), **change), iam_props=IAM))
    assert "hashicorp/aws has EBS throughput only" in found[field]


def test_throughput_on_master_and_core_groups_reaches_terraform():
    s = stack()
    volume = (EbsVolume(throughput=250),)
    EmrCluster(s, "emr", ClusterProps(name="x", master=InstanceGroup(ebs_volumes=volume),
                                      core=InstanceGroup(ebs_volumes=volume)), iam_props=IAM)
    cluster = resources_of(synth_json(s), "aws_emr_cluster")[0]
    assert cluster["core_instance_group"][0]["ebs_config"][0]["throughput"] == 250
    assert cluster["master_instance_group"][0]["ebs_config"][0]["throughput"] == 250


# --- D3: null configuration properties ------------------------------------------------------------------

def test_a_null_configuration_property_is_refused():
    from emr_constructs.validation.cluster_rules import validate_cluster_props

    props = ClusterProps(name="x", configurations=(Configuration(classification="spark-defaults",
                                                                 properties={"spark.x": None}),))
    with pytest.raises(ConfigError, match=r"configurations\[0\]\.properties\[spark.x\]"):
        validate_cluster_props(props)
    assert "configurations[0].properties[spark.x]" in problems(
        lambda: EmrCluster(stack(), "emr", props, iam_props=IAM))


# --- D5: what EMR accepts -------------------------------------------------------------------------------

def test_inputs_emr_accepts_are_accepted():
    from emr_constructs import BootstrapAction

    s = stack()
    EmrCluster(s, "emr", ClusterProps(
        name="x",
        bootstrap_actions=(BootstrapAction(name="hue", path="file:/usr/share/aws/emr/scripts/install-hue"),),
        task=(InstanceGroup(instance_count=0, bid_price="OnDemandPrice"),),
        core=InstanceGroup(bid_price="OnDemandPrice"),
    ), iam_props=IAM)
    out = synth_json(s)
    assert resources_of(out, "aws_emr_instance_group")[0]["instance_count"] == 0


# --- D10: the field that sets the core minimum ----------------------------------------------------------

def test_a_core_minimum_below_replication_names_the_managed_scaling_minimum():
    from emr_constructs.scaling.managed import ManagedScaling

    found = problems(lambda: EmrCluster(stack(), "emr", ClusterProps(
        name="x", core=InstanceGroup(instance_count=5),
        managed_scaling=ManagedScaling(minimum_units=1, maximum_units=10)), iam_props=IAM))
    assert "managed_scaling.minimum_units" in found and "core" not in found
    assert "below dfs.replication (2, EMR's default for 5 core nodes at launch)" in found["managed_scaling.minimum_units"]


# --- the stack: one check of every part of its spec ------------------------------------------------------

def test_a_stack_reports_every_part_of_its_spec_at_once():
    from stacks.emr_stack import EmrStack
    from stacks.environment import Environment
    from stacks.spec import AccessProps, StackSpec
    from emr_constructs.monitoring.emr_monitoring import MonitoringProps

    spec = StackSpec(stack_name="bad", cluster=ClusterProps(name="x", step_concurrency_level=0),
                     log_bucket=LogBucketProps(expire_after_days=0), access=AccessProps(read_buckets=("s3://x",)),
                     monitoring=MonitoringProps(idle_periods=0))
    app = Testing.app()
    with pytest.raises(ConfigError) as info:
        EmrStack(app, spec, Environment())
    assert {p.field for p in info.value.problems} >= {
        "cluster.step_concurrency_level", "log_bucket.expire_after_days", "access.read_buckets[0]",
        "monitoring.idle_periods"}
    assert str(info.value).startswith("invalid stack bad")
    assert not app.node.children  # nothing was created


def test_a_spec_of_the_wrong_type_is_a_problem():
    from stacks.spec import StackSpec, check_stack_spec

    with pytest.raises(ConfigError, match="cluster"):
        check_stack_spec(StackSpec(stack_name="x", cluster={"name": "x"}))


# --- tags on every taggable resource; a provider alias for everything -----------------------------------

def test_cluster_tags_reach_every_taggable_resource_it_creates():
    from emr_constructs.terraform.base import TAGGABLE
    from emr_constructs.logs.step_logs import StepLogsProps

    s = stack()
    EmrCluster(s, "emr", ClusterProps(name="t", tags={"team": "data"}, step_logs=StepLogsProps(),
                                      network=Network(subnet_ids=("subnet-0a1b2c3d",), vpc_id="vpc-0a1b2c3d")),
               iam_props=IAM)
    out = synth_json(s)
    tagged = [(t, body.get("tags")) for t, bodies in out["resource"].items() if t in TAGGABLE
              for body in bodies.values()]
    assert len({t for t, _ in tagged}) >= 8
    assert all(tags and tags.get("team") == "data" for _, tags in tagged), [t for t, tags in tagged
                                                                               if not tags or "team" not in tags]


def test_a_provider_alias_reaches_every_resource():
    from emr_constructs import AwsProvider

    s = stack()
    AwsProvider(s, "aws", region="eu-west-1")
    west = AwsProvider(s, "west", region="us-west-2", alias="west")
    EmrCluster(s, "emr", ClusterProps(name="w"), iam_props=replace(IAM, region="us-west-2"), provider=west)
    out = synth_json(s)
    providers = {body.get("provider") for bodies in out["resource"].values() for body in bodies.values()}
    assert providers == {"aws.west"}


# --- roles you manage, by name or ARN --------------------------------------------------------------------

def test_existing_roles_by_name_create_no_role_and_are_referenced():
    s = stack()
    roles = EmrRoles.from_existing(s, "roles", service_role="EMR_DefaultRole_V2", instance_profile="EMR_EC2_DefaultRole",
                                   instance_role="EMR_EC2_DefaultRole", account_id="123456789012", region="eu-west-1")
    EmrCluster(s, "emr", ClusterProps(name="byo"), roles=roles)
    out = synth_json(s)
    assert "aws_iam_role" not in out["resource"] and "aws_iam_instance_profile" not in out["resource"]
    cluster = resources_of(out, "aws_emr_cluster")[0]
    assert cluster["service_role"] == "arn:aws:iam::123456789012:role/EMR_DefaultRole_V2"
    assert cluster["ec2_attributes"][0]["instance_profile"] == \
        "arn:aws:iam::123456789012:instance-profile/EMR_EC2_DefaultRole"
    [grant] = [p for p in policies(out) if p["name"] == "emr-log-write"]
    assert grant["role"] == "EMR_EC2_DefaultRole"
    key_policy = json.loads(resources_of(out, "aws_kms_key")[0]["policy"])
    assert "arn:aws:iam::123456789012:role/EMR_EC2_DefaultRole" in json.dumps(key_policy)


def test_existing_roles_by_arn_and_an_autoscaling_role():
    s = stack()
    arn = "arn:aws:iam::123456789012:role/{}"
    roles = EmrRoles.from_existing(s, "roles", service_role=arn.format("svc"),
                                   instance_profile="arn:aws:iam::123456789012:instance-profile/nodes",
                                   instance_role=arn.format("nodes"), autoscaling_role=arn.format("scaler"),
                                   account_id="123456789012", region="eu-west-1")
    EmrCluster(s, "emr", ClusterProps(name="byo", task=(InstanceGroup(autoscaling=task_policy(1, 3)),)), roles=roles)
    cluster = resources_of(synth_json(s), "aws_emr_cluster")[0]
    assert cluster["autoscaling_role"] == arn.format("scaler")


def test_existing_roles_need_the_instance_role_where_the_cluster_grants_it_something():
    s = stack()
    roles = EmrRoles.from_existing(s, "roles", service_role="svc", instance_profile="nodes",
                                   account_id="123456789012", region="eu-west-1")
    assert "roles.instance_role" in problems(lambda: EmrCluster(s, "emr", ClusterProps(name="x"), roles=roles))
    EmrCluster(s, "ok", ClusterProps(name="y", security_configuration="corp-emr-security"), roles=roles)


def test_existing_roles_check_their_names():
    with pytest.raises(ConfigError, match="service_role"):
        EmrRoles.from_existing(stack(), "roles", service_role="not a role!", instance_profile="p",
                               account_id="123456789012", region="eu-west-1")
