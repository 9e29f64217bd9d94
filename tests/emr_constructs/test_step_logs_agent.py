"""The node-side half of step log shipping: paths -> agent entries named by log_naming, the watcher,
and the bootstrap script that ships this very code (render-from-source, so they cannot drift)."""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emr_constructs.logs import step_logs_agent as agent
from emr_constructs.logs.step_logs import HEREDOC_END, bootstrap_script
from emr_contract import log_naming
from emr_contract.log_naming import container_stream, parse_stream_name, step_stream

GROUP = "/aws/emr/spark-production"
CLUSTER = "j-2AXXXXXXGAPLF"
APP = "application_1764072000000_0011"
DRIVER = "container_1764072000000_0011_01_000001"
EXECUTOR = "container_1764072000000_0011_01_000002"


def entries(directory: str, containers: str = "driver", **roots) -> list[dict]:
    return agent.entries_for(directory, group=GROUP, cluster_id=CLUSTER, containers=containers, **roots)


def test_a_step_directory_maps_to_the_step_streams_of_the_contract():
    found = entries("/mnt/var/log/hadoop/steps/s-1ABCDEFGH2IJK/")
    assert found == [
        {"file_path": "/mnt/var/log/hadoop/steps/s-1ABCDEFGH2IJK/stdout", "log_group_name": GROUP,
         "log_stream_name": step_stream(CLUSTER, "s-1ABCDEFGH2IJK", "stdout")},
        {"file_path": "/mnt/var/log/hadoop/steps/s-1ABCDEFGH2IJK/stderr", "log_group_name": GROUP,
         "log_stream_name": step_stream(CLUSTER, "s-1ABCDEFGH2IJK", "stderr")},
    ]
    assert found[0]["log_stream_name"] == f"{CLUSTER}/steps/s-1ABCDEFGH2IJK/stdout"
    assert all(parse_stream_name(e["log_stream_name"]).step_id == "s-1ABCDEFGH2IJK" for e in found)


def test_the_driver_container_maps_to_the_container_streams_the_runner_follows():
    found = entries(f"/var/log/hadoop-yarn/containers/{APP}/{DRIVER}")
    assert [e["file_path"] for e in found] == [f"/var/log/hadoop-yarn/containers/{APP}/{DRIVER}/{s}"
                                               for s in log_naming.CONTAINER_STREAMS]
    assert found[1]["log_stream_name"] == container_stream(CLUSTER, APP, DRIVER, "stderr")
    assert found[1]["log_stream_name"] == log_naming.driver_stream(CLUSTER, APP)  # what emr-steps --follow reads
    assert found[1]["log_stream_name"] == f"{CLUSTER}/containers/{APP}/{DRIVER}/stderr"


@pytest.mark.parametrize("mode, driver, executor", [("driver", 2, 0), ("all", 2, 2), ("none", 0, 0)])
def test_container_modes(mode, driver, executor):
    assert len(entries(f"/var/log/hadoop-yarn/containers/{APP}/{DRIVER}", mode)) == driver
    assert len(entries(f"/var/log/hadoop-yarn/containers/{APP}/{EXECUTOR}", mode)) == executor
    assert len(entries("/mnt/var/log/hadoop/steps/s-1", mode)) == 2  # steps always ship


@pytest.mark.parametrize("directory", [
    "/mnt/var/log/hadoop/steps",                                 # the root itself
    "/mnt/var/log/hadoop/steps/s-1/stdout",                      # a file, not a step directory
    "/mnt/var/log/hadoop/steps/not-a-step",
    "/mnt/var/log/hadoop/steps/s-a:b",                           # ':' cannot be in a stream name
    f"/var/log/hadoop-yarn/containers/{APP}",                    # an application, not a container
    f"/var/log/hadoop-yarn/containers/not_an_app/{DRIVER}",
    f"/var/log/hadoop-yarn/containers/{APP}/container_bad",
    "/var/log/hadoop-yarn/elsewhere/x/y",
])
def test_anything_else_maps_to_nothing(directory):
    assert entries(directory, "all") == []


def test_driver_is_the_first_container_of_any_attempt():
    assert agent.is_driver_container(DRIVER) and agent.is_driver_container("container_e02_1764072000000_0011_02_000001")
    assert not agent.is_driver_container(EXECUTOR) and not agent.is_driver_container("container_x")
    assert agent.is_driver_container(log_naming.driver_container_id(APP, attempt=3))


def test_agent_config_is_a_logs_section_to_append_sorted_by_path():
    found = entries("/mnt/var/log/hadoop/steps/s-2") + entries("/mnt/var/log/hadoop/steps/s-1")
    config = agent.agent_config(found)
    assert list(config) == ["logs"]  # merges with any other agent config (no agent/metrics section)
    paths = [e["file_path"] for e in config["logs"]["logs_collected"]["files"]["collect_list"]]
    assert paths == sorted(paths) and not any(p.endswith(".gz") for p in paths)


