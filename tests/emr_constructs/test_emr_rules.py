"""Each EMR rule the constructs enforce, with an input that breaks it and one EMR accepts next to it.

The rule tables below are data: (field refused, input, words of the rule, the AWS page the rule comes from).
The pages are the ones ``emr_constructs/facts/`` cites for each fact.
"""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from cdktf import Testing, TerraformStack

from emr_constructs import (BootstrapAction, ClusterProps, ConfigError, Configuration, EbsVolume, EmrCluster,
                            IamProps, InstanceFleet, InstanceGroup, InstanceTypeConfig, KerberosAttributes, Network,
                            SecurityGroupRule, SecurityProps)
from emr_constructs.scaling.automatic import AutoScalingPolicy, ScalingRule
from emr_constructs.validation.cluster_rules import validate_cluster_props
from emr_constructs.scaling.managed import ManagedScaling

from ..conftest import resources_of, synth_json

BASE = ClusterProps(name="c")
IAM = IamProps(name_prefix="c", account_id="123456789012", region="eu-west-1")
OD = InstanceTypeConfig(instance_type="m5.xlarge")
FLEET = InstanceFleet(target_on_demand_capacity=1, instance_types=(OD,))
HA_FLEET = replace(FLEET, target_on_demand_capacity=3)
KRB = KerberosAttributes(realm="EC2.INTERNAL", kdc_admin_password="${var.kdc}")
KRB_SECURITY = SecurityProps(kerberos_ticket_lifetime_hours=24)


def vol(**kw) -> dict:
    return dict(core=InstanceGroup(ebs_volumes=(EbsVolume(**kw),)))


def rule(metric: str, **kw) -> AutoScalingPolicy:
    return AutoScalingPolicy(min_capacity=2, max_capacity=4, rules=(ScalingRule(
        name="r", metric=metric, comparison="GREATER_THAN", threshold=1, adjustment=1, **kw),))


def sg_rule(**kw) -> ClusterProps:
    base = dict(group="master", direction="ingress", protocol="tcp", from_port=443, to_port=443, cidr="10.0.0.0/8")
    return dict(network=Network(subnet_ids=("subnet-0a1b2c3d",), vpc_id="vpc-0a1b2c3d",
                                security_group_rules=(SecurityGroupRule(**{**base, **kw}),)))


CONFIG_JSON = json.dumps([{"Classification": "spark-defaults", "Properties": {"spark.executor.memory": "4g"}}])

