"""The clusters of terraform-aws-modules/terraform-aws-emr's examples (stacks/module_examples.py): what each
synthesizes (a syrupy snapshot and the example's intent), offline `terraform validate` against the provider
schema, and the shared root both validate and the security scan plan them in. The security scan itself covers
them in tests/test_security_scan.py: scripts/security.py synthesizes them beside the shipped stacks."""
import json
import os

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from emr_constructs import ClusterProps, ConfigError, InstanceGroup, Network
from emr_constructs.terraform.base import TAGGABLE
from emr_constructs.validation.cluster_rules import validate_cluster_props
from scripts import terraform as tf
from stacks.module_examples import MODULE_EXAMPLES, build_module_example

from ..conftest import one_resource, resources_of, synth_json

FLEETS = ("module-private-instance-fleet", "module-public-instance-fleet")
GROUPS = ("module-private-instance-group", "module-public-instance-group")
needs_terraform = pytest.mark.skipif(
    not tf.mirror_available() and not os.environ.get("CI"),
    reason="needs terraform and the provider mirror (never skipped in CI)")


@pytest.fixture(scope="module")
def synthesized():
    """Every module example, synthesized once for this module (aws target, default environment)."""
    from cdktf import Testing

    return {name: synth_json(build_module_example(Testing.app(), name)) for name in MODULE_EXAMPLES}


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def cluster_of(doc: dict) -> dict:
    return one_resource(doc, "aws_emr_cluster")


def test_the_four_clusters_of_the_two_module_examples():
    assert sorted(MODULE_EXAMPLES) == sorted(FLEETS + GROUPS)


@pytest.mark.parametrize("name", sorted(MODULE_EXAMPLES))
def test_module_example_matches_snapshot(name, synthesized, snapshot_json):
    assert synthesized[name] == snapshot_json


@pytest.mark.parametrize("name", sorted(MODULE_EXAMPLES))
def test_every_example_keeps_the_module_examples_cluster_settings(name, synthesized):
    cluster = cluster_of(synthesized[name])
    assert cluster["release_label"] == "emr-7.12.0"
    assert cluster["applications"] == ["Spark", "Trino"]
    assert cluster["bootstrap_action"] == [{"name": "echo-on-every-node", "path": "file:/bin/echo",
                                            "args": ["Hello from a bootstrap action"]}]
    assert cluster["auto_termination_policy"] == [{"idle_timeout": 14400}]
    assert cluster["step_concurrency_level"] == 3
    assert cluster["ebs_root_volume_size"] == 64
    assert cluster["scale_down_behavior"] == "TERMINATE_AT_TASK_COMPLETION"
    assert cluster["keep_job_flow_alive_when_no_steps"] is True
    assert json.loads(cluster["configurations_json"]) == [{
        "Classification": "spark-env", "Properties": {},
        "Configurations": [{"Classification": "export", "Properties": {"PYSPARK_PYTHON": "/usr/bin/python3"}}]}]
    assert cluster["tags"]["example"] == name.removeprefix("module-")
    # Our defaults: a security configuration and the EMR-managed groups created here.
    assert cluster["security_configuration"].startswith("${aws_emr_security_configuration.")
    assert cluster["ec2_attributes"][0]["emr_managed_master_security_group"].startswith("${aws_security_group.")


@pytest.mark.parametrize("name", sorted(MODULE_EXAMPLES))
def test_every_taggable_resource_carries_the_examples_tags(name, synthesized):
    doc = synthesized[name]
    untagged = [f"{type_}.{id_}" for type_, bodies in doc["resource"].items() if type_ in TAGGABLE
                for id_, body in bodies.items() if body.get("tags", {}).get("example") != name.removeprefix("module-")]
    assert untagged == []


@pytest.mark.parametrize("name, task_on_demand", [("module-private-instance-fleet", 1),
                                                  ("module-public-instance-fleet", 0)])
