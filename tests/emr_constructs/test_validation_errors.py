"""Every invalid input raises ConfigError naming the field, the value and the rule."""
from dataclasses import replace

import pytest

from emr_constructs import (
    BootstrapAction,
    ClusterProps,
    ConfigError,
    Configuration,
    EbsVolume,
    InstanceFleet,
    InstanceGroup,
    InstanceTypeConfig,
    Network,
)
from emr_constructs.validation.cluster_rules import validate_cluster_props
from emr_constructs.security.iam import IamProps, validate_iam_props
from emr_constructs.logs.log_bucket import LogBucketProps, validate_log_bucket_props
from stacks.environment import Environment

BASE = ClusterProps(name="c")
FLEET = InstanceFleet(target_on_demand_capacity=1, instance_types=(InstanceTypeConfig(instance_type="m5.xlarge"),))
IAM = IamProps(name_prefix="c", account_id="123456789012", region="eu-west-1")

CLUSTER_CASES = [
    ("name", dict(name="")),
    ("release_label", dict(release_label="7.2.0")),
    ("release_label", dict(release_label="emr-7.2")),
    ("applications", dict(applications=())),
    ("applications[0]", dict(applications=("Sparkle",))),
    ("applications[1]", dict(applications=("Spark", "spark"))),
    ("master.instance_count", dict(master=InstanceGroup(instance_count=2))),
    ("master.instance_count", dict(release_label="emr-5.20.0", master=InstanceGroup(instance_count=3))),
    ("master.instance_type", dict(master=InstanceGroup(instance_type="large"))),
    ("core.instance_count", dict(core=InstanceGroup(instance_count=0))),
    ("core.bid_price", dict(core=InstanceGroup(bid_price="cheap"))),
    ("core.ebs_volumes[0].type", dict(core=InstanceGroup(ebs_volumes=(EbsVolume(type="ssd"),)))),
    ("core.ebs_volumes[0].size_gb", dict(core=InstanceGroup(ebs_volumes=(EbsVolume(size_gb=0),)))),
    ("core.ebs_volumes[0].iops", dict(core=InstanceGroup(ebs_volumes=(EbsVolume(type="io1"),)))),
    ("core.ebs_volumes[0].throughput", dict(core=InstanceGroup(ebs_volumes=(EbsVolume(type="gp2", throughput=200),)))),
    ("core.ebs_volumes[0].volumes_per_instance",
     dict(core=InstanceGroup(ebs_volumes=(EbsVolume(volumes_per_instance=30),)))),
    ("task[1].name", dict(task=(InstanceGroup(name="t"), InstanceGroup(name="t")))),
    ("core", dict(core=None, task=(InstanceGroup(),))),
    ("task", dict(task=InstanceGroup())),
    ("core", dict(master=FLEET)),
    ("master.target_capacity", dict(master=replace(FLEET, target_on_demand_capacity=2), core=None)),
    ("core.instance_types", dict(master=FLEET, core=replace(FLEET, instance_types=()))),
    ("core.spot_allocation_strategy",
     dict(master=FLEET, core=replace(FLEET, target_on_demand_capacity=2, spot_allocation_strategy="cheapest"))),
    ("core.instance_types[0].bid_price_as_percentage_of_on_demand_price",
     dict(master=FLEET, core=replace(FLEET, target_on_demand_capacity=2, instance_types=(
         InstanceTypeConfig(instance_type="m5.xlarge", bid_price_as_percentage_of_on_demand_price=-5),)))),
    ("network.subnet_ids[0]", dict(network=Network(subnet_ids=("subnet-xyz",)))),
    ("network.subnet_ids", dict(network=Network(subnet_ids=("subnet-0a1b2c3d", "subnet-0a1b2c3e")))),
    ("network.emr_managed_master_security_group",
     dict(network=Network(emr_managed_master_security_group="default"))),
    ("network.additional_slave_security_groups[0]",
     dict(network=Network(additional_slave_security_groups=("sg-!",)))),
    ("network.key_name", dict(network=Network(key_name=""))),
    ("bootstrap_actions[0].path", dict(bootstrap_actions=(BootstrapAction(name="b", path="/tmp/x.sh"),))),
    ("configurations[0].properties[spark.executor.instances]",
     dict(configurations=(Configuration(classification="spark-defaults",
                                        properties={"spark.executor.instances": 4}),))),
    ("configurations[1].classification",
     dict(configurations=(Configuration(classification="spark"), Configuration(classification="spark")))),
    ("configurations[0].classification", dict(configurations=(Configuration(classification="bad class"),))),
    ("step_concurrency_level", dict(step_concurrency_level=0)),
    ("step_concurrency_level", dict(step_concurrency_level=257)),
    ("step_concurrency_level", dict(release_label="emr-5.27.0", step_concurrency_level=2)),
    ("idle_timeout_seconds", dict(idle_timeout_seconds=30)),
    ("idle_timeout_seconds", dict(idle_timeout_seconds=604801)),
    ("idle_timeout_seconds", dict(release_label="emr-6.0.0", idle_timeout_seconds=3600)),
    ("scale_down_behavior", dict(scale_down_behavior="ASAP")),
    ("ebs_root_volume_size_gb", dict(ebs_root_volume_size_gb=5)),
    ("custom_ami_id", dict(custom_ami_id="ubuntu")),
    ("tags[aws:owner]", dict(tags={"aws:owner": "me"})),
    ("tags[team]", dict(tags={"team": "x" * 300})),
]