# (field refused, changes to a valid cluster, words of the rule, source)
REFUSED = [
    # D8: the unit of a scaling rule is its metric's (CWAD Unit).
    ("core.autoscaling.rules[0].unit", dict(core=InstanceGroup(instance_count=2, autoscaling=rule("AppsPending", unit="PERCENT"))),
     "published in Count", "API CloudWatchAlarmDefinition"),
    ("core.autoscaling.rules[0].metric", dict(core=InstanceGroup(instance_count=2, autoscaling=rule("TotalUnitsRequested"))),
     "instance fleets only", "MG managed-scaling-metrics"),
    # D11: EBS limits per volume type.
    ("core.ebs_volumes[0].iops", vol(type="gp3", size_gb=100, iops=20000), "gp3 iops are 3000-16000", "EC2 CreateVolume"),
    ("core.ebs_volumes[0].iops", vol(type="gp3", size_gb=4, iops=3000), "500 iops per GiB", "EBS general-purpose"),
    ("core.ebs_volumes[0].size_gb", vol(type="st1", size_gb=100), "st1 volumes are 125-1024 GiB", "EC2 CreateVolume"),
    ("core.ebs_volumes[0].size_gb", vol(type="sc1", size_gb=124), "sc1 volumes are 125-1024 GiB", "EC2 CreateVolume"),
    ("core.ebs_volumes[0].iops", vol(type="gp2", iops=3000), "gp2 volumes take no iops", "EC2 CreateVolume"),
    ("core.ebs_volumes[0].iops", vol(type="io1", size_gb=10, iops=1000), "50 iops per GiB", "EBS provisioned-iops"),
    ("core.ebs_volumes[0].type", vol(type="io2", size_gb=100, iops=1000), "EMR does not take io2", "API VolumeSpecification"),
    ("core.ebs_volumes[0].size_gb", vol(size_gb=2048), "1-1024 GiB", "API VolumeSpecification"),
    ("core.ebs_volumes[0].throughput", vol(type="gp3", size_gb=100, throughput=1000), "0.25 MiB/s per iops",
     "MG emr-custom-ami-root-volume-size"),
    ("core.ebs_volumes[0].size_gb", vol(size_gb=4), "at least 5 GB", "MG emr-plan-storage"),
    ("core.ebs_volumes", dict(core=InstanceGroup(ebs_volumes=(EbsVolume(volumes_per_instance=13),
                                                               EbsVolume(volumes_per_instance=13)))),
     "at most 25 EBS volumes", "MG emr-plan-storage"),
    ("bootstrap_actions", dict(bootstrap_actions=tuple(BootstrapAction(name=f"b{i}", path=f"s3://bucket/b{i}.sh")
                                                       for i in range(17))), "at most 16", "MG emr-plan-bootstrap"),
    ("log_encryption_kms_key_id", dict(release_label="emr-5.29.0", log_encryption_kms_key_id="alias/logs"),
     "emr-5.30.0+", "API RunJobFlow LogEncryptionKmsKeyId"),
    ("log_encryption_kms_key_id", dict(release_label="emr-6.0.0", log_encryption_kms_key_id="alias/logs"),
     "except emr-6.0.0", "API RunJobFlow LogEncryptionKmsKeyId"),
    ("log_encryption_kms_key_id", dict(log_encryption_kms_key_id="my key"), "KMS key id", "API RunJobFlow"),
    # Applications per release line, names EMR takes.
    ("applications[1]", dict(release_label="emr-5.36.0", applications=("Spark", "Trino")), "does not ship Trino",
     "RG emr-release-app-versions-5.x"),
    ("applications[1]", dict(applications=("Spark", "Iceberg")), "iceberg-defaults", "RG emr-iceberg-create-cluster"),
    ("applications[1]", dict(applications=("Spark", "Delta")), "delta-defaults", "RG Deltausing-cluster-spark"),
    ("applications[0]", dict(applications=("CloudWatchAgent",)), "AmazonCloudWatchAgent", "RG emr-AmazonCloudWatchAgent"),
    ("applications", dict(applications=("Presto", "Trino")), "cannot run on one cluster", "RG emr-trino"),
    ("applications[1]", dict(release_label="emr-6.5.0", applications=("Spark", "PrestoSQL")), "does not ship PrestoSQL",
     "RG emr-640-release"),
    ("applications[1]", dict(release_label="emr-7.0.0", applications=("Spark", "Ganglia")), "does not ship Ganglia",
     "RG Ganglia-release-history"),
    ("release_label", dict(release_label="emr-6.16.0"), "6.x line ended with emr-6.15.0", "RG emr-release-components"),
    # Release gates.
    ("managed_scaling", dict(release_label="emr-6.0.0", managed_scaling=ManagedScaling(minimum_units=2, maximum_units=4)),
     "except emr-6.0.0", "MG emr-managed-scaling"),
    ("master.target_on_demand_capacity", dict(release_label="emr-6.10.0", master=HA_FLEET, core=None),
     "three primary nodes with instance fleets", "MG emr-plan-ha"),
    ("master.target_spot_capacity", dict(master=replace(HA_FLEET, target_on_demand_capacity=0, target_spot_capacity=3),
                                         core=None), "On-Demand only", "MG emr-plan-ha"),
    ("master.target_capacity", dict(master=replace(FLEET, target_on_demand_capacity=2), core=None), "1 unit",
     "API InstanceFleetConfig"),
    ("master.instance_count", dict(release_label="emr-5.22.0", master=InstanceGroup(instance_count=3)),
     "emr-5.23.0+", "MG emr-plan-ha"),
    ("idle_timeout_seconds", dict(release_label="emr-6.0.0", idle_timeout_seconds=600), "emr-6.1.0+",
     "MG emr-auto-termination-policy"),
    ("custom_ami_id", dict(release_label="emr-5.6.0", custom_ami_id="ami-0abc12345"), "emr-5.7.0+", "API RunJobFlow"),
    ("ebs_root_volume_size_gb", dict(ebs_root_volume_size_gb=12), "from 15 to 100", "MG emr-custom-ami-root-volume-size"),
    ("scale_down_behavior", dict(release_label="emr-5.0.0", scale_down_behavior="TERMINATE_AT_INSTANCE_HOUR"),
     "emr-5.1.0+", "API RunJobFlow ScaleDownBehavior"),
    ("master", dict(release_label="emr-5.0.0", master=FLEET, core=None), "instance fleets", "API JobFlowInstancesConfig"),
    # Fleets.
    ("core.instance_types", dict(master=FLEET, core=replace(FLEET, instance_types=tuple(
        InstanceTypeConfig(instance_type=f"m5.{n}xlarge") for n in range(31)))), "1 to 30", "API InstanceTypeConfig"),
    ("master.instance_types[0].weighted_capacity", dict(master=replace(FLEET, instance_types=(
        InstanceTypeConfig(instance_type="m5.xlarge", weighted_capacity=2),)), core=None), "is 1 for a master fleet",
     "API InstanceTypeConfig"),
    ("core.target_capacity", dict(master=FLEET, core=replace(FLEET, target_on_demand_capacity=0)), "above 0",
     "API InstanceFleetConfig"),
    # Placement groups: SPREAD, for 3 primaries, from 5.23.0.
    ("placement_strategy", dict(placement_strategy="SPREAD"), "3 of them", "MG emr-plan-ha-placementgroup"),
    ("placement_strategy", dict(placement_strategy="CLUSTER", master=InstanceGroup(instance_count=3)), "SPREAD",
     "API PlacementGroupConfig"),
    # Kerberos: the security configuration and the cluster's attributes together, from 5.10.0.
    ("kerberos", dict(kerberos=KRB), "needs a security configuration with Kerberos", "MG emr-kerberos-configure-settings"),
    ("security.kerberos_ticket_lifetime_hours", dict(security=KRB_SECURITY), "kerberos attributes",
     "MG emr-kerberos-configure-settings"),
    ("kerberos", dict(release_label="emr-5.9.0", kerberos=KRB, security=KRB_SECURITY), "emr-5.10.0+", "MG emr-kerberos"),
    ("kerberos.ad_domain_join_password", dict(kerberos=replace(KRB, ad_domain_join_user="joiner",
                                                                cross_realm_trust_principal_password="${var.t}"),
                                              security=KRB_SECURITY), "go together", "API KerberosAttributes"),
    ("kerberos.realm", dict(kerberos=replace(KRB, realm=""), security=KRB_SECURITY), "1-256", "API KerberosAttributes"),
    # Escape hatches, checked against botocore's shapes.
    ("additional_info", dict(additional_info="{not json"), "not valid JSON", "API RunJobFlow AdditionalInfo"),
    ("additional_info", dict(additional_info="[1, 2]"), "JSON object", "API RunJobFlow AdditionalInfo"),
    ("configurations_json[0].Properties.spark.x", dict(configurations_json=json.dumps(
        [{"Classification": "spark-defaults", "Properties": {"spark.x": 1}}])), "ConfigurationList", "botocore"),
    ("configurations_json[0]", dict(configurations_json=json.dumps([{"Classification": "spark", "Props": {}}])),
     "Unknown parameter", "botocore"),
    ("configurations_json[0].Classification", dict(configurations_json=CONFIG_JSON, configurations=(
        Configuration(classification="spark-defaults", properties={"a": "b"}),)), "in one place", "API Configuration"),
    ("configurations_json[0].classification", dict(release_label="emr-6.3.0", configurations_json=json.dumps(
        [{"Classification": "trino-config", "Properties": {}}])), "no such configuration classification",
     "RG emr-630-release"),
    ("configurations[0].classification", dict(release_label="emr-6.8.0", configurations=(
        Configuration(classification="delta-defaults", properties={"delta.enabled": "true"}),)),
     "no such configuration classification", "RG Deltausing-cluster-spark"),
    ("core.autoscaling_json.Constraints", dict(core=InstanceGroup(autoscaling_json=json.dumps({"Rules": []}))),
     "AutoScalingPolicy", "botocore"),
    ("core.autoscaling_json", dict(core=InstanceGroup(instance_count=2, autoscaling=rule("AppsPending"),
                                                      autoscaling_json="{}")), "not both", "-"),
    ("master.autoscaling_json", dict(master=InstanceGroup(autoscaling_json="{}")), "primary node cannot scale",
     "MG emr-automatic-scaling"),
    # Tags.
    ("tags", dict(tags={f"k{i}": "v" for i in range(51)}), "at most 50 tags", "EC2 tag restrictions"),
    ("network.additional_master_security_groups", dict(network=Network(additional_master_security_groups=tuple(
        f"sg-0a1b2c3{i}" for i in range(6)))), "at most 5", "API JobFlowInstancesConfig"),
]


