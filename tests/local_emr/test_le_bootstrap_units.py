"""Bootstrap pieces without a server: sudo's options, EMR's names for things, the sandbox's shims."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from local_emr.cluster.bootstrap import (
    NOT_EMULATED,
    Action,
    Sandbox,
    action_log_prefix,
    cluster_actions,
    emulator_env,
    master_instance_id,
    sudo_command,
)


@pytest.mark.parametrize(("args", "expected"), [
    (["pip3", "install", "x"], ({}, ["pip3", "install", "x"])),
    (["-E", "-H", "-u", "hadoop", "pip3", "install", "x"], ({}, ["pip3", "install", "x"])),
    (["-Eu", "hadoop", "-g", "wheel", "python3", "-V"], ({}, ["python3", "-V"])),
    (["-uhadoop", "--preserve-env=PATH", "--user", "root", "--", "-weird"], ({}, ["-weird"])),
    (["--user=root", "-n", "A=1", "B_2=x=y", "env"], ({"A": "1", "B_2": "x=y"}, ["env"])),
    (["-v"], ({}, [])),
])
def test_sudo_runs_its_command_without_its_own_options(args: list[str], expected: tuple[dict, list]) -> None:
    assert sudo_command(args) == expected


def test_emr_names_for_the_master_instance_and_its_bootstrap_logs() -> None:
    groups = {"m": SimpleNamespace(role="MASTER"), "c": SimpleNamespace(role="CORE")}
    cluster = SimpleNamespace(id="j-1", ec2_instances=[
        SimpleNamespace(instance_group=groups["c"], ec2_instance_id="i-core"),
        SimpleNamespace(instance_group=groups["m"], ec2_instance_id="i-master")])
    assert master_instance_id(cluster) == "i-master"
    made_up = master_instance_id(SimpleNamespace(id="j-2", ec2_instances=[]))
    assert made_up.startswith("i-") and len(made_up) == 19 and made_up == master_instance_id(SimpleNamespace(id="j-2"))
    assert str(action_log_prefix("s3://b/logs/", "j-1", "i-master", 2)) == \
        "s3://b/logs/j-1/node/i-master/bootstrap-actions/2"
    assert action_log_prefix(None, "j-1", "i-master", 1) is None


def test_bootstrap_actions_as_moto_keeps_them() -> None:
    moto_actions = [SimpleNamespace(name="a", script_path="s3://b/a.sh", args=["--x", "1"]),
                    SimpleNamespace(name="b", script_path="s3://b/b.sh", args=[])]
    assert cluster_actions(SimpleNamespace(bootstrap_actions=moto_actions)) == [
        Action("a", "s3://b/a.sh", ("--x", "1")), Action("b", "s3://b/b.sh", ())]
    assert cluster_actions(SimpleNamespace()) == []


def test_the_environment_points_at_the_emulator_only() -> None:
    env = emulator_env({"AWS_PROFILE": "prod", "AWS_SESSION_TOKEN": "t", "AWS_ACCESS_KEY_ID": "AKIA", "KEEP": "1"},
                       "http://127.0.0.1:1", "eu-west-1")
    assert "AWS_PROFILE" not in env and "AWS_SESSION_TOKEN" not in env
    assert env["AWS_ACCESS_KEY_ID"] == "testing" and env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert (env["AWS_REGION"], env["LOCAL_EMR"], env["KEEP"]) == ("eu-west-1", "1", "1")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    box = Sandbox(str(tmp_path_factory.mktemp("sandbox")))
    box.create()
    return box


def _run(sandbox: Sandbox, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), env=sandbox.env({"PATH": "/usr/bin:/bin"}), capture_output=True, text=True,
                          timeout=60)


@pytest.mark.integration
def test_the_sandbox_python_is_a_venv_that_sees_the_emulators_packages(sandbox: Sandbox) -> None:
    found = _run(sandbox, "python3", "-c", "import sys, moto; print(sys.prefix); print(moto.__version__)")
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == [sandbox.venv, "5.2.5"]
    pip = _run(sandbox, "pip3", "--version")
    assert pip.returncode == 0 and "pip" in pip.stdout
    env = sandbox.env({"PATH": "/bin"})
    assert (env["HOME"], env["TMPDIR"]) == (sandbox.home, sandbox.tmp) and Path(sandbox.home).is_dir()


@pytest.mark.integration
def test_the_sudo_shim_runs_as_you_and_package_managers_refuse(sandbox: Sandbox) -> None:
    shown = _run(sandbox, "sudo", "-E", "-H", "-u", "hadoop", "GREETING=hi", "sh", "-c", 'echo "$GREETING $(id -u)"')
    assert shown.returncode == 0 and shown.stdout.split() == ["hi", str(subprocess.check_output(["id", "-u"],
                                                                                                 text=True).strip())]
    for name in NOT_EMULATED:
        refused = _run(sandbox, "sudo", name, "install", "-y", "x")
        assert (refused.returncode, refused.stderr) == (1, f"local_emr: {name} is not emulated\n")
    assert _run(sandbox, "sudo", "/usr/bin/yum", "install", "x").stderr == "local_emr: yum is not emulated\n"
    missing = _run(sandbox, "sudo", "no-such-command-le")
    assert (missing.returncode, missing.stderr) == (1, "sudo: no-such-command-le: command not found\n")
    assert _run(sandbox, "sudo", "-v").returncode == 0
    assert Path(sandbox.shims, "sudo.py").read_text().count("def sudo_command") == 1
    assert sys.executable in Path(sandbox.shims, "sudo").read_text()