@pytest.mark.parametrize("field,changes", CLUSTER_CASES, ids=[f"{f}-{i}" for i, (f, _) in enumerate(CLUSTER_CASES)])
def test_invalid_cluster_props_name_the_field(field, changes):
    with pytest.raises(ConfigError) as err:
        validate_cluster_props(replace(BASE, **changes))
    assert field in [p.field for p in err.value.problems]
    assert f"{field}=" in str(err.value)


LOG_BUCKET_CASES = [
    ("bucket_name", dict(bucket_name="My_Bucket")),
    ("bucket_name", dict(bucket_name="192.168.1.1")),
    ("bucket_name", dict(bucket_name="ab")),
    ("bucket_name", dict(bucket_name="logs", bucket_prefix="logs-")),
    ("bucket_prefix", dict(bucket_prefix="x" * 40)),
    ("log_prefix", dict(log_prefix="logs")),
    ("expire_after_days", dict(expire_after_days=0)),
    ("abort_incomplete_upload_days", dict(abort_incomplete_upload_days=-1)),
    ("kms_key_arn", dict(kms_key_arn="alias/emr")),
]


@pytest.mark.parametrize("field,changes", LOG_BUCKET_CASES)
def test_invalid_log_bucket_props_name_the_field(field, changes):
    with pytest.raises(ConfigError) as err:
        validate_log_bucket_props(LogBucketProps(**changes))
    assert field in [p.field for p in err.value.problems]


IAM_CASES = [
    ("name_prefix", dict(name_prefix="x" * 41)),
    ("account_id", dict(account_id="1234")),
    ("region", dict(region="europe")),
    ("partition", dict(partition="aws-moon")),
    ("read_buckets[0]", dict(read_buckets=("s3://data",))),
    ("read_write_buckets[0]", dict(read_write_buckets=("data/path",))),
    ("permissions_boundary_arn", dict(permissions_boundary_arn="boundary")),
]


@pytest.mark.parametrize("field,changes", IAM_CASES)
def test_invalid_iam_props_name_the_field(field, changes):
    with pytest.raises(ConfigError) as err:
        validate_iam_props(replace(IAM, **changes))
    assert field in [p.field for p in err.value.problems]


@pytest.mark.parametrize("env,field", [
    ({"EMR_TARGET": "cloud"}, "EMR_TARGET"),
    ({"EMR_REGION": "Frankfurt"}, "EMR_REGION"),
    ({"EMR_ACCOUNT_ID": "12"}, "EMR_ACCOUNT_ID"),
    ({"EMR_TARGET": "local", "EMR_LOCAL_ENDPOINT": "localhost"}, "EMR_LOCAL_ENDPOINT"),
    ({"EMR_STATE_BUCKET": "State_Bucket"}, "EMR_STATE_BUCKET"),
])
def test_invalid_environment_names_the_variable(env, field):
    with pytest.raises(ConfigError) as err:
        Environment.from_env(env)
    assert field in [p.field for p in err.value.problems]


def test_all_problems_are_reported_at_once():
    props = replace(BASE, release_label="latest", step_concurrency_level=0, idle_timeout_seconds=1,
                    network=Network(subnet_ids=("nope",)))
    with pytest.raises(ConfigError) as err:
        validate_cluster_props(props)
    fields = {p.field for p in err.value.problems}
    assert {"release_label", "step_concurrency_level", "idle_timeout_seconds", "network.subnet_ids[0]"} <= fields
    assert str(err.value).startswith("invalid EMR cluster props (4 problem(s))")


def test_error_message_names_field_value_and_rule():
    with pytest.raises(ConfigError) as err:
        validate_cluster_props(replace(BASE, step_concurrency_level=300))
    assert "step_concurrency_level=300: must be an integer from 1 to 256" in str(err.value)


def test_release_gated_error_says_which_release_is_needed():
    with pytest.raises(ConfigError, match=r"needs release emr-5\.28\.0\+ \(5\.x\), got emr-5\.20\.0 \(MG emr-add-steps-console\)"):
        validate_cluster_props(replace(BASE, release_label="emr-5.20.0", step_concurrency_level=4))


def test_valid_props_pass():
    validate_cluster_props(replace(BASE, release_label="emr-6.1.0", idle_timeout_seconds=600, step_concurrency_level=256))
    validate_cluster_props(replace(BASE, master=FLEET, core=replace(FLEET, target_on_demand_capacity=2)))
    validate_log_bucket_props(LogBucketProps(bucket_name="my.log-bucket-01"))
    validate_iam_props(IAM)


def test_unresolved_tokens_are_not_validated():
    token = "${TfToken[TOKEN.42]}"
    validate_cluster_props(replace(BASE, network=Network(subnet_ids=(token,), emr_managed_master_security_group=token)))
    validate_iam_props(replace(IAM, account_id=token))
    validate_log_bucket_props(LogBucketProps(kms_key_arn=token))