@pytest.mark.parametrize("field,changes,words,source", REFUSED,
                         ids=[f"{i}-{f}" for i, (f, *_) in enumerate(REFUSED)])
def test_emr_refuses_and_so_do_we(field, changes, words, source):
    with pytest.raises(ConfigError) as err:
        validate_cluster_props(replace(BASE, **changes))
    found = {p.field: p.rule for p in err.value.problems}
    assert field in found, f"{field} not refused ({source}); got {found}"
    assert words in found[field]


# Inputs EMR accepts (each on the edge of a rule above).
ACCEPTED = [
    dict(core=InstanceGroup(bid_price="OnDemandPrice"), task=(InstanceGroup(instance_count=0),)),
    dict(bootstrap_actions=(BootstrapAction(name="hue", path="file:/usr/share/aws/emr/scripts/install-hue"),)),
    dict(release_label="emr-6.12.0", master=HA_FLEET, core=None),
    dict(release_label="emr-6.10.1", master=HA_FLEET, core=None),
    dict(release_label="emr-5.36.1", master=HA_FLEET, core=None),
    dict(release_label="emr-5.23.0", master=InstanceGroup(instance_count=3), placement_strategy="SPREAD"),
    dict(master=HA_FLEET, core=None, placement_strategy="SPREAD"),
    dict(release_label="emr-6.0.1", managed_scaling=ManagedScaling(minimum_units=2, maximum_units=4)),
    dict(kerberos=KRB, security=KRB_SECURITY),
    dict(kerberos=replace(KRB, ad_domain_join_user="joiner", ad_domain_join_password="${var.p}",
                          cross_realm_trust_principal_password="${var.t}"), security=KRB_SECURITY),
    dict(kerberos=KRB, security_configuration_json=json.dumps(
        {"AuthenticationConfiguration": {"KerberosConfiguration": {"Provider": "ClusterDedicatedKdc"}}})),
    dict(kerberos=KRB, security_configuration="existing-kerberized"),
    dict(core=InstanceGroup(instance_count=600)),
    dict(master=FLEET, core=replace(FLEET, instance_types=(InstanceTypeConfig(
        instance_type="m5.xlarge", bid_price_as_percentage_of_on_demand_price=150),))),
    dict(master=FLEET, core=replace(FLEET, instance_types=tuple(
        InstanceTypeConfig(instance_type=f"m5.{n}xlarge") for n in range(30)))),
    vol(type="io1", size_gb=100, iops=5000),
    vol(type="st1", size_gb=500),
    vol(type="gp3", size_gb=100, iops=16000, throughput=1000),
    vol(type="standard", size_gb=1024),
    dict(core=InstanceGroup(ebs_volumes=(EbsVolume(volumes_per_instance=25),))),
    dict(applications=("spark", "HIVE", "Livy")),
    dict(release_label="emr-7.2.0", applications=("Spark", "AmazonCloudWatchAgent")),
    dict(release_label="emr-6.4.0", applications=("Spark", "Trino")),
    dict(release_label="emr-6.3.0", applications=("Spark", "PrestoSQL")),
    dict(release_label="emr-6.5.0", configurations=(
        Configuration(classification="iceberg-defaults", properties={"iceberg.enabled": "true"}),)),
    dict(release_label="emr-6.9.0", configurations_json=json.dumps(
        [{"Classification": "delta-defaults", "Properties": {"delta.enabled": "true"}}])),
    dict(configurations_json=CONFIG_JSON, configurations=(Configuration(classification="yarn-site",
                                                                        properties={"a": "b"}),)),
    dict(log_encryption_kms_key_id="1234abcd-12ab-34cd-56ef-1234567890ab"),
    dict(log_encryption_kms_key_id="arn:aws:kms:eu-west-1:123456789012:alias/emr-logs"),
    dict(release_label="emr-6.9.0", ebs_root_volume_size_gb=10),
    dict(additional_info=json.dumps({"instanceAwsClientConfiguration": {"proxyPort": 8099}})),
    dict(core=InstanceGroup(instance_count=2, autoscaling=rule("AppsPending"))),
    dict(core=InstanceGroup(instance_count=2, autoscaling=rule("YARNMemoryAvailablePercentage", unit="PERCENT"))),
    dict(release_label="${var.release}", applications=("Spark", "Trino")),
]