def test_fleets_as_the_module_examples_size_and_price_them(name, task_on_demand, synthesized):
    doc = synthesized[name]
    cluster = cluster_of(doc)
    master, = cluster["master_instance_fleet"]
    assert (master["target_on_demand_capacity"], master["target_spot_capacity"]) == (1, 0)
    assert [c["instance_type"] for c in master["instance_type_configs"]] == ["m5.xlarge"]
    core, = cluster["core_instance_fleet"]
    assert (core["target_on_demand_capacity"], core["target_spot_capacity"]) == (2, 2)
    assert [(c["instance_type"], c["weighted_capacity"], c["bid_price_as_percentage_of_on_demand_price"])
            for c in core["instance_type_configs"]] == [
        ("c4.large", 1, 60), ("c5.xlarge", 2, 100), ("c6i.xlarge", 2, 100)]
    # EBS only where the example lists it; EMR's default storage elsewhere.
    assert [c.get("ebs_config") for c in core["instance_type_configs"]] == [
        None, [{"size": 256, "type": "gp3", "volumes_per_instance": 1}], None]
    spot = {"allocation_strategy": "capacity-optimized", "timeout_action": "SWITCH_TO_ON_DEMAND",
            "timeout_duration_minutes": 5}
    assert core["launch_specifications"][0]["spot_specification"] == [spot]
    task = one_resource(doc, "aws_emr_instance_fleet")
    assert (task["target_on_demand_capacity"], task["target_spot_capacity"]) == (task_on_demand, 2)
    assert [c["instance_type"] for c in task["instance_type_configs"]] == ["c4.large", "c5.xlarge"]
    assert task["launch_specifications"][0]["spot_specification"] == [spot]
    # An all-Spot task fleet takes no On-Demand specification.
    assert ("on_demand_specification" in task["launch_specifications"][0]) == bool(task_on_demand)


@pytest.mark.parametrize("name", GROUPS)
def test_groups_as_the_module_examples_size_and_price_them(name, synthesized):
    doc = synthesized[name]
    cluster = cluster_of(doc)
    master, = cluster["master_instance_group"]
    core, = cluster["core_instance_group"]
    assert (master["instance_type"], master["instance_count"], master.get("ebs_config")) == ("m5.xlarge", 1, None)
    assert (core["instance_type"], core["instance_count"], core.get("ebs_config")) == ("c4.large", 2, None)
    task = one_resource(doc, "aws_emr_instance_group")
    assert (task["name"], task["instance_type"], task["instance_count"], task["bid_price"]) == (
        "task-group", "c4.xlarge", 2, "0.17")
    assert task["ebs_config"] == [{"size": 256, "type": "gp3", "volumes_per_instance": 1}]
    assert len(cluster["ec2_attributes"][0]["subnet_id"]) > 0 and "subnet_ids" not in cluster["ec2_attributes"][0]


def test_private_fleet_runs_in_the_example_vpc_and_leaves_it_only_through_its_endpoints(synthesized):
    doc = synthesized["module-private-instance-fleet"]
    ec2, = cluster_of(doc)["ec2_attributes"]
    subnets = [f"${{aws_subnet.{id_}.id}}" for id_ in doc["resource"]["aws_subnet"]]
    assert sorted(ec2["subnet_ids"]) == sorted(subnets) and len(subnets) == 3
    assert ec2["service_access_security_group"].startswith("${aws_security_group.")
    services = sorted(e["service_name"] for e in resources_of(doc, "aws_vpc_endpoint"))
    assert services == [f"com.amazonaws.eu-west-1.{s}" for s in ("elasticmapreduce", "kms", "s3", "sts")]
    cidr = one_resource(doc, "aws_vpc")["cidr_block"]
    egress = resources_of(doc, "aws_vpc_security_group_egress_rule")
    https = [r for r in egress if r.get("from_port") == 443]
    # HTTPS from the primary and core/task groups goes to the VPC (interface endpoints) and S3's prefix list.
    assert sorted((r.get("cidr_ipv4", ""), r.get("prefix_list_id", "").split(".")[0]) for r in https) == sorted(
        [(cidr, "")] * 2 + [("", "${aws_vpc_endpoint")] * 2)
    assert not any(r.get("cidr_ipv4") == "0.0.0.0/0" for r in egress)
    endpoint_ingress, = [r for r in resources_of(doc, "aws_vpc_security_group_ingress_rule")
                         if r.get("cidr_ipv4") is not None]
    assert (endpoint_ingress["cidr_ipv4"], endpoint_ingress["from_port"]) == (cidr, 443)


