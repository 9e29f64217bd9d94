"""Which EMR log files the CloudWatch agent ships, under which stream names, and the node-side watcher.

The agent's ``log_stream_name`` only knows ``{instance_id}``, ``{hostname}`` and ``{ip_address}``, not
step or YARN ids. So a small watcher on every node looks for new step and container directories and
appends agent ``collect_list`` entries named by ``emr_contract/log_naming.py``, the contract the step
runner and the emulator read. The bootstrap script ships this very file (and ``log_naming.py``) to
the nodes, so what is tested here is what runs there.

Runs on the nodes' ``python3`` (3.7 on Amazon Linux 2): standard library only, no newer syntax.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

try:
    from emr_contract.log_naming import (AGENT_FLUSH_SECONDS, CONTAINER_STREAMS, STEP_STREAMS,
                                         WATCHER_MIN_APPLY_SECONDS, WATCHER_SCAN_SECONDS, container_stream,
                                         step_stream)
except ImportError:  # on an EMR node, log_naming.py sits next to this file
    from log_naming import (AGENT_FLUSH_SECONDS, CONTAINER_STREAMS, STEP_STREAMS,  # type: ignore
                            WATCHER_MIN_APPLY_SECONDS, WATCHER_SCAN_SECONDS, container_stream, step_stream)

STEP_ROOT = "/mnt/var/log/hadoop/steps"  # primary node: <step-id>/stdout, stderr (plain until uploaded)
CONTAINER_ROOT = "/var/log/hadoop-yarn/containers"  # every node: <application>/<container>/stdout, stderr
JOB_FLOW_JSON = "/mnt/var/lib/info/job-flow.json"
AGENT_CTL = "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl"
HOME = "/opt/emr-step-logs"
# The agent keeps every appended config under "file_" + the file's *basename*
# (aws/amazon-cloudwatch-agent cmd/config-downloader/downloader.go @ 04f34208de20f65ad7f976dc0df646cf1ed26d66:
# `outputFilePath = locationFile + "_" + EscapeFilePath(filepath.Base(...))`), and "If you use append-config with
# a configuration file with the same file name as a configuration file that the agent is already using, the
# append command overwrites the information from the first configuration file ... even if the two
# configuration files with the same file name are on different file paths" (Amazon CloudWatch User Guide,
# "Multiple CloudWatch agent configuration files":
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-common-scenarios.html#CloudWatch-Agent-multiple-config-files).
# So our file's name is this tool's own, e.g. emr-step-logs-1a2b3c4d5e6f.json, and stable for a log group:
# each append replaces our previous config and nobody else's.
CONFIG_PREFIX = "emr-step-logs-"
# driver: the first container of each application (the Spark driver in cluster deploy mode; the
# runner follows only that one); all: every container (executors too: more cost); none: steps only.
CONTAINER_MODES = ("driver", "all", "none")


def _entry(path: str, group: str, stream: str) -> dict:
    return {"file_path": path, "log_group_name": group, "log_stream_name": stream}


def is_driver_container(container_id: str) -> bool:
    """YARN numbers an attempt's containers from 000001; the first one runs the application master."""
    try:
        return int(container_id.rsplit("_", 1)[1]) == 1
    except (IndexError, ValueError):
        return False


def entries_for(directory: str, *, group: str, cluster_id: str, containers: str = "driver",
                step_root: str = STEP_ROOT, container_root: str = CONTAINER_ROOT) -> list:
    """The agent entries for one step or container directory; [] for anything else.

    ``<step_root>/<step>/`` gives ``<cluster>/steps/<step>/stdout|stderr``;
    ``<container_root>/<app>/<container>/`` gives ``<cluster>/containers/<app>/<container>/stdout|stderr``.
    Only the plain files are named: EMR's ``.gz`` copies never match.
    """
    directory = directory.rstrip("/")
    parent, name = os.path.split(directory)
    try:
        if parent == step_root.rstrip("/") and name.startswith("s-"):
            return [_entry(os.path.join(directory, s), group, step_stream(cluster_id, name, s)) for s in STEP_STREAMS]
        grandparent, application = os.path.split(parent)
        if grandparent == container_root.rstrip("/") and containers != "none":
            if containers == "driver" and not is_driver_container(name):
                return []
            return [_entry(os.path.join(directory, s), group, container_stream(cluster_id, application, name, s))
                    for s in CONTAINER_STREAMS]
    except ValueError:  # not an id the naming contract accepts: not ours to ship
        return []
    return []


def agent_config(entries: list) -> dict:
    """An agent config to *append*: only a ``logs`` section, so it merges with any other config, with the
    shortest flush the agent takes so lines reach the runner within about a second. The agent refuses to merge
    two configs that set ``force_flush_interval`` differently ("Different values are specified",
    translator/jsonconfig/mergeJsonUtil/util.go): another config on the node must leave it unset or set it to 1."""
    ordered = sorted(entries, key=lambda e: e["file_path"])
    return {"logs": {"force_flush_interval": AGENT_FLUSH_SECONDS,
                     "logs_collected": {"files": {"collect_list": ordered}}}}


def candidate_dirs(step_root: str = STEP_ROOT, container_root: str = CONTAINER_ROOT) -> list:
    """Every step directory and every container directory that exists now."""
    found = []
    for name in _listdir(step_root):
        found.append(os.path.join(step_root, name))
    for application in _listdir(container_root):
        app_dir = os.path.join(container_root, application)
        for name in _listdir(app_dir):
            found.append(os.path.join(app_dir, name))
    return sorted(d for d in found if os.path.isdir(d))