@pytest.mark.parametrize("changes", ACCEPTED, ids=[str(i) for i in range(len(ACCEPTED))])
def test_what_emr_accepts_is_accepted(changes):
    validate_cluster_props(replace(BASE, **changes))


def test_a_rule_unit_defaults_to_its_metric_unit():
    unit = lambda metric: ScalingRule(name="r", metric=metric, comparison="GREATER_THAN", threshold=1,  # noqa: E731
                                      adjustment=1).to_api()["Trigger"]["CloudWatchAlarmDefinition"]["Unit"]
    assert unit("AppsPending") == "COUNT"
    assert unit("ContainerPendingRatio") == "COUNT"
    assert unit("YARNMemoryAvailablePercentage") == "PERCENT"
    assert unit("IsIdle") == "NONE"


# --- what reaches Terraform ------------------------------------------------------------------------------

def synth(**changes) -> dict:
    s = TerraformStack(Testing.app(), "s")
    EmrCluster(s, "emr", replace(BASE, **changes), iam_props=IAM)
    return synth_json(s)


def test_escape_hatches_reach_the_cluster():
    policy = {"Constraints": {"MinCapacity": 0, "MaxCapacity": 4}, "Rules": [{
        "Name": "out", "Action": {"SimpleScalingPolicyConfiguration": {"ScalingAdjustment": 1}},
        "Trigger": {"CloudWatchAlarmDefinition": {"ComparisonOperator": "GREATER_THAN", "MetricName": "AppsPending",
                                                  "Period": 300, "Threshold": 2, "Unit": "COUNT"}}}]}
    out = synth(configurations_json=CONFIG_JSON,
                configurations=(Configuration(classification="yarn-site", properties={"a": "b"}),),
                additional_info='{"x": 1}', master=InstanceGroup(instance_count=3), placement_strategy="SPREAD",
                kerberos=KRB, security=replace(KRB_SECURITY, allow_no_in_transit_encryption=True),
                task=(InstanceGroup(instance_count=0, autoscaling_json=json.dumps(policy)),))
    cluster = resources_of(out, "aws_emr_cluster")[0]
    assert [c["Classification"] for c in json.loads(cluster["configurations_json"])] == ["spark-defaults", "yarn-site"]
    assert cluster["additional_info"] == '{"x":1}'
    assert cluster["placement_group_config"] == [{"instance_role": "MASTER", "placement_strategy": "SPREAD"}]
    assert cluster["kerberos_attributes"] == [{"realm": "EC2.INTERNAL", "kdc_admin_password": "${var.kdc}"}]
    assert json.loads(resources_of(out, "aws_emr_instance_group")[0]["autoscaling_policy"]) == policy
    document = json.loads(resources_of(out, "aws_emr_security_configuration")[0]["configuration"])
    assert document["AuthenticationConfiguration"]["KerberosConfiguration"]["ClusterDedicatedKdcConfiguration"] == {
        "TicketLifetimeInHours": 24}
    assert resources_of(out, "aws_iam_role")  # the autoscaling policy needs the autoscaling role: created
    assert cluster["autoscaling_role"]