def test_private_fleet_vpc_has_flow_logs_in_an_encrypted_group_kept_a_year(synthesized):
    doc = synthesized["module-private-instance-fleet"]
    flow = one_resource(doc, "aws_flow_log")
    vpc_id = next(iter(doc["resource"]["aws_vpc"]))
    group_id = next(iter(doc["resource"]["aws_cloudwatch_log_group"]))
    assert flow["vpc_id"] == f"${{aws_vpc.{vpc_id}.id}}" and flow["traffic_type"] == "ALL"
    assert flow["log_destination"] == f"${{aws_cloudwatch_log_group.{group_id}.arn}}"
    group = one_resource(doc, "aws_cloudwatch_log_group")
    assert group["retention_in_days"] == 365 and group["kms_key_id"].startswith("${aws_kms_key.")
    key = next(k for k in resources_of(doc, "aws_kms_key") if k["description"].startswith("VPC flow logs"))
    logs, = [s for s in json.loads(key["policy"])["Statement"] if s.get("Sid") == "AllowCloudWatchLogsForFlowLogs"]
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert logs["Condition"]["StringEquals"]["kms:EncryptionContext:aws:logs:arn"].endswith(
        ":log-group:/aws/vpc-flow-logs/emr-private")


def test_private_group_brings_every_role_and_the_log_bucket(synthesized):
    doc = synthesized["module-private-instance-group"]
    cluster = cluster_of(doc)
    assert "aws_iam_role" not in doc["resource"] and "aws_s3_bucket" not in doc["resource"]
    account = "${data.aws_caller_identity.current.account_id}"
    assert cluster["service_role"] == f"arn:aws:iam::{account}:role/custom-emr-service-role"
    assert cluster["autoscaling_role"] == f"arn:aws:iam::{account}:role/custom-emr-autoscaling-role"
    assert cluster["ec2_attributes"][0]["instance_profile"] == (
        f"arn:aws:iam::{account}:instance-profile/custom-emr-instance-profile")
    assert cluster["log_uri"] == "s3://example-emr-logs-private-cluster/logs/"
    grant = one_resource(doc, "aws_iam_role_policy")
    assert grant["role"] == "custom-emr-instance-role"
    assert {s["Sid"] for s in json.loads(grant["policy"])["Statement"]} == {"WriteEmrLogs", "ListEmrLogBucket"}


@pytest.mark.parametrize("name", ("module-public-instance-fleet", "module-public-instance-group"))
def test_public_examples_have_no_service_access_group(name, synthesized):
    doc = synthesized[name]
    ec2, = cluster_of(doc)["ec2_attributes"]
    assert "service_access_security_group" not in ec2
    assert len(resources_of(doc, "aws_security_group")) == 2
    assert not [r for r in resources_of(doc, "aws_vpc_security_group_ingress_rule")
                if r.get("cidr_ipv4") in ("0.0.0.0/0",) or r.get("cidr_ipv6") == "::/0"]


def test_public_group_creates_an_autoscaling_role_the_cluster_uses(synthesized):
    doc = synthesized["module-public-instance-group"]
    roles = doc["resource"]["aws_iam_role"]
    autoscaling = [id_ for id_, body in roles.items() if body["name"].endswith("-emr-autoscaling")]
    assert len(autoscaling) == 1
    assert cluster_of(doc)["autoscaling_role"] == f"${{aws_iam_role.{autoscaling[0]}.arn}}"