def test_agent_config_flushes_as_often_as_the_agent_allows():
    """force_flush_interval is an integer of seconds >= 1 in the agent's schema (timeIntervalDefinition), 5 by
    default: 1 is the shortest it takes; 0.5 would fail the agent's config validation."""
    flush = agent.agent_config(entries("/mnt/var/log/hadoop/steps/s-1"))["logs"]["force_flush_interval"]
    assert type(flush) is int and flush == 1


# the watcher, on a real directory tree ------------------------------------------------------

class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def tree(tmp_path):
    steps, containers = tmp_path / "steps", tmp_path / "containers"
    steps.mkdir()
    containers.mkdir()
    return steps, containers


def make(path: Path, mtime: float) -> None:
    path.mkdir(parents=True, exist_ok=True)
    for name in ("stdout", "stderr"):
        (path / name).write_text("line\n")
        os.utime(path / name, (mtime, mtime))
    os.utime(path, (mtime, mtime))


def watcher(tree, clock, applied, ok=True, **kw):
    steps, containers = tree
    return agent.Watcher(group=GROUP, cluster_id=CLUSTER, clock=clock,
                         apply=lambda config: applied.append(config) or ok,
                         step_root=str(steps), container_root=str(containers), **kw)


def streams(config: dict) -> list[str]:
    return [e["log_stream_name"] for e in config["logs"]["logs_collected"]["files"]["collect_list"]]


def test_watcher_applies_once_per_change_and_retires_quiet_directories(tree):
    steps, containers = tree
    clock, applied = Clock(10_000.0), []
    w = watcher(tree, clock, applied, retire_after=3600, min_apply_interval=10)
    assert w.tick() is False and applied == []  # nothing yet: an empty config is never applied
    make(steps / "s-1", clock.t)
    make(containers / APP / DRIVER, clock.t)
    make(containers / APP / EXECUTOR, clock.t)
    assert w.tick() is True
    assert sorted(streams(applied[-1])) == sorted(  # the executor is not shipped in driver mode
        [container_stream(CLUSTER, APP, DRIVER, s) for s in ("stdout", "stderr")]
        + [step_stream(CLUSTER, "s-1", s) for s in ("stdout", "stderr")])
    assert w.tick() is False and len(applied) == 1  # unchanged: no agent restart

    make(steps / "s-2", clock.t)
    clock.t += 5
    assert w.tick() is False  # too soon after the last restart
    clock.t += 5
    assert w.tick() is True and step_stream(CLUSTER, "s-2", "stderr") in streams(applied[-1])

    clock.t += 3601  # everything quiet for over an hour, s-2 still writing
    make(steps / "s-2", clock.t)
    assert w.tick() is True and streams(applied[-1]) == [step_stream(CLUSTER, "s-2", s) for s in ("stderr", "stdout")]


def test_watcher_retries_a_failed_apply(tree):
    steps, _ = tree
    clock, applied = Clock(10_000.0), []
    w = watcher(tree, clock, applied, ok=False)
    make(steps / "s-1", clock.t)
    assert w.tick() is False and w.tick() is False and len(applied) == 2 and w.applied is None


def test_apply_with_agent_ctl_writes_the_file_then_appends_it(tmp_path):
    calls = []

    class Result:
        returncode, stdout = 0, ""

    config_file = str(tmp_path / "agent-config.json")
    config = agent.agent_config(entries("/mnt/var/log/hadoop/steps/s-1"))
    assert agent.apply_with_agent_ctl(config, config_file, ctl="/ctl", run=lambda cmd, **kw: calls.append(cmd) or Result())
    assert json.loads(Path(config_file).read_text()) == config
    assert calls == [["/ctl", "-a", "append-config", "-m", "ec2", "-s", "-c", f"file:{config_file}"]]


def agent_config_key(config_path: str) -> str:
    """Where the CloudWatch agent keeps an appended file config: "file_" + its escaped *basename*
    (aws/amazon-cloudwatch-agent cmd/config-downloader/downloader.go @ 04f34208de20f65ad7f976dc0df646cf1ed26d66,
    EscapeFilePath(filepath.Base(path))). Two appends with the same key: the second overwrites the first."""
    base = os.path.basename(config_path)
    return "file_" + base.replace("/", "_").replace(" ", "_").replace(":", "_")