def test_a_security_configuration_document_of_your_own_creates_no_key():
    document = {"EncryptionConfiguration": {"EnableInTransitEncryption": False, "EnableAtRestEncryption": True,
                                            "AtRestEncryptionConfiguration": {"S3EncryptionConfiguration": {
                                                "EncryptionMode": "SSE-S3"}}}}
    out = synth(security_configuration_json=json.dumps(document))
    assert json.loads(resources_of(out, "aws_emr_security_configuration")[0]["configuration"]) == document
    assert not resources_of(out, "aws_kms_key")


@pytest.mark.parametrize("changes,field,words", [
    (dict(security_configuration_json=json.dumps({"EncryptionConfiguration": {}}), security_configuration="existing"),
     "security_configuration_json", "not both"),
    (dict(security_configuration_json='{"Encryption": {}}'), "security_configuration_json.Encryption",
     "not a security configuration section"),
    (dict(security_configuration_json="nope"), "security_configuration_json", "not valid JSON"),
    (dict(security_configuration_json=json.dumps({"EncryptionConfiguration": {}}),
          security=SecurityProps(allow_no_in_transit_encryption=True)), "security",
     "not both"),
    (sg_rule(cidr="0.0.0.0/0"), "network.security_group_rules[0].cidr", "no ingress from anywhere"),
    (sg_rule(prefix_list_id="pl-63a5400a"), "network.security_group_rules[0].cidr", "exactly one peer"),
    (sg_rule(group="service"), "network.security_group_rules[0].group", "must be one of"),
    (sg_rule(from_port=None), "network.security_group_rules[0].from_port", "required for tcp"),
    (sg_rule(protocol="-1"), "network.security_group_rules[0].from_port", "every port"),
    (sg_rule(from_port=500, to_port=400), "network.security_group_rules[0].from_port", "must not exceed"),
    (sg_rule(cidr=None, prefix_list_id="s3"), "network.security_group_rules[0].prefix_list_id", "prefix list id"),
    (dict(network=Network(security_group_rules=(SecurityGroupRule(group="master", direction="egress", protocol="-1",
                                                                  cidr="10.0.0.0/8"),),
                          emr_managed_master_security_group="sg-0a1b2c3d", emr_managed_slave_security_group="sg-0a1b2c3e")),
     "network.security_group_rules", "you passed your own groups"),
    (dict(network=Network(subnet_ids=("subnet-0a1b2c3d",), private_subnets=False)), "network.vpc_id",
     "subnets' VPC"),
    (dict(network=Network(subnet_ids=("subnet-0a1b2c3d",), vpc_id="vpc-0a1b2c3d", private_subnets=False,
                          security_group_rules=(SecurityGroupRule(group="service_access", direction="egress",
                                                                  protocol="-1", cidr="10.0.0.0/8"),))),
     "network.security_group_rules[0].group", "only for private subnets"),
])
def test_cluster_level_rules(changes, field, words):
    with pytest.raises(ConfigError) as err:
        synth(**changes)
    found = {p.field: p.rule for p in err.value.problems}
    assert field in found and words in found[field], found


