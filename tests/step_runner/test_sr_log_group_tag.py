"""--follow finds the log group from the cluster tag emr-log-group (what clusters with step_logs carry)
when neither --log-group nor the outputs name one. Order: flag, outputs, tag, default."""
from __future__ import annotations

import json

import boto3
import pytest

from step_runner import cli
from emr_contract.log_naming import choose_log_group
from step_runner.aws.emr_adapter import EmrAdapter
from emr_contract.log_naming import LOG_GROUP_TAG, log_group_from_cluster_id

from .test_sr_follow_moto import OUTPUTS, SPEC, StepWriter, run
from .test_sr_moto import REGION, aws, make_cluster  # noqa: F401  (aws is a fixture)

TAGGED = "/aws/emr/spark-production"


def tagged_writer(logs, cluster_id: str, group: str = TAGGED) -> StepWriter:
    """The emulator's behaviour for a cluster with step_logs: step output goes to the tagged group."""
    writer = StepWriter(logs, cluster_id, OUTPUTS, {})
    writer.group = group
    logs.create_log_group(logGroupName=group)
    return writer


def tag(emr, cluster_id: str, group: str = TAGGED) -> None:
    emr.add_tags(ResourceId=cluster_id, Tags=[{"Key": LOG_GROUP_TAG, "Value": group}])


@pytest.mark.parametrize("flag, output, tag_value, expected", [
    ("/g/flag", "/g/out", "/g/tag", ("/g/flag", "--log-group")),
    (None, "/g/out", "/g/tag", ("/g/out", "output log_group")),
    (None, None, "/g/tag", ("/g/tag", "cluster tag emr-log-group")),
    (None, None, None, (log_group_from_cluster_id("j-1"), "default")),
    ("", "", "", (log_group_from_cluster_id("j-1"), "default")),
])
def test_order_is_flag_outputs_tag_default(flag, output, tag_value, expected):
    assert choose_log_group("j-1", flag=flag, output=output, tag=tag_value) == expected


def test_an_invalid_tagged_group_is_an_error():
    with pytest.raises(ValueError, match="not a valid CloudWatch Logs group name"):
        choose_log_group("j-1", flag=None, output=None, tag="bad group")


def test_describe_cluster_returns_the_tags(aws):  # noqa: F811
    emr, _ = aws
    cid = make_cluster(emr)
    tag(emr, cid)
    assert EmrAdapter(emr).describe_cluster(cid).tags[LOG_GROUP_TAG] == TAGGED


def test_follow_reads_the_tagged_group(aws, clock, tmp_path):  # noqa: F811
    emr, s3 = aws
    logs = boto3.client("logs", region_name=REGION)
    cid = make_cluster(emr, concurrency=1)
    tag(emr, cid)
    clock.hooks.append(tagged_writer(logs, cid))
    (tmp_path / "steps.yaml").write_text(SPEC)
    code, out, _ = run([str(tmp_path / "steps.yaml"), "--cluster-id", cid, "--run-id", "t1", "--follow",
                        "--follow-mode", "poll", "--details-wait", "0s", "--no-logs"], emr, s3, logs, clock, tmp_path,
                       combined=True)
    assert code == cli.EXIT_OK, out
    assert f"following step logs in CloudWatch Logs group {TAGGED} (cluster tag emr-log-group)" in out
    assert "[ingest] DEMO-LOG-LINE from ingest" in out and "following S3 step logs instead" not in out


def test_outputs_win_over_the_tag(aws, clock, tmp_path):  # noqa: F811
    emr, s3 = aws
    logs = boto3.client("logs", region_name=REGION)
    cid = make_cluster(emr, concurrency=1)
    tag(emr, cid, "/aws/emr/from-tag")
    clock.hooks.append(tagged_writer(logs, cid))
    (tmp_path / "steps.yaml").write_text(SPEC)
    (tmp_path / "outputs.json").write_text(json.dumps({"emr-production": {"cluster_id": cid, "log_group": TAGGED}}))
    code, out, _ = run([str(tmp_path / "steps.yaml"), "--outputs", str(tmp_path / "outputs.json"), "--run-id", "t2",
                        "--follow",
                        "--follow-mode", "poll", "--no-logs"], emr, s3, logs, clock, tmp_path, combined=True)
    assert code == cli.EXIT_OK, out
    assert f"following step logs in CloudWatch Logs group {TAGGED} (output log_group)" in out
    assert "[ingest] DEMO-LOG-LINE from ingest" in out
