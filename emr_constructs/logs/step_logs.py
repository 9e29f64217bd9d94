"""Step logs in CloudWatch Logs while steps run: a log group, a bootstrap action and exact IAM.

EMR 7.11+ can ship logs itself (``MonitoringConfiguration.CloudWatchLogConfiguration``), but
hashicorp/aws 5.100's ``aws_emr_cluster`` has no block for it and older releases never had it. So
every node runs a bootstrap script (stored as one S3 object in the log bucket, outside the prefix
the nodes may write) that installs the CloudWatch agent and a small watcher
(``step_logs_agent.py``) naming streams by ``emr_contract/log_naming.py``.

What it creates: one KMS-encrypted log group (the cluster's own key, whose policy gains the
documented CloudWatch Logs statement scoped to this group; or a key you pass), one S3 object, and
statements in the instance role's existing policy. The cluster gets the bootstrap action and the
tag ``emr-log-group`` so the runner and the emulator can find the group.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from ..cdk import Annotations
from constructs import Construct

from emr_contract import log_naming

from .. import defaults
from ..validation import release_gates as rel
from . import step_logs_agent
from ..terraform.base import Scope
from ..security.kms import KMS_KEY_ARN
from ..security.policy import Statement
from ..terraform.resources import CloudwatchLogGroup, S3Object
from ..validation.checker import Checker

if TYPE_CHECKING:
    from ..security.iam import EmrRoles
    from ..security.kms import EmrKmsKey
    from .log_bucket import LogBucket
    from ..props import ClusterProps

# The values CloudWatch Logs accepts for retentionInDays (PutRetentionPolicy).
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                  3288, 3653)
# What the agent calls for files in an existing group (no CreateLogGroup, no PutRetentionPolicy).
SHIP_ACTIONS = ("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents")
SCRIPT_READ_ACTIONS = ("s3:GetObject",)
# The statement AWS documents for a key that encrypts a log group ("Encrypt log data in CloudWatch
# Logs using AWS KMS"), scoped to one group by kms:EncryptionContext:aws:logs:arn, with two exact
# equivalents: kms:Describe* is left out (a DescribeKey request carries no encryption context, so the
# documented condition never lets it through anyway), and StringEquals replaces ArnEquals (the same
# test for a fully spelled-out ARN; the context key is a string, which is what linters check).
LOGS_KEY_ACTIONS = ("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*")
# A group name that is also a valid cluster tag value (no '#', at most 256 characters).
_GROUP_NAME = r"(?!aws/)[A-Za-z0-9_./-]{1,256}"
HEREDOC_END = "EMR_STEP_LOGS_EOF"


@dataclass(frozen=True, kw_only=True)
class StepLogsProps:
    """``log_group_name`` defaults to ``/aws/emr/<cluster-name>``; ``kms_key_arn`` to the cluster's own
    key. ``containers``: ``driver`` (the first container of each YARN application: the Spark driver
    in cluster deploy mode), ``all`` (executors too) or ``none``."""

    retention_days: int = defaults.STEP_LOGS_RETENTION_DAYS
    kms_key_arn: Optional[str] = None
    log_group_name: Optional[str] = None
    containers: str = defaults.STEP_LOGS_CONTAINERS


def check_step_logs_props(c: Checker, props: StepLogsProps, where: str = "step_logs") -> None:
    c.one_of(f"{where}.retention_days", props.retention_days, RETENTION_DAYS)
    c.matches(f"{where}.log_group_name", props.log_group_name, _GROUP_NAME,
              "must be 1-256 letters, digits, '_', '.', '/' or '-' and not start with aws/ (a CloudWatch Logs "
              "group name that is also a valid cluster tag value)")
    c.matches(f"{where}.kms_key_arn", props.kms_key_arn, KMS_KEY_ARN,
              "must be a KMS key ARN (CloudWatch Logs takes no alias): arn:aws:kms:<region>:<account>:key/<id>")
    c.one_of(f"{where}.containers", props.containers, step_logs_agent.CONTAINER_MODES)


def validate_step_logs_props(props: StepLogsProps) -> None:
    c = Checker()
    check_step_logs_props(c, props)
    c.raise_if_any("step log props")


def validate_cluster_step_logs(props: "ClusterProps", *, log_prefix: str) -> None:
    """What shipping needs from the cluster: Amazon Linux 2+ (systemd, python3.7), a free bootstrap
    slot, a key, and a log prefix that keeps the script out of what nodes may write (and expire)."""
    step_logs = props.step_logs
    if step_logs is None:
        return
    c = Checker()
    check_step_logs_props(c, step_logs)
    release = rel.Release.parse(props.release_label)
    if release is not None:
        c.check(rel.allows("amazon_linux_2", release), "release_label", props.release_label,
                "step_logs needs emr-5.30.0 or later (Amazon Linux 2: systemd and python3.7 for the watcher)")
    if step_logs.kms_key_arn is None and not creates_cluster_key(props):
        c.fail("step_logs.kms_key_arn", None, "the cluster creates no KMS key to reuse (security_configuration or "
               "security.kms_key_arn is given): pass a key whose policy lets CloudWatch Logs use it "
               "(docs/step-logs.md, 'IAM and KMS')")
    c.check(log_prefix != "" and not defaults.STEP_LOGS_SCRIPT_PREFIX.startswith(log_prefix), "log_prefix",
            log_prefix, f"step_logs stores its script under {defaults.STEP_LOGS_SCRIPT_PREFIX}: the log prefix must "
            "be non-empty and elsewhere, so nodes cannot overwrite the script and log expiry cannot delete it")
    c.raise_if_any("EMR step log shipping")


def creates_cluster_key(props: "ClusterProps") -> bool:
    """Whether EmrCluster creates a KMS key (in its security configuration) that step logs may reuse."""
    return props.creates_kms_key


def _stem(cluster_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", cluster_name).strip("-")[:200] or "emr"


def log_group_from_cluster_name(cluster_name: str) -> str:
    """``/aws/emr/<cluster-name>``: known before the cluster id exists (the runner's own fallback is
    ``/aws/emr/<cluster-id>``, hence the output and the tag)."""
    return log_naming.LOG_GROUP_PREFIX + _stem(cluster_name)


def script_key(cluster_name: str) -> str:
    return f"{defaults.STEP_LOGS_SCRIPT_PREFIX}{_stem(cluster_name)}.sh"


def log_group_arn(group: str, *, region: str, account_id: str, partition: str = "aws") -> str:
    return f"arn:{partition}:logs:{region}:{account_id}:log-group:{group}"


def logs_service_principal(region: str, partition: str = "aws") -> str:
    suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return f"logs.{region}.{suffix}"


def logs_key_statement(group_arn: str, *, region: str, partition: str = "aws") -> Statement:
    """Lets CloudWatch Logs use a key for this one log group only."""
    return Statement(
        sid="AllowCloudWatchLogsForStepLogs", principals={"Service": logs_service_principal(region, partition)},
        actions=list(LOGS_KEY_ACTIONS), resources=["*"],
        conditions={"StringEquals": {"kms:EncryptionContext:aws:logs:arn": group_arn}},
    )


@functools.lru_cache(maxsize=1)
def _sources() -> tuple[str, str]:
    naming = Path(log_naming.__file__).read_text(encoding="utf-8")
    agent = Path(step_logs_agent.__file__).read_text(encoding="utf-8")
    if any(HEREDOC_END in source for source in (naming, agent)):
        raise RuntimeError(f"{HEREDOC_END} appears in a shipped source file: pick another heredoc delimiter")
    return naming, agent


def bootstrap_script(group: str, containers: str = defaults.STEP_LOGS_CONTAINERS) -> str:
    """The bootstrap action: install the agent, write the watcher (this repo's own files), run it under
    systemd. Any failure exits 0: a cluster without live logs still has its logs in S3."""
    naming, agent = _sources()
    home = step_logs_agent.HOME
    return "\n".join([
        "#!/bin/bash",
        "# Generated by emr_constructs/logs/step_logs.py (do not edit): ships EMR step and YARN container logs",
        "# to CloudWatch Logs with stream names from emr_contract/log_naming.py.",
        "set -u",
        f"GROUP='{group}'",
        f"CONTAINERS='{containers}'",
        f"HOME_DIR='{home}'",
        f"CTL='{step_logs_agent.AGENT_CTL}'",
        'skip() { echo "emr-step-logs: $*; step logs stay in S3 only" >&2; exit 0; }',
        'command -v python3 >/dev/null 2>&1 || skip "python3 not found"',
        'if [ ! -x "$CTL" ]; then',
        '  sudo yum install -y -q amazon-cloudwatch-agent || skip "cannot install amazon-cloudwatch-agent"',
        "fi",
        'sudo mkdir -p "$HOME_DIR" || skip "cannot create $HOME_DIR"',
        f"sudo tee \"$HOME_DIR/log_naming.py\" >/dev/null <<'{HEREDOC_END}'",
        naming.rstrip("\n"),
        HEREDOC_END,
        f"sudo tee \"$HOME_DIR/step_logs_agent.py\" >/dev/null <<'{HEREDOC_END}'",
        agent.rstrip("\n"),
        HEREDOC_END,
        f"sudo tee /etc/systemd/system/emr-step-logs.service >/dev/null <<{HEREDOC_END}",
        "[Unit]",
        "Description=Ship EMR step and container logs to CloudWatch Logs",
        "After=network-online.target",
        "",
        "[Service]",
        "ExecStart=/usr/bin/python3 $HOME_DIR/step_logs_agent.py --group $GROUP --containers $CONTAINERS",
        "Restart=always",
        "RestartSec=10",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        HEREDOC_END,
        'sudo systemctl daemon-reload && sudo systemctl enable --now emr-step-logs.service || skip "cannot start the watcher"',
        'echo "emr-step-logs: shipping step logs to CloudWatch Logs group $GROUP"',
        "",
    ])


class StepLogShipping(Scope):
    """Exposes ``log_group`` (resource), ``log_group_name``, ``log_group_arn``, ``key_arn``, ``script``
    (the S3 object), ``script_uri``, ``bootstrap_action`` (for ``aws_emr_cluster``) and ``tags``.

    ``cluster_key``: the cluster's own key, whose policy gains ``logs_key_statement``. Without it,
    ``props.kms_key_arn`` must allow CloudWatch Logs itself (and the instance role to decrypt).
    """

    def __init__(self, scope: Construct, id: str, props: StepLogsProps = StepLogsProps(), *, cluster_name: str,
                 log_bucket: "LogBucket", roles: "EmrRoles", region: str, account_id: str, partition: str = "aws",
                 cluster_key: Optional["EmrKmsKey"] = None) -> None:
        c = Checker()
        check_step_logs_props(c, props)
        if props.kms_key_arn is None and cluster_key is None:
            c.fail("kms_key_arn", None, "pass a KMS key ARN or the cluster's key: the log group is always encrypted")
        c.raise_if_any("step log props")
        super().__init__(scope, id)
        self.props = props
        self.log_group_name = props.log_group_name or log_group_from_cluster_name(cluster_name)
        self.log_group_arn = log_group_arn(self.log_group_name, region=region, account_id=account_id,
                                           partition=partition)
        own_key = props.kms_key_arn is None
        if own_key:
            cluster_key.add_to_policy(logs_key_statement(self.log_group_arn, region=region, partition=partition))
            self.key_arn = cluster_key.key_arn
        else:
            self.key_arn = props.kms_key_arn

        self.log_group = CloudwatchLogGroup(self, "log-group", {
            "name": self.log_group_name,
            "retention_in_days": props.retention_days,
            "kms_key_id": self.key_arn,
            "tags": dict(defaults.MANAGED_POLICY_TAG),
        })
        key = script_key(cluster_name)
        self.script = S3Object(self, "bootstrap-script", {
            "bucket": log_bucket.bucket_name,
            "key": key,
            "content": bootstrap_script(self.log_group_name, props.containers),
            "content_type": "text/x-shellscript",
            "server_side_encryption": "aws:kms",
            "kms_key_id": self.key_arn,
        })
        self.script_uri = f"s3://{log_bucket.bucket_name}/{key}"
        if log_bucket.bucket is None:
            Annotations.of(self).add_warning(
                f"step_logs stores its bootstrap script in the existing bucket {log_bucket.bucket_name}: make sure "
                f"no lifecycle rule expires {defaults.STEP_LOGS_SCRIPT_PREFIX}, or new nodes cannot bootstrap"
            )

        statements = [
            Statement(sid="ShipStepLogs", actions=list(SHIP_ACTIONS),
                      resources=[self.log_group_arn, f"{self.log_group_arn}:*"]),
            Statement(sid="ReadStepLogsBootstrapScript", actions=list(SCRIPT_READ_ACTIONS),
                      resources=[f"{log_bucket.bucket_arn}/{key}"]),
        ]
        if not own_key:  # the cluster's key already lets the instance role decrypt (kms.py)
            statements.append(Statement(
                sid="DecryptStepLogsBootstrapScript", actions=["kms:Decrypt"], resources=[self.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
            ))
        roles.add_to_instance_policy(statements)
        self.statements = statements
        self.bootstrap_action = {"name": "emr-step-logs", "path": self.script_uri, "args": None}
        self.tags = {log_naming.LOG_GROUP_TAG: self.log_group_name}

    @property
    def dependables(self) -> list:
        """What must exist before the nodes bootstrap."""
        return [self.log_group, self.script]