def test_security_group_rules_reach_the_groups_the_cluster_creates():
    out = synth(**sg_rule(group="master", direction="egress", cidr=None, prefix_list_id="pl-63a5400a"))
    egress = [r for r in resources_of(out, "aws_vpc_security_group_egress_rule") if r.get("prefix_list_id")]
    assert len(egress) == 1 and egress[0]["from_port"] == 443 and egress[0]["ip_protocol"] == "tcp"
    assert "master" in egress[0]["security_group_id"]


def test_a_release_known_only_at_apply_skips_the_gates_with_a_warning():
    s = TerraformStack(Testing.app(), "s")
    cluster = EmrCluster(s, "emr", replace(BASE, release_label="${var.release}"), iam_props=IAM)
    messages = [m.data for m in cluster.node.metadata if "warn" in m.type]
    assert any("release_label is known only at apply" in str(m) for m in messages)


def test_literal_kerberos_passwords_are_warned_about():
    s = TerraformStack(Testing.app(), "s")
    cluster = EmrCluster(s, "emr", replace(BASE, kerberos=replace(KRB, kdc_admin_password="hunter2"),
                                           security=KRB_SECURITY), iam_props=IAM)
    messages = [str(m.data) for m in cluster.node.metadata if "warn" in m.type]
    assert any("kdc_admin_password given as literal text" in m for m in messages)
