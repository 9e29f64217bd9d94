"""Step log shipping on the cluster side: what StepLogShipping adds, asserted on synthesized JSON,
and every bad input naming its field before anything is synthesized."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from cdktf import Testing, TerraformStack

from emr_constructs import BootstrapAction, ClusterProps, ConfigError, EmrCluster, IamProps, LogBucketProps
from emr_constructs.security.security_configuration import SecurityProps
from emr_constructs.logs.step_logs import (RETENTION_DAYS, StepLogsProps, bootstrap_script, validate_step_logs_props)
from emr_contract.log_naming import LOG_GROUP_TAG
from emr_contract.outputs import LOG_GROUP as LOG_GROUP_OUTPUT
from stacks.examples import MINIMAL, PRODUCTION

from ..conftest import one_resource, resources_of, synth_json

ACCOUNT = "123456789012"
GROUP = "/aws/emr/spark-production"
GROUP_ARN = f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:{GROUP}"
KEY_REF = "${aws_kms_key.emr_security_configuration_kms_key_C93CB8BE.arn}"
BUCKET_ID = "${aws_s3_bucket.emr_log-bucket_CFF3FA74.id}"
BUCKET_ARN = "${aws_s3_bucket.emr_log-bucket_CFF3FA74.arn}"
SCRIPT_KEY = "bootstrap/emr-step-logs/spark-production.sh"
IAM = IamProps(name_prefix="t", account_id=ACCOUNT, region="eu-west-1")
OWN_KEY = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def production(build_stack):
    return synth_json(build_stack(PRODUCTION, {"EMR_ACCOUNT_ID": ACCOUNT}))


def statements(policy: str) -> dict[str, dict]:
    return {s.get("Sid"): s for s in json.loads(policy)["Statement"]}


def instance_policy(synth: dict) -> dict[str, dict]:
    policy = next(p for p in resources_of(synth, "aws_iam_role_policy") if p["name"] == "emr-instance-least-privilege")
    return statements(policy["policy"])


def test_log_group_keeps_30_days_encrypted_with_the_cluster_key(production):
    group = one_resource(production, "aws_cloudwatch_log_group")
    assert group["name"] == GROUP and group["retention_in_days"] == 30 and group["kms_key_id"] == KEY_REF


def test_cluster_key_lets_cloudwatch_logs_use_it_for_this_group_only(production):
    key = next(k for k in resources_of(production, "aws_kms_key") if "AllowEmrRolesToUseKey" in k["policy"])
    assert statements(key["policy"])["AllowCloudWatchLogsForStepLogs"] == {
        "Sid": "AllowCloudWatchLogsForStepLogs",
        "Effect": "Allow",
        "Principal": {"Service": "logs.eu-west-1.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:EncryptionContext:aws:logs:arn": GROUP_ARN}},
    }


def test_instance_role_gets_exactly_the_shipping_and_script_statements(production):
    found = instance_policy(production)
    assert found["ShipStepLogs"] == {
        "Sid": "ShipStepLogs", "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
        "Resource": [GROUP_ARN, f"{GROUP_ARN}:*"],
    }
    assert found["ReadStepLogsBootstrapScript"] == {
        "Sid": "ReadStepLogsBootstrapScript", "Effect": "Allow", "Action": "s3:GetObject",
        "Resource": f"{BUCKET_ARN}/{SCRIPT_KEY}",
    }
    assert "DecryptStepLogsBootstrapScript" not in found  # the cluster key's policy already covers the role
    writes = found["WriteEmrLogs"]["Resource"]
    assert writes == f"{BUCKET_ARN}/logs/*" and not SCRIPT_KEY.startswith("logs/")  # nodes cannot rewrite it


def test_script_is_one_kms_encrypted_s3_object_outside_the_log_prefix(production):
    script = one_resource(production, "aws_s3_object")
    assert script["bucket"] == BUCKET_ID and script["key"] == SCRIPT_KEY
    assert script["server_side_encryption"] == "aws:kms" and script["kms_key_id"] == KEY_REF
    assert script["content"] == bootstrap_script(GROUP, "driver")


def test_log_bucket_expires_only_the_log_prefix(production):
    lifecycle = next(r for r in resources_of(production, "aws_s3_bucket_lifecycle_configuration")
                     if r["bucket"] == BUCKET_ID)
    rules = {r["id"]: r for r in lifecycle["rule"]}
    assert rules["expire-logs"]["filter"] == [{"prefix": "logs/"}] and rules["expire-logs"]["expiration"] == [{"days": 30}]
    assert "expiration" not in rules["tidy-everything-else"]  # the script is never expired


def test_cluster_runs_the_script_first_and_is_tagged_with_the_group(production):
    cluster = one_resource(production, "aws_emr_cluster")
    assert cluster["bootstrap_action"][0] == {"name": "emr-step-logs", "path": f"s3://{BUCKET_ID}/{SCRIPT_KEY}"}
    assert cluster["bootstrap_action"][1]["name"] == "python-deps"
    assert cluster["tags"][LOG_GROUP_TAG] == GROUP
    assert any(d.startswith("aws_s3_object.") for d in cluster["depends_on"])
    assert any(d.startswith("aws_cloudwatch_log_group.") for d in cluster["depends_on"])


def test_stack_declares_the_log_group_output(production):
    assert production["output"][LOG_GROUP_OUTPUT]["value"] == GROUP


def test_minimal_example_ships_nothing(build_stack):
    out = synth_json(build_stack(MINIMAL))
    for type_ in ("aws_cloudwatch_log_group", "aws_s3_object"):
        assert resources_of(out, type_) == []
    assert LOG_GROUP_TAG not in one_resource(out, "aws_emr_cluster")["tags"]
    assert LOG_GROUP_OUTPUT not in out["output"]


def cluster_stack(props: ClusterProps, **kwargs):
    stack = TerraformStack(Testing.app(), "t")
    construct = EmrCluster(stack, "emr", props, iam_props=IAM, **kwargs)
    return construct, synth_json(stack)


def test_a_key_you_bring_is_used_as_is_and_the_role_may_decrypt_the_script_through_s3():
    props = replace(MINIMAL.cluster, step_logs=StepLogsProps(kms_key_arn=OWN_KEY, log_group_name="team/spark",
                                                             retention_days=365, containers="all"))
    construct, out = cluster_stack(props)
    group = one_resource(out, "aws_cloudwatch_log_group")
    assert group == {"name": "team/spark", "retention_in_days": 365, "kms_key_id": OWN_KEY,
                     "tags": {"for-use-with-amazon-emr-managed-policies": "true"}}
    assert "AllowCloudWatchLogsForStepLogs" not in one_resource(out, "aws_kms_key")["policy"]
    assert instance_policy(out)["DecryptStepLogsBootstrapScript"] == {
        "Sid": "DecryptStepLogsBootstrapScript", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": OWN_KEY,
        "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},
    }
    assert "CONTAINERS='all'" in one_resource(out, "aws_s3_object")["content"]
    assert construct.step_logs.log_group_name == "team/spark"
    assert construct.step_logs.tags == {LOG_GROUP_TAG: "team/spark"}


# bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("props, field, rule", [
    (StepLogsProps(retention_days=10), "step_logs.retention_days", "must be one of 1, 3, 5, 7, 14, 30"),
    (StepLogsProps(retention_days=0), "step_logs.retention_days", "must be one of"),
    (StepLogsProps(log_group_name="aws/emr/x"), "step_logs.log_group_name", "not start with aws/"),
    (StepLogsProps(log_group_name="my group"), "step_logs.log_group_name", "1-256 letters"),
    (StepLogsProps(log_group_name="/emr/#1"), "step_logs.log_group_name", "valid cluster tag value"),
    (StepLogsProps(log_group_name="x" * 257), "step_logs.log_group_name", "1-256"),
    (StepLogsProps(kms_key_arn="arn:aws:kms:eu-west-1:123456789012:alias/logs"), "step_logs.kms_key_arn",
     "CloudWatch Logs takes no alias"),
    (StepLogsProps(containers="executors"), "step_logs.containers", "must be one of driver, all, none"),
])
def test_bad_step_logs_props_name_the_field(props, field, rule):
    with pytest.raises(ConfigError) as err:
        validate_step_logs_props(props)
    assert err.value.problems[0].field == field and rule in err.value.problems[0].rule


def test_all_problems_are_reported_at_once():
    with pytest.raises(ConfigError) as err:
        validate_step_logs_props(StepLogsProps(retention_days=2, log_group_name="a b", containers="x"))
    assert [p.field for p in err.value.problems] == [
        "step_logs.retention_days", "step_logs.log_group_name", "step_logs.containers"]


def test_every_allowed_retention_passes():
    for days in RETENTION_DAYS:
        validate_step_logs_props(StepLogsProps(retention_days=days))


@pytest.mark.parametrize("change, field, rule", [
    (dict(release_label="emr-5.29.0", idle_timeout_seconds=None), "release_label", "emr-5.30.0 or later"),
    (dict(bootstrap_actions=tuple(BootstrapAction(name=f"b{i}", path=f"s3://bucket/b{i}.sh") for i in range(16))),
     "bootstrap_actions", "step_logs adds one"),
    (dict(security_configuration="existing", security=SecurityProps()), "step_logs.kms_key_arn", "creates no KMS key"),
    (dict(security=SecurityProps(kms_key_arn=OWN_KEY, allow_no_in_transit_encryption=True)), "step_logs.kms_key_arn",
     "creates no KMS key"),
])
def test_what_shipping_needs_from_the_cluster(change, field, rule):
    props = replace(MINIMAL.cluster, step_logs=StepLogsProps(), **change)
    with pytest.raises(ConfigError) as err:
        cluster_stack(props)
    assert [(p.field, rule in p.rule) for p in err.value.problems] == [(field, True)]


@pytest.mark.parametrize("prefix", ["", "bootstrap/"])
def test_the_log_prefix_must_keep_the_script_out_of_reach(prefix):
    props = replace(MINIMAL.cluster, step_logs=StepLogsProps())
    with pytest.raises(ConfigError) as err:
        cluster_stack(props, log_bucket_props=LogBucketProps(log_prefix=prefix))
    assert err.value.problems[0].field == "log_prefix" and "nodes cannot overwrite" in err.value.problems[0].rule


def test_a_bad_step_logs_prop_stops_the_cluster_before_synthesis():
    app = Testing.app()
    stack = TerraformStack(app, "t")
    with pytest.raises(ConfigError, match="step_logs.retention_days=31"):
        EmrCluster(stack, "emr", replace(MINIMAL.cluster, step_logs=StepLogsProps(retention_days=31)), iam_props=IAM)
    assert stack.node.children == []
