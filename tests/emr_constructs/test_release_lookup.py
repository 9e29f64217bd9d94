"""The release lookup, and every attribute issue 11 added to aws_emr_cluster, against the real provider schema."""
from __future__ import annotations

import json

import pytest
from cdktf import App, TerraformStack, TerraformVariable, Testing

from emr_constructs import (AwsProvider, ClusterProps, ConfigError, Configuration, EmrCluster, EmrReleaseLookup,
                            IamProps, InstanceGroup, KerberosAttributes, Network, SecurityGroupRule, SecurityProps)

from ..conftest import synth_json

IAM = IamProps(name_prefix="c", account_id="123456789012", region="eu-west-1")


def test_the_latest_label_feeds_the_cluster():
    s = TerraformStack(Testing.app(), "s")
    lookup = EmrReleaseLookup(s, "release", prefix="emr-7", application="spark")
    EmrCluster(s, "emr", ClusterProps(name="c", release_label=lookup.latest), iam_props=IAM)
    out = synth_json(s)
    (data,) = out["data"]["aws_emr_release_labels"].values()
    assert data["filters"] == [{"prefix": "emr-7", "application": "spark"}]
    (cluster,) = out["resource"]["aws_emr_cluster"].values()
    assert cluster["release_label"].startswith("${element(data.aws_emr_release_labels.")
    assert cluster["release_label"].endswith(".release_labels, 0)}")


@pytest.mark.parametrize("kwargs,field", [
    (dict(prefix="7"), "prefix"), (dict(prefix="emr-7.x"), "prefix"), (dict(application="spark 3"), "application"),
])
def test_bad_filters_are_refused(kwargs, field):
    with pytest.raises(ConfigError) as err:
        EmrReleaseLookup(TerraformStack(Testing.app(), "s"), "release", **kwargs)
    assert [p.field for p in err.value.problems] == [field]


@pytest.mark.integration
def test_new_cluster_attributes_pass_terraform_validate(tmp_path):
    from scripts import terraform as tf

    from ..conftest import require_terraform_mirror

    require_terraform_mirror()
    app = App(outdir=str(tmp_path / "out"))
    s = TerraformStack(app, "issue11")
    AwsProvider(s, "aws", region="eu-west-1")
    kdc = TerraformVariable(s, "kdc_admin_password", type="string", sensitive=True)
    lookup = EmrReleaseLookup(s, "release", prefix="emr-7")
    policy = {"Constraints": {"MinCapacity": 0, "MaxCapacity": 4}, "Rules": [{
        "Name": "out", "Action": {"SimpleScalingPolicyConfiguration": {"ScalingAdjustment": 1}},
        "Trigger": {"CloudWatchAlarmDefinition": {"ComparisonOperator": "GREATER_THAN", "MetricName": "AppsPending",
                                                  "Period": 300, "Threshold": 2, "Unit": "COUNT"}}}]}
    EmrCluster(s, "emr", ClusterProps(
        name="issue11", release_label=lookup.latest,
        master=InstanceGroup(instance_count=3), placement_strategy="SPREAD",
        task=(InstanceGroup(instance_count=0, autoscaling_json=json.dumps(policy)),),
        configurations=(Configuration(classification="yarn-site", properties={"a": "b"}),),
        configurations_json=json.dumps([{"Classification": "spark-defaults", "Properties": {"x": "y"}}]),
        additional_info=json.dumps({"x": 1}),
        kerberos=KerberosAttributes(realm="EC2.INTERNAL", kdc_admin_password=kdc.string_value),
        security=SecurityProps(kerberos_ticket_lifetime_hours=24, allow_no_in_transit_encryption=True),
        network=Network(subnet_ids=("subnet-0a1b2c3d",), vpc_id="vpc-0a1b2c3d", security_group_rules=(
            SecurityGroupRule(group="master", direction="egress", protocol="tcp", from_port=443, to_port=443,
                              prefix_list_id="pl-63a5400a", description="S3 gateway endpoint"),
            SecurityGroupRule(group="slave", direction="ingress", protocol="-1", security_group_id="sg-0a1b2c3d"),
        )),
    ), iam_props=IAM)
    app.synth()
    work = tf.prepare(tmp_path / "out" / "stacks" / "issue11", tmp_path / "tf")
    report = tf.validate(work)
    assert report["valid"] is True and report["error_count"] == 0, report["diagnostics"]
