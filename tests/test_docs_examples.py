"""Every runnable example in README.md, CONTRIBUTING.md and docs/ runs as written.

Fenced blocks are classified by their info string:

- ``python``: executed, each with the harness listed in ``PYTHON`` below (keyed by the heading the block
  sits under); a python block without one fails ``test_every_block_is_accounted_for``;
- ``sh``: runnable shell, run line by line from the repository's root (``SH_LINES``), except the emulator's
  manual path, which tests/test_docs_emulator.py runs, and the foreground emulator, started and stopped here;
- ``yaml``: a step spec, loaded by the step runner's spec loader, or a scaling workload (it has ``applications``),
  read by emr-scaling's, or an mrjob.conf (it has ``runners``), which tests/local_emr/test_le_mrjob.py runs mrjob with;
- ``bash``: shell that is *not* run; the line above its fence must say why, in an HTML comment the reader does
  not see (``<!-- not run by the docs tests: ... -->``);
- ``text``: output or error messages, never run.

All of it takes a few seconds: the slowest part is one small cdktf synth.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md",
        *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name != "props-reference.md")]
FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```$", re.S | re.M)
NOT_RUN = "# not run by the docs tests: "
EMULATOR_PATH_FIRST_LINE = "make emulator "


def blocks() -> list[tuple[Path, str, str, str]]:
    """(file, heading, language, code) of every fenced block; indented fences (in lists) included."""
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            heading = ([""] + re.findall(r"^#+ .*$", text[:match.start()], re.M))[-1]
            indent = match.group(1)
            code = "\n".join(line[len(indent):] for line in match.group(3).splitlines())
            # why a block is not run sits in an HTML comment right above it, which a reader does not see
            before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
            reason = re.fullmatch(r"<!-- not run by the docs tests: (.*) -->", before)
            if reason:
                code = NOT_RUN + reason.group(1) + "\n" + code
            found.append((path, heading, match.group(2), code))
    return found


BLOCKS = blocks()


def _code(language: str, heading: str, file: str) -> str:
    (code,) = [c for p, h, lang, c in BLOCKS if lang == language and h == heading and p.name == file]
    return code


def _ids(items):
    return [f"{p.relative_to(ROOT)}:{h.lstrip('# ')}" for p, h, *_ in items]


# --- python blocks, each with its harness ---------------------------------------------------------------

def _constructs_example(code: str, tmp_path: Path, monkeypatch) -> None:
    assert "App()" in code
    # jsii's node process keeps the directory it started in: name the output directory explicitly.
    code = code.replace("App()", f"App(outdir={str(tmp_path / 'out')!r})")
    exec(compile(code, "docs/deploy.md", "exec"), {})
    stack = json.loads((tmp_path / "out" / "stacks" / "analytics" / "cdk.tf.json").read_text())
    (cluster,) = stack["resource"]["aws_emr_cluster"].values()
    assert cluster["step_concurrency_level"] == 10
    assert cluster["core_instance_group"][0]["instance_count"] == 4


def _library_example(code: str, tmp_path: Path, monkeypatch) -> None:
    """The step runner's library use, with the strict EMR fake behind make_clients and fake time."""
    from step_runner.aws import emr_adapter

    from tests.step_runner.conftest import FakeClock
    from tests.step_runner.strict_emr import StrictEmr

    assert "clock=time.monotonic, sleep=time.sleep" in code
    code = code.replace("clock=time.monotonic, sleep=time.sleep", "clock=clock, sleep=clock.sleep")
    clock = FakeClock()
    emr = StrictEmr(clock)
    emr.cluster(cluster_id="j-XXXXXXXX")
    client = emr.client()
    monkeypatch.setattr(emr_adapter, "make_clients", lambda region=None, profile=None: (client, None))
    monkeypatch.setattr(emr_adapter, "make_submit_client", lambda region=None, profile=None: client)
    (tmp_path / "steps.yaml").write_text("steps:\n  - name: a\n    entry_point: s3://b/a.py\n")
    monkeypatch.chdir(tmp_path)
    namespace = {"clock": clock}
    exec(compile(code, "docs/emr-steps.md", "exec"), namespace)
    assert namespace["report"].outcome == "SUCCEEDED"
    assert emr.submitted_names() == ["a [run=nightly-2026-11-25]"]


def _as_written(code: str, tmp_path: Path, monkeypatch) -> None:
    exec(compile(code, "docs", "exec"), {})


# Examples that start processes or sockets (jsii's node, botocore, the emulator) are integration tests.
INTEGRATION = {("deploy.md", "## Use the constructs in your own app"), ("emr-steps.md", "## Library use"),
               ("emulator.md", "## Run it in the foreground, or in process")}
PYTHON = {
    ("deploy.md", "## Use the constructs in your own app"): _constructs_example,
    ("emr-steps.md", "## Library use"): _library_example,
    ("step-logs.md", "# Step logs in CloudWatch Logs"): _as_written,
    ("security.md", "## In-transit encryption: what you must provide"): _as_written,
    ("emulator.md", "## Run it in the foreground, or in process"): _as_written,
}