def test_our_agent_config_has_a_name_no_other_tool_appends_under():
    ours = agent.config_file_for(GROUP)
    name = os.path.basename(ours)
    assert re.fullmatch(r"emr-step-logs-[0-9a-f]{12}\.json", name)
    assert os.path.dirname(ours) == agent.HOME
    assert agent.config_file_for(GROUP) == ours, "stable: each append replaces our previous config"
    assert agent.config_file_name("/aws/emr/other") != name
    others = ["/etc/monitoring/agent-config.json", "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json",
              "/tmp/config.json", "/home/hadoop/cloudwatch-agent.json"]
    assert agent_config_key(ours) not in {agent_config_key(o) for o in others}


def test_the_old_generic_name_collided_with_any_other_tools_agent_config():
    """The rule relied on, broken: the key ignores the directory, so a generic name is shared."""
    assert agent_config_key("/opt/emr-step-logs/agent-config.json") == agent_config_key("/etc/monitoring/agent-config.json")


def test_the_watcher_appends_under_its_own_name(tmp_path, monkeypatch):
    steps = tmp_path / "steps"
    (steps / "s-1").mkdir(parents=True)
    written = []

    class Stop(BaseException):
        pass

    def fake_apply(config, config_file):
        written.append(config_file)
        return True

    def stop(_seconds):
        raise Stop

    monkeypatch.setattr(agent, "apply_with_agent_ctl", fake_apply)
    monkeypatch.setattr(agent.time, "sleep", stop)
    with pytest.raises(Stop):
        agent.main(["--group", GROUP, "--cluster-id", CLUSTER, "--step-root", str(steps),
                    "--container-root", str(tmp_path / "none")])
    assert written == [agent.config_file_for(GROUP)]


def test_main_once_reads_the_cluster_id_and_prints_the_config(tree, capsys, monkeypatch, tmp_path):
    steps, containers = tree
    make(steps / "s-9", time.time())
    job_flow = tmp_path / "job-flow.json"
    job_flow.write_text(json.dumps({"jobFlowId": CLUSTER, "hadoopVersion": "3.3.6"}))
    monkeypatch.setattr(agent, "JOB_FLOW_JSON", str(job_flow))
    assert agent.main(["--group", GROUP, "--once", "--step-root", str(steps), "--container-root", str(containers)]) == 0
    assert streams(json.loads(capsys.readouterr().out)) == [step_stream(CLUSTER, "s-9", s) for s in ("stderr", "stdout")]


# the bootstrap script ------------------------------------------------------------------------

def heredocs(script: str) -> dict[str, str]:
    """{target path: body} of every quoted heredoc in the script."""
    found = re.findall(rf"tee \"\$HOME_DIR/(\S+)\" >/dev/null <<'{HEREDOC_END}'\n(.*?)\n{HEREDOC_END}\n", script, re.S)
    return dict(found)


def test_the_script_ships_the_repo_sources_verbatim():
    script = bootstrap_script(GROUP, "driver")
    bodies = heredocs(script)
    assert set(bodies) == {"log_naming.py", "step_logs_agent.py"}
    assert bodies["log_naming.py"] + "\n" == Path(log_naming.__file__).read_text()
    assert bodies["step_logs_agent.py"] + "\n" == Path(agent.__file__).read_text()
    assert f"GROUP='{GROUP}'" in script and "CONTAINERS='driver'" in script
    assert "--group $GROUP --containers $CONTAINERS" in script
    assert "yum install -y -q amazon-cloudwatch-agent" in script and "systemctl enable --now emr-step-logs" in script


@pytest.mark.integration  # runs bash
def test_the_script_is_valid_bash():
    subprocess.run(["bash", "-n"], input=bootstrap_script(GROUP), text=True, check=True)


@pytest.mark.parametrize("name", ["log_naming.py", "step_logs_agent.py"])
def test_shipped_modules_parse_as_python_3_7(name):
    """EMR 5.30+/6.x nodes (Amazon Linux 2) have python3.7: no newer syntax in what we ship."""
    ast.parse(heredocs(bootstrap_script(GROUP))[name], feature_version=(3, 7))


@pytest.mark.integration  # runs the watcher with bash
def test_shipped_watcher_runs_standalone_next_to_log_naming(tmp_path, tree):
    """On a node there is no step_runner package: the watcher imports log_naming from its own directory."""
    steps, containers = tree
    home = tmp_path / "opt"
    home.mkdir()
    for name, body in heredocs(bootstrap_script(GROUP)).items():
        (home / name).write_text(body + "\n")
    make(steps / "s-7", time.time())
    out = subprocess.run([sys.executable, str(home / "step_logs_agent.py"), "--group", GROUP, "--once",
                          "--cluster-id", CLUSTER, "--step-root", str(steps), "--container-root", str(containers)],
                         capture_output=True, text=True, check=True, cwd=tmp_path, env={"PATH": os.environ["PATH"]})
    assert streams(json.loads(out.stdout)) == [step_stream(CLUSTER, "s-7", s) for s in ("stderr", "stdout")]