def _listdir(path: str) -> list:
    try:
        return os.listdir(path)
    except OSError:
        return []


def last_change(directory: str) -> float:
    """When anything in ``directory`` last changed (0 when it is gone)."""
    times = []
    for path in [directory] + [os.path.join(directory, n) for n in _listdir(directory)]:
        try:
            times.append(os.stat(path).st_mtime)
        except OSError:
            pass
    return max(times) if times else 0.0


class Watcher:
    """One ``tick`` per poll: scan, and re-apply the agent config when the set of files changed.

    Directories quiet for ``retire_after`` seconds leave the config (the agent has long shipped their
    last lines; a long config slows every agent restart); one that changes again comes back, and the
    agent resumes from its saved offset. Applies are at least ``min_apply_interval`` apart because each
    one restarts the agent. An empty set is never applied: the last config stays.
    """

    def __init__(self, *, group: str, cluster_id: str, apply, containers: str = "driver",
                 clock=time.time, retire_after: float = 3600.0, min_apply_interval: float = WATCHER_MIN_APPLY_SECONDS,
                 step_root: str = STEP_ROOT, container_root: str = CONTAINER_ROOT) -> None:
        self.group = group
        self.cluster_id = cluster_id
        self.apply = apply
        self.containers = containers
        self.clock = clock
        self.retire_after = retire_after
        self.min_apply_interval = min_apply_interval
        self.step_root = step_root
        self.container_root = container_root
        self.applied = None  # the collect_list last applied successfully
        self.applied_at = None

    def wanted(self) -> list:
        now = self.clock()
        entries = []
        for directory in candidate_dirs(self.step_root, self.container_root):
            found = entries_for(directory, group=self.group, cluster_id=self.cluster_id, containers=self.containers,
                                step_root=self.step_root, container_root=self.container_root)
            if found and now - last_change(directory) <= self.retire_after:
                entries.extend(found)
        return agent_config(entries)["logs"]["logs_collected"]["files"]["collect_list"]

    def tick(self) -> bool:
        """True when a new config was applied."""
        wanted = self.wanted()
        if not wanted or wanted == self.applied:
            return False
        now = self.clock()
        if self.applied_at is not None and now - self.applied_at < self.min_apply_interval:
            return False
        if self.apply(agent_config(wanted)):
            self.applied, self.applied_at = wanted, now
            return True
        return False


def config_file_name(group: str) -> str:
    """The basename of our appended agent config for ``group``: unique to this tool, stable across restarts."""
    return CONFIG_PREFIX + hashlib.sha256(group.encode("utf-8")).hexdigest()[:12] + ".json"


def config_file_for(group: str, home: str = HOME) -> str:
    return os.path.join(home, config_file_name(group))


def apply_with_agent_ctl(config: dict, config_file: str, ctl: str = AGENT_CTL, run=subprocess.run) -> bool:
    """Write ``config`` and append it to the agent's configs (same file name: it replaces our last one)."""
    tmp = config_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump(config, f, indent=1)
    os.replace(tmp, config_file)
    result = run([ctl, "-a", "append-config", "-m", "ec2", "-s", "-c", "file:" + config_file],
                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    if result.returncode != 0:
        print("emr-step-logs: agent-ctl failed (%s): %s" % (result.returncode, result.stdout[-500:]), file=sys.stderr)
    return result.returncode == 0


def read_cluster_id(path=None) -> str:
    """``jobFlowId`` from EMR's job-flow.json, present on every node from bootstrap on."""
    with open(path or JOB_FLOW_JSON) as f:
        return json.load(f)["jobFlowId"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Ship EMR step and container logs with the CloudWatch agent")
    parser.add_argument("--group", required=True, help="CloudWatch Logs group")
    parser.add_argument("--containers", choices=CONTAINER_MODES, default="driver")
    parser.add_argument("--poll", type=float, default=WATCHER_SCAN_SECONDS, help="seconds between scans")
    parser.add_argument("--once", action="store_true", help="print the config for what exists now and exit")
    parser.add_argument("--cluster-id", help="default: jobFlowId from " + JOB_FLOW_JSON)
    parser.add_argument("--step-root", default=STEP_ROOT)
    parser.add_argument("--container-root", default=CONTAINER_ROOT)
    args = parser.parse_args(argv)
    cluster_id = args.cluster_id or read_cluster_id()
    if args.once:
        printed = []
        watcher = Watcher(group=args.group, cluster_id=cluster_id, containers=args.containers,
                          apply=lambda config: printed.append(config) or True,
                          step_root=args.step_root, container_root=args.container_root)
        watcher.tick()
        print(json.dumps(printed[0] if printed else agent_config([]), indent=1, sort_keys=True))
        return 0
    config_file = config_file_for(args.group)
    watcher = Watcher(group=args.group, cluster_id=cluster_id, containers=args.containers,
                      apply=lambda config: apply_with_agent_ctl(config, config_file),
                      step_root=args.step_root, container_root=args.container_root)
    while True:
        try:
            watcher.tick()
        except Exception as exc:  # a log shipping problem must never stop the watcher
            print("emr-step-logs: %s: %s" % (type(exc).__name__, exc), file=sys.stderr)
        time.sleep(args.poll)


if __name__ == "__main__":
    sys.exit(main())