# sh blocks run line by line from the repository's root, with .venv/bin first on PATH (as after
# `source .emulator/env`); each line must exit 0 and print what is named here.
SH_LINES = {
    "emr-steps examples/steps.yaml --validate": '"command-runner.jar"',
    "emr-steps explain tests/step_runner/corpus/b-oom-executorlost-yarn4714.log": "kind: oom",
    "cat tests/step_runner/corpus/b-oom-am-exitstatus-104.log | emr-steps explain - --json": '"kind": "oom"',
    "make synth": "app.py",
    "emr-scaling simulate emr-production --workload examples/workload-day.yaml": "\nEVENTS (",
}
FOREGROUND_EMULATOR = ".venv/bin/python -m local_emr --port 5055"


def _lines(code: str) -> list[str]:
    return [re.sub(r"\s+#.*$", "", line).strip() for line in code.splitlines() if line.strip()]


def test_every_block_is_accounted_for():
    """No example is silently skipped: each block is run here, in test_docs_emulator.py, or says why not."""
    problems = []
    for path, heading, language, code in BLOCKS:
        where = f"{path.relative_to(ROOT)} under {heading!r}"
        if language == "python" and (path.name, heading) not in PYTHON:
            problems.append(f"{where}: a python block with no harness in PYTHON")
        elif language == "sh":
            lines = _lines(code)
            if lines[0].startswith(EMULATOR_PATH_FIRST_LINE.strip()):
                continue
            unknown = [line for line in lines if line not in SH_LINES and not line.startswith(FOREGROUND_EMULATOR)]
            if unknown:
                problems.append(f"{where}: sh lines no test runs: {unknown}")
        elif language in ("bash", "console", "shell", ""):
            if not code.startswith(NOT_RUN):
                problems.append(f"{where}: a {language or 'plain'} block needs '<!-- not run by the docs tests: "
                                "<why> -->' on the line above it (or be a sh block a test runs, or text)")
        elif language not in ("python", "sh", "yaml", "text"):
            problems.append(f"{where}: unknown block language {language!r}")
    assert problems == []
    assert len(PYTHON) == sum(1 for _, _, lang, _ in BLOCKS if lang == "python"), "a PYTHON harness lost its block"


@pytest.mark.parametrize("key", [pytest.param(k, marks=[pytest.mark.integration] if k in INTEGRATION else [],
                                                id=f"{k[0]}:{k[1].lstrip('# ')}") for k in PYTHON])
def test_python_example_runs(key, tmp_path, monkeypatch):
    file, heading = key
    PYTHON[key](_code("python", heading, file), tmp_path, monkeypatch)


@pytest.mark.integration
def test_sh_examples_run():
    env = dict(os.environ, PATH=f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}")
    ran = set()
    for path, heading, language, code in BLOCKS:
        if language != "sh":
            continue
        for line in _lines(code):
            if line in SH_LINES:
                result = subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=ROOT, env=env,
                                        capture_output=True, text=True, timeout=60)
                assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
                assert SH_LINES[line] in result.stdout, f"{line}: no {SH_LINES[line]!r} in\n{result.stdout}"
                ran.add(line)
    assert ran == set(SH_LINES), "a documented command is gone from the docs: drop it from SH_LINES"


@pytest.mark.integration
def test_the_foreground_emulator_prints_what_the_docs_show():
    """`python -m local_emr` as documented (on a free port rather than 5055), its banner as the docs show it:
    the same keys as .emulator/env, so the credentials in the docs are the ones the emulator prints."""
    from scripts.emulator import ACCESS_KEY, SECRET_KEY

    block = _code("sh", "## Run it in the foreground, or in process", "emulator.md")
    banner = _code("text", "## Run it in the foreground, or in process", "emulator.md")
    commands = [line for line in _lines(block) if line.startswith(FOREGROUND_EMULATOR)]
    assert len(commands) == 3
    usage = subprocess.run([*FOREGROUND_EMULATOR.split(), "--help"], cwd=ROOT, capture_output=True, text=True).stdout
    for flag in {f for line in commands for f in re.findall(r"--[a-z-]+", line.split("#")[0])}:
        assert flag in usage, f"documented flag {flag} is not an option of python -m local_emr"
    command = commands[0].replace("--port 5055", "--port 0")
    process = subprocess.Popen(command.split(), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        printed = [process.stdout.readline(), process.stdout.readline()]
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    assert process.returncode == 0
    port = re.search(r":(\d+)$", printed[0].strip()).group(1)
    assert "".join(printed).strip() == banner.replace("5055", port).strip()
    assert f"AWS_ACCESS_KEY_ID={ACCESS_KEY} AWS_SECRET_ACCESS_KEY={SECRET_KEY}" in banner


def test_yaml_step_specs_and_workloads_load(tmp_path):
    from emr_scaling.workload.file import load_workload
    from step_runner.plan.spec import load_spec_file

    specs = [(p, c) for p, _, lang, c in BLOCKS if lang == "yaml" and not c.startswith("runners:")]
    workloads = [(p, c) for p, c in specs if re.search(r"^applications:", c, re.M)]
    assert specs and workloads
    for n, (path, code) in enumerate(specs):
        (tmp_path / f"{n}.yaml").write_text(code)
        if (path, code) in workloads:
            assert load_workload(tmp_path / f"{n}.yaml").applications, path
        else:
            assert load_spec_file(tmp_path / f"{n}.yaml").steps, path


def test_links_between_docs_resolve():
    """Relative links point at files that exist (anchors are not checked)."""
    broken = []
    for path in DOCS:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
            if not (path.parent / target).exists():
                broken.append(f"{path.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_readme_stays_short():
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 150
