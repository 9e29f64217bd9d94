"""A stack's StackAttributes writes its resources' attributes in one callback; what cdktf merges over them
(overrides, meta-arguments, logical-id overrides, moves) still wins, and a resource whose logical id Python
cannot know writes its own attributes, with the same JSON."""
from __future__ import annotations

import json

from constructs import Construct

from emr_constructs.terraform.base import Scope, StackAttributes, logical_id, stack_output
from emr_constructs.cdk import App, TerraformOutput, TerraformStack, Testing
from emr_constructs.terraform.resources import CallerIdentity, S3Bucket, SnsTopic

BUCKET = {"bucket": "logs", "tags": {"Name": "a", "Team": "data"}, "force_destroy": None}
LOGS_BUCKET = logical_id(("logs", "bucket"))


def synth(build) -> dict:
    stack = TerraformStack(Testing.app(), "stack")
    build(stack)
    return json.loads(Testing.synth(stack))


def without_metadata(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "//"}


def test_resources_under_a_scope_and_under_a_plain_construct_synthesize_alike():
    def in_scope(stack):
        S3Bucket(Scope(stack, "logs"), "bucket", BUCKET)

    def in_construct(stack):
        bucket = S3Bucket(Construct(stack, "logs"), "bucket", BUCKET)
        assert not isinstance(bucket._batch, StackAttributes)
        assert bucket.attr("arn").startswith("${TfToken[")

    batched, alone = synth(in_scope), synth(in_construct)
    assert batched == alone
    assert without_metadata(batched["resource"]["aws_s3_bucket"][LOGS_BUCKET]) == \
        {"bucket": "logs", "tags": {"Name": "a", "Team": "data"}}


def test_overrides_and_meta_arguments_are_merged_over_the_attributes():
    def build(stack):
        bucket = S3Bucket(Scope(stack, "logs"), "bucket", BUCKET, ignore_changes=["tags"])
        bucket.add_override("tags.Name", "b")
        bucket.add_override("bucket", "other")
        SnsTopic(stack, "topic", {"name": "alarms"}, depends_on=[bucket])

    synthesized = synth(build)["resource"]
    body = synthesized["aws_s3_bucket"][LOGS_BUCKET]
    assert body["bucket"] == "other"
    assert body["tags"] == {"Name": "b", "Team": "data"}
    assert body["lifecycle"] == {"ignore_changes": ["tags"]}
    assert synthesized["aws_sns_topic"]["topic"]["depends_on"] == [f"aws_s3_bucket.{LOGS_BUCKET}"]


def test_an_overridden_logical_id_carries_the_attributes_and_references():
    def build(stack):
        bucket = S3Bucket(Scope(stack, "logs"), "bucket", BUCKET)
        bucket.override_logical_id("logs")
        SnsTopic(stack, "topic", {"name": bucket.attr("id")})
        data = CallerIdentity(Scope(stack, "who"), "current", {"id": "x"})
        data.override_logical_id("me")
        SnsTopic(stack, "account", {"name": data.attr("account_id")})

    synthesized = synth(build)
    assert list(synthesized["resource"]["aws_s3_bucket"]) == ["logs"]
    assert synthesized["resource"]["aws_s3_bucket"]["logs"]["bucket"] == "logs"
    assert synthesized["resource"]["aws_sns_topic"]["topic"]["name"] == "${aws_s3_bucket.logs.id}"
    assert without_metadata(synthesized["data"]["aws_caller_identity"]["me"]) == {"id": "x"}
    assert synthesized["resource"]["aws_sns_topic"]["account"]["name"] == "${data.aws_caller_identity.me.account_id}"


def test_a_moved_resource_leaves_no_attributes_behind():
    def build(stack):
        S3Bucket(stack, "new", BUCKET)
        S3Bucket(stack, "old", BUCKET).move_to_id("aws_s3_bucket.new")

    synthesized = synth(build)
    assert list(synthesized["resource"]["aws_s3_bucket"]) == ["new"]
    assert synthesized["moved"] == [{"from": "aws_s3_bucket.old", "to": "aws_s3_bucket.new"}]


def test_outputs_added_to_the_stack_are_written_as_terraform_outputs_are(tmp_path):
    def with_constructs(stack):
        TerraformOutput(stack, "bucket_arn", value="${aws_s3_bucket.logs.arn}", description="The bucket")
        TerraformOutput(stack, "odd.name", value="x")

    def added(stack):
        stack_output(stack, "bucket_arn", "${aws_s3_bucket.logs.arn}", "The bucket")
        stack_output(stack, "odd.name", "x")

    def written(build, name: str) -> str:
        app = App(outdir=str(tmp_path / name))
        build(TerraformStack(app, "stack"))
        app.synth()
        return (tmp_path / name / "stacks" / "stack" / "cdk.tf.json").read_text()

    assert written(added, "added") == written(with_constructs, "constructs")
    assert json.loads(written(added, "again"))["//"]["outputs"] == \
        {"stack": {"bucket_arn": "bucket_arn", "odd.name": "oddname"}}


def test_a_resource_whose_logical_id_python_knows_registers_no_jsii_callback():
    """Each callback jsii registers costs every creation; JS never calls ours (python_side)."""
    from jsii._kernel import _get_overides

    def registered(scope_type):
        stack = TerraformStack(Testing.app(), "stack")
        bucket = S3Bucket(scope_type(stack, "logs"), "bucket", BUCKET)
        return [o.method for o in _get_overides(type(bucket), bucket)]

    assert registered(Scope) == []
    assert registered(Construct) == ["synthesizeAttributes"]
