"""What each construct creates, asserted rule by rule on the synthesized JSON."""
import json
from dataclasses import replace

import pytest
from cdktf import Testing, TerraformStack

from emr_constructs import (
    ClusterProps,
    ConfigError,
    EmrCluster,
    EmrRoles,
    IamProps,
    InstanceGroup,
    LogBucket,
    LogBucketProps,
)
from stacks.emr_stack import OUTPUT_NAMES, output_names
from stacks.examples import EXAMPLES, FLEETS, MINIMAL, PRODUCTION

from ..conftest import one_resource, resources_of, synth_json

IAM = IamProps(name_prefix="t", account_id="123456789012", region="eu-west-1")


@pytest.fixture(scope="module")
def minimal(build_stack):
    return synth_json(build_stack(MINIMAL, {"EMR_ACCOUNT_ID": "123456789012"}))


@pytest.fixture(scope="module")
def production(build_stack):
    return synth_json(build_stack(PRODUCTION))


@pytest.fixture(scope="module")
def fleets(build_stack):
    return synth_json(build_stack(FLEETS))


def _cluster_stack(props, **kwargs):
    stack = TerraformStack(Testing.app(), "t")
    construct = EmrCluster(stack, "emr", props, **kwargs)
    return construct, synth_json(stack)


def policy(resource):
    return json.loads(resource["policy"])


def log_bucket_resource(synth, type_):
    """The log bucket's own resource of ``type_`` (the access-log bucket has one of each too)."""
    found = {k: v for k, v in synth["resource"][type_].items() if "access-logs" not in k}
    assert len(found) == 1, f"expected one {type_} for the log bucket, found {sorted(found)}"
    return {k: v for k, v in next(iter(found.values())).items() if k != "//"}


# Log bucket
def test_log_bucket_blocks_public_access(minimal):
    pab = log_bucket_resource(minimal, "aws_s3_bucket_public_access_block")
    assert all(pab[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                         "restrict_public_buckets"))