def test_fleet_examples_create_roles_with_the_instance_profile_in_the_cluster(synthesized):
    for name in FLEETS:
        doc = synthesized[name]
        profile_id = next(iter(doc["resource"]["aws_iam_instance_profile"]))
        ec2, = cluster_of(doc)["ec2_attributes"]
        assert ec2["instance_profile"] == f"${{aws_iam_instance_profile.{profile_id}.arn}}", name
        assert "autoscaling_role" not in cluster_of(doc), name  # fleets scale only with managed scaling


def test_the_placement_group_the_module_example_comments_out_needs_three_primary_nodes():
    """API PlacementGroupConfig; MG emr-plan-ha-placementgroup: SPREAD places the primary nodes of a cluster
    with three of them; refused for the module example's single primary node."""
    base = dict(name="c", release_label="emr-7.12.0", core=InstanceGroup(instance_count=2),
                network=Network(), placement_strategy="SPREAD")
    with pytest.raises(ConfigError) as err:
        validate_cluster_props(ClusterProps(master=InstanceGroup(instance_count=1), **base))
    assert [p.field for p in err.value.problems] == ["placement_strategy"]
    validate_cluster_props(ClusterProps(master=InstanceGroup(instance_count=3), **base))


def test_unknown_module_example_is_refused_with_the_known_names():
    from cdktf import Testing

    with pytest.raises(KeyError, match="module-private-instance-fleet"):
        build_module_example(Testing.app(), "module-complete")


# terraform validate ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validation(tmp_path_factory):
    """Every module example synthesized into one app, then one `terraform validate` of a root that holds each
    stack as a child module (tf.module_root): the provider starts once for the four, not four times."""
    from cdktf import App

    from stacks.module_examples import build_module_examples

    out = tmp_path_factory.mktemp("cdktf.out")
    app = App(outdir=str(out))
    names = build_module_examples(app)
    app.synth()
    root = tf.module_root({n: json.loads((out / "stacks" / n / "cdk.tf.json").read_text()) for n in names},
                          tmp_path_factory.mktemp("tf"))
    tf.run(root, "init", "-backend=false", "-input=false", "-no-color")
    result = tf.run(root, "validate", "-json", "-no-color", check=False)
    return json.loads(result.stdout)


@pytest.mark.integration
@needs_terraform
@pytest.mark.parametrize("name", sorted(MODULE_EXAMPLES))
def test_module_example_passes_terraform_validate(name, validation):
    mine = [d for d in validation["diagnostics"]
            if d.get("range", {}).get("filename", "").startswith(f"{name}/")]
    assert mine == []
    assert validation["valid"] is True
    assert validation["error_count"] == 0 and validation["warning_count"] == 0, validation["diagnostics"]


# the shared root -----------------------------------------------------------------------------------------


def test_module_root_holds_each_stack_as_a_child_with_one_provider(tmp_path, synthesized):
    docs = {n: synthesized[n] for n in GROUPS}
    root = tf.module_root(docs, tmp_path)
    main = json.loads((root / "main.tf.json").read_text())
    assert main["module"] == {n: {"source": f"./{n}"} for n in GROUPS}
    assert main["provider"] == synthesized[GROUPS[0]]["provider"]
    for name in GROUPS:
        child = json.loads((root / name / "cdk.tf.json").read_text())
        assert "provider" not in child and "backend" not in child["terraform"]
        assert child["resource"] == synthesized[name]["resource"]


def test_module_root_refuses_stacks_with_other_providers(tmp_path, synthesized):
    a, b = (dict(synthesized[n]) for n in GROUPS)
    b["provider"] = {"aws": [{**b["provider"]["aws"][0], "region": "us-east-1"}]}
    with pytest.raises(ValueError, match="providers differ"):
        tf.module_root({"a": a, "b": b}, tmp_path)
    b["provider"] = {"aws": [a["provider"]["aws"][0], {**a["provider"]["aws"][0], "alias": "other"}]}
    with pytest.raises(ValueError, match=r"\['b'\]"):
        tf.module_root({"a": a, "b": b}, tmp_path)
