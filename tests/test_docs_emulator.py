"""The emulator's manual path (docs/emulator.md, "Use it by hand", and README's emulator quickstart) runs as written.

The block runs in bash, line for line, in a scratch copy of the checkout (symlinks to this one's files, its own
`.emulator/`, `cdktf.out/` and `outputs.json`), with `EMULATOR_PORT=0` so it never collides with an emulator
you run on 5055.

In `make test` it runs every line but the three that deploy, run the steps and destroy (`npx cdktf ...`,
`emr-steps ...`), about 10 s: starting the emulator in the background, sourcing `.emulator/env`, uploading the
job and stopping it, and checks what those three lines rely on. Those three lines cost 3 to 7 minutes on
2 cores (hashicorp/aws's own timers, about a minute per apply and per destroy, and three Spark JVMs), over
the whole suite's budget: `make test-emulator-docs` (EMR_DOCS_E2E=1) runs the block entire.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from .conftest import require_terraform_mirror

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
FULL = os.environ.get("EMR_DOCS_E2E") == "1"
EXPENSIVE = ("npx ", "emr-steps ")
# What a scratch copy must not share with this checkout: the emulator's state, synth output, outputs.
OWN = {".git", ".emulator", "cdktf.out", "outputs.json", ".tf-work", ".bench", ".pytest_cache"}
# `make emulator` installs what is stale first. In the scratch copy .venv and node_modules are symlinks to
# this checkout's, so an install from there would write into them with the scratch copy's paths (console
# scripts whose interpreter goes with the tmp dir). The files those installs depend on are copied there
# with a 1970 mtime instead of linked, so an edit to them while the test runs cannot start one.
INSTALL_INPUTS = {"requirements.txt", "requirements-dev.txt", "requirements-demo.txt", "constraints.txt",
                  "pyproject.toml", "package.json", "package-lock.json"}

if FULL:
    require_terraform_mirror()


def _block(path: Path, heading: str) -> str:
    text = path.read_text(encoding="utf-8")
    section = text[text.index(heading):]
    return re.search(r"^```sh\n(.*?)^```$", section, re.S | re.M).group(1)


def test_readme_shows_the_same_commands_as_the_emulator_doc():
    assert _block(ROOT / "README.md", "## Quickstart: the local emulator") == \
        _block(ROOT / "docs" / "emulator.md", "## Use it by hand")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    up_to_date = subprocess.run(["make", "-q", "venv", ".venv/.spark-installed", "node_modules/.installed"],
                                cwd=ROOT, capture_output=True)
    if up_to_date.returncode != 0:
        pytest.skip("the virtualenv, PySpark or node_modules is missing or stale: `make demo` installs them")
    scratch = tmp_path / "checkout"
    scratch.mkdir()
    for entry in ROOT.iterdir():
        if entry.name in INSTALL_INPUTS:
            shutil.copyfile(entry, scratch / entry.name)
            os.utime(scratch / entry.name, (0, 0))
        elif entry.name not in OWN:
            (scratch / entry.name).symlink_to(entry)
    yield scratch
    # The emulator runs in its own session: stop it by its pid file even when the block failed half-way.
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "scripts.emulator", "stop"], cwd=scratch,
                   capture_output=True, timeout=60)


def test_the_manual_path_runs_as_written(checkout: Path):
    commands = _block(ROOT / "docs" / "emulator.md", "## Use it by hand").splitlines()
    assert [c.split()[0] for c in commands] == ["make", "source", "npx", "make", "emr-steps", "npx", "make"]
    run = [c for c in commands if FULL or not c.startswith(EXPENSIVE)]
    # After `source .emulator/env`: what the skipped lines rely on, checked from the same shell.
    checks = [
        'echo "EMR_STEPS=$(command -v emr-steps)"',
        'echo "EMR_TARGET=$EMR_TARGET ENDPOINT=$AWS_ENDPOINT_URL LOCAL=$EMR_LOCAL_ENDPOINT"',
        'cat "$TF_CLI_CONFIG_FILE"',
        'echo "JSII=$JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"',
    ]
    script = ["set -euo pipefail", *run[:2], *checks, *run[2:], "test ! -e .emulator/env && echo STOPPED"]
    shell = subprocess.Popen(["bash", "-c", "\n".join(script)], cwd=checkout, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=dict(os.environ, EMULATOR_PORT="0"),
                             start_new_session=True)
    try:
        out, err = shell.communicate(timeout=900 if FULL else 120)
    except subprocess.TimeoutExpired:
        os.killpg(shell.pid, signal.SIGKILL)  # make and whatever it started, not only bash
        out, err = shell.communicate()
    assert shell.returncode == 0, f"{out}\n{err}"
    assert f"EMR_STEPS={checkout}/.venv/bin/emr-steps" in out
    endpoint = re.search(r"ENDPOINT=(http://127\.0\.0\.1:\d+) ", out).group(1)
    assert f"EMR_TARGET=local ENDPOINT={endpoint} LOCAL={endpoint}" in out
    # cdktf deploy finds hashicorp/aws in the mirror and nowhere else (no registry call, no prompt for it).
    assert "filesystem_mirror" in out and 'exclude = ["*/*/*"]' in out
    assert "JSII=20" in out
    assert "uploaded s3://emr-demo-artifacts/jobs/demo_job.py" in out
    assert "STOPPED" in out
    if FULL:
        assert (checkout / "outputs.json").exists()
        assert re.search(r"run \S+ on j-\w+: SUCCEEDED", out), out
    assert not list((checkout / "cdktf.out" / "stacks").glob("*/terraform.*.local.tfstate*"))