def test_log_bucket_is_tls_only(minimal):
    statements = policy(log_bucket_resource(minimal, "aws_s3_bucket_policy"))["Statement"]
    conditions = {s["Sid"]: s["Condition"] for s in statements if s["Effect"] == "Deny"}
    assert conditions["DenyInsecureTransport"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert conditions["DenyOutdatedTls"] == {"NumericLessThan": {"s3:TlsVersion": "1.2"}}


def test_log_bucket_is_encrypted_versioned_owner_enforced_and_expires(minimal):
    sse = log_bucket_resource(minimal, "aws_s3_bucket_server_side_encryption_configuration")
    assert sse["rule"][0]["apply_server_side_encryption_by_default"] == [{"sse_algorithm": "aws:kms"}]
    assert log_bucket_resource(minimal, "aws_s3_bucket_versioning")["versioning_configuration"] == [
        {"status": "Enabled"}]
    assert log_bucket_resource(minimal, "aws_s3_bucket_ownership_controls")["rule"] == [
        {"object_ownership": "BucketOwnerEnforced"}]
    rule = log_bucket_resource(minimal, "aws_s3_bucket_lifecycle_configuration")["rule"][0]
    assert rule["expiration"] == [{"days": 90}]
    assert rule["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]
    assert log_bucket_resource(minimal, "aws_s3_bucket")["bucket_prefix"] == "spark-minimal-logs-"


def test_log_bucket_uses_kms_when_given():
    stack = TerraformStack(Testing.app(), "kms")
    key = "arn:aws:kms:eu-west-1:123456789012:key/abcd"
    LogBucket(stack, "logs", LogBucketProps(bucket_name="my-logs", kms_key_arn=key))
    sse = log_bucket_resource(synth_json(stack), "aws_s3_bucket_server_side_encryption_configuration")["rule"][0]
    assert sse["apply_server_side_encryption_by_default"] == [{"sse_algorithm": "aws:kms", "kms_master_key_id": key}]
    assert sse["bucket_key_enabled"] is True


def test_existing_log_bucket_creates_no_bucket_but_grants_writes():
    stack = TerraformStack(Testing.app(), "byo")
    bucket = LogBucket.from_existing(stack, "logs", bucket_name="corp-emr-logs", log_prefix="emr/")
    construct = EmrCluster(stack, "emr", ClusterProps(name="byo"), iam_props=IAM, log_bucket=bucket)
    out = synth_json(stack)
    assert "aws_s3_bucket" not in out["resource"]
    assert construct.log_bucket.log_uri == "s3://corp-emr-logs/emr/"
    write = policy(next(r for r in resources_of(out, "aws_iam_role_policy")
                        if r["name"] == "emr-instance-least-privilege"))
    assert write["Statement"][0]["Resource"] == "arn:aws:s3:::corp-emr-logs/emr/*"


def test_log_bucket_or_its_props_never_both():
    stack = TerraformStack(Testing.app(), "both")
    bucket = LogBucket.from_existing(stack, "logs", bucket_name="corp-emr-logs")
    with pytest.raises(ConfigError, match="log_bucket"):
        EmrCluster(stack, "emr", ClusterProps(name="x"), iam_props=IAM, log_bucket=bucket,
                   log_bucket_props=LogBucketProps())


def test_roles_or_iam_props_required():
    with pytest.raises(ConfigError, match="iam_props"):
        EmrCluster(TerraformStack(Testing.app(), "none"), "emr", ClusterProps(name="x"))


# IAM
def test_instance_role_is_least_privilege(production):
    roles = {r["name"]: r for r in resources_of(production, "aws_iam_role")}
    instance = policy(next(r for r in resources_of(production, "aws_iam_role_policy")
                           if r["name"] == "emr-instance-least-privilege"))
    actions = {a for s in instance["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert not any(a.endswith("*") for a in actions)
    resources = [r for s in instance["Statement"] for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])]
    assert "*" not in resources
    assert "arn:aws:s3:::example-data-lake/*" in resources
    attached = [a["policy_arn"] for a in resources_of(production, "aws_iam_role_policy_attachment")]
    assert not any("AmazonElasticMapReduceforEC2Role" in a for a in attached)
    assert "spark-production-emr-instance" in roles


def test_service_role_trust_has_confused_deputy_conditions(minimal):
    service = next(r for r in resources_of(minimal, "aws_iam_role") if r["name"].endswith("-emr-service"))
    condition = json.loads(service["assume_role_policy"])["Statement"][0]["Condition"]
    assert condition["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    assert condition["ArnLike"] == {"aws:SourceArn": "arn:aws:elasticmapreduce:eu-west-1:123456789012:*"}


def test_service_role_uses_v2_policy_and_passes_only_our_instance_role(minimal):
    attached = [a["policy_arn"] for a in resources_of(minimal, "aws_iam_role_policy_attachment")]
    assert attached == ["arn:aws:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2"]
    pass_role = policy(next(r for r in resources_of(minimal, "aws_iam_role_policy") if r["name"] == "emr-pass-instance-role"))
    statement = pass_role["Statement"][0]
    assert statement["Action"] == "iam:PassRole"
    assert statement["Resource"].startswith("${aws_iam_role.") and "instance-role" in statement["Resource"]
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}


def test_permissions_boundary_and_autoscaling_role():
    boundary = "arn:aws:iam::123456789012:policy/boundary"
    stack = TerraformStack(Testing.app(), "pb")
    bucket = LogBucket.from_existing(stack, "logs", bucket_name="corp-emr-logs")
    roles = EmrRoles(stack, "roles", replace(IAM, permissions_boundary_arn=boundary, with_autoscaling_role=True),
                     log_bucket=bucket)
    out = synth_json(stack)
    assert [r["permissions_boundary"] for r in resources_of(out, "aws_iam_role")] == [boundary] * 3
    assert roles.autoscaling_role is not None
    passes = policy(next(r for r in resources_of(out, "aws_iam_role_policy") if r["name"] == "emr-pass-instance-role"))
    assert {s["Condition"]["StringEquals"]["iam:PassedToService"] for s in passes["Statement"]} == {
        "ec2.amazonaws.com", "application-autoscaling.amazonaws.com"}


# Cluster
def test_cluster_defaults(minimal):
    cluster = one_resource(minimal, "aws_emr_cluster")
    assert cluster["release_label"] == "emr-7.2.0" and cluster["applications"] == ["Spark"]
    assert cluster["tags"]["for-use-with-amazon-emr-managed-policies"] == "true"
    assert cluster["log_uri"].startswith("s3://${aws_s3_bucket.") and cluster["log_uri"].endswith("/logs/")
    assert cluster["auto_termination_policy"] == [{"idle_timeout": 3600}]
    assert "configurations_json" not in cluster
    assert cluster["visible_to_all_users"] is True and cluster["unhealthy_node_replacement"] is True
    assert len(cluster["depends_on"]) == 4


def test_cluster_warns_without_subnet():
    stack = TerraformStack(Testing.app(), "warn")
    EmrCluster(stack, "emr", ClusterProps(name="x"), iam_props=IAM)
    assert Testing.synth(stack)
    meta = [m.data for m in stack.node.find_child("emr").node.metadata]
    assert any("default VPC" in str(d) for d in meta)


def test_production_cluster(production):
    cluster = one_resource(production, "aws_emr_cluster")
    assert cluster["step_concurrency_level"] == 10
    assert cluster["termination_protection"] is True
    assert cluster["ec2_attributes"][0]["subnet_id"] == "subnet-0a1b2c3d4e5f60001"
    spark = next(c for c in json.loads(cluster["configurations_json"]) if c["Classification"] == "spark-defaults")
    assert spark["Properties"]["spark.dynamicAllocation.enabled"] == "true"
    task = one_resource(production, "aws_emr_instance_group")
    assert task["instance_count"] == 2 and task["bid_price"] == "0.30" and task["name"] == "task-spot"
    assert cluster["core_instance_group"][0]["ebs_config"][0]["throughput"] == 250


def test_fleet_cluster(fleets):
    cluster = one_resource(fleets, "aws_emr_cluster")
    assert "master_instance_group" not in cluster
    assert cluster["master_instance_fleet"][0]["target_on_demand_capacity"] == 1
    assert len(cluster["ec2_attributes"][0]["subnet_ids"]) == 3
    task = one_resource(fleets, "aws_emr_instance_fleet")
    assert task["target_spot_capacity"] == 8
    assert task["launch_specifications"][0]["spot_specification"][0]["timeout_duration_minutes"] == 15


def test_scaled_capacity_is_ignored_by_terraform():
    props = replace(MINIMAL.cluster, capacity_managed_by_scaling=True, task=(InstanceGroup(name="t"),))
    _, out = _cluster_stack(props, iam_props=IAM)
    assert one_resource(out, "aws_emr_cluster")["lifecycle"] == {
        "ignore_changes": ["core_instance_group[0].instance_count"]}
    assert one_resource(out, "aws_emr_instance_group")["lifecycle"] == {"ignore_changes": ["instance_count"]}
    _, out = _cluster_stack(replace(FLEETS.cluster, capacity_managed_by_scaling=True), iam_props=IAM)
    assert one_resource(out, "aws_emr_cluster")["lifecycle"]["ignore_changes"] == [
        "core_instance_fleet[0].target_on_demand_capacity", "core_instance_fleet[0].target_spot_capacity"]
    assert "lifecycle" not in one_resource(synth_json_of_default(), "aws_emr_cluster")


def synth_json_of_default():
    return _cluster_stack(MINIMAL.cluster, iam_props=IAM)[1]


def test_construct_exposes_what_it_created():
    construct, _ = _cluster_stack(PRODUCTION.cluster, iam_props=IAM)
    assert construct.log_bucket.bucket is not None
    assert construct.roles.service_role is not None and construct.roles.instance_profile is not None
    assert len(construct.task_groups) == 1 and construct.task_fleet is None


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_stack_declares_the_runner_outputs(name, build_stack):
    out = synth_json(build_stack(EXAMPLES[name]))
    assert sorted(out["output"]) == sorted(output_names(EXAMPLES[name]))
    assert set(OUTPUT_NAMES) <= set(out["output"])


def test_outputs_reference_what_downstream_stacks_use(build_stack):
    out = synth_json(build_stack(PRODUCTION))["output"]
    assert out["master_security_group_id"]["value"].startswith("${aws_security_group.")
    assert out["service_access_security_group_id"]["value"].startswith("${aws_security_group.")
    assert out["kms_key_arn"]["value"].startswith("${aws_kms_key.")
    assert out["instance_role_name"]["value"].startswith("${aws_iam_role.") and out["instance_role_name"]["value"].endswith(".name}")
    assert out["security_configuration_name"]["value"].startswith("${aws_emr_security_configuration.")
    for name in OUTPUT_NAMES:  # the runner's eight keep their names
        assert name in out


def test_a_cluster_with_groups_and_a_key_of_your_own_exposes_those():
    from dataclasses import replace as _replace

    from emr_constructs import Network
    from emr_constructs.security.security_configuration import SecurityProps

    key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    props = _replace(MINIMAL.cluster, network=Network(
        subnet_ids=("subnet-0a1b2c3d",), emr_managed_master_security_group="sg-0a1b2c3d",
        emr_managed_slave_security_group="sg-0a1b2c3e", service_access_security_group="sg-0a1b2c3f"),
        security=SecurityProps(kms_key_arn=key, allow_no_in_transit_encryption=True))
    construct, _ = _cluster_stack(props, iam_props=IAM)
    assert construct.security_group_ids == {"master": "sg-0a1b2c3d", "slave": "sg-0a1b2c3e",
                                            "service_access": "sg-0a1b2c3f"}
    assert construct.kms_key_arn == key


def test_local_target_points_every_endpoint_at_the_emulator(build_stack):
    out = synth_json(build_stack(MINIMAL, {"EMR_TARGET": "local", "EMR_LOCAL_ENDPOINT": "http://127.0.0.1:5999"}))
    provider = out["provider"]["aws"][0]
    assert set(provider["endpoints"][0].values()) == {"http://127.0.0.1:5999"}
    assert provider["skip_credentials_validation"] is True
    assert "data" not in out  # account id is known locally: no STS call


def test_s3_backend_uses_native_locking(build_stack):
    out = synth_json(build_stack(MINIMAL, {"EMR_STATE_BUCKET": "tf-state-bucket", "EMR_ACCOUNT_ID": "123456789012"}))
    backend = out["terraform"]["backend"]["s3"]
    assert backend["use_lockfile"] is True and backend["encrypt"] is True
    assert backend["key"] == "emr/emr-minimal.tfstate"
    assert out["provider"]["aws"][0]["allowed_account_ids"] == ["123456789012"]


def test_provider_constraint_and_no_prebuilt_bindings(minimal):
    assert minimal["terraform"]["required_providers"]["aws"] == {"source": "hashicorp/aws", "version": "~> 5.100"}
