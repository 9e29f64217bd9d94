"""CDK Terrain (cdktn) or cdktf (emr_constructs.cdk): how the library is chosen, and that both write the same
Terraform JSON for every shipped stack and module example."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from emr_constructs.cdk import DEFAULT, LIBRARIES, CdkChoiceError, choose
from stacks.examples import EXAMPLES
from stacks.module_examples import MODULE_EXAMPLES

ROOT = Path(__file__).resolve().parent.parent

# One child per library (one Python process holds one jsii kernel): every shipped stack and module example on
# the AWS target, and one stack each with the local target's LocalBackend and with an S3 backend.
SYNTH_ALL = """
import os
import sys
from emr_constructs.cdk import App, NAME
from stacks.app_builder import build_app
from stacks.environment import Environment
from stacks.module_examples import build_module_examples

out = sys.argv[1]
os.makedirs(out)
app = build_app(App(outdir=out + "/aws"), env={})
build_module_examples(app, Environment())
app.synth()
build_app(App(outdir=out + "/local"), env={"EMR_TARGET": "local", "EMR_STACKS": "emr-minimal"}).synth()
build_app(App(outdir=out + "/s3"), env={"EMR_STATE_BUCKET": "tf-state-bucket", "EMR_STACKS": "emr-production"}).synth()
print(NAME)
"""


def both(name: str) -> bool:
    return name in LIBRARIES


def only(*names: str):
    return lambda name: name in names


@pytest.mark.parametrize("installed, expected", [
    (both, DEFAULT), (only("cdktn"), "cdktn"), (only("cdktf"), "cdktf"),
])
def test_whichever_is_installed_and_the_default_when_both_are(installed, expected):
    assert DEFAULT == "cdktf"
    assert choose({}, installed) == expected
    assert choose({"EMR_CDK": ""}, installed) == expected


@pytest.mark.parametrize("forced", LIBRARIES)
def test_emr_cdk_forces_one(forced):
    assert choose({"EMR_CDK": forced}, both) == forced
    assert choose({"EMR_CDK": f" {forced} "}, both) == forced


@pytest.mark.parametrize("value", ["cdk", "CDKTN", "terraform"])
def test_an_unknown_value_is_refused(value):
    with pytest.raises(CdkChoiceError, match=f"EMR_CDK='{value}' is unknown: use EMR_CDK=cdktn .* or EMR_CDK=cdktf"):
        choose({"EMR_CDK": value}, both)


def test_a_forced_library_that_is_missing_is_refused():
    with pytest.raises(CdkChoiceError, match="EMR_CDK=cdktn but the Python package 'cdktn' is not installed"):
        choose({"EMR_CDK": "cdktn"}, only("cdktf"))
    with pytest.raises(CdkChoiceError, match="EMR_CDK=cdktf but the Python package 'cdktf' is not installed"):
        choose({"EMR_CDK": "cdktf"}, only("cdktn"))


def test_neither_installed_is_refused():
    with pytest.raises(CdkChoiceError, match="neither cdktn .* nor cdktf is installed.*EMR_CDK"):
        choose({}, only())
    assert issubclass(CdkChoiceError, ImportError)


@pytest.mark.integration
def test_importing_the_constructs_with_an_unknown_value_fails_before_jsii_starts():
    result = subprocess.run([sys.executable, "-c", "import emr_constructs"], cwd=ROOT, capture_output=True,
                            text=True, env=dict(os.environ, EMR_CDK="cdk"), timeout=60)
    assert result.returncode != 0
    assert "CdkChoiceError: EMR_CDK='cdk' is unknown" in result.stderr


@pytest.mark.integration
def test_app_py_with_an_unknown_value_says_so_in_one_line():
    result = subprocess.run([sys.executable, "app.py"], cwd=ROOT, capture_output=True, text=True,
                            env=dict(os.environ, EMR_CDK="cdk"), timeout=60)
    assert result.returncode == 1
    assert result.stderr == "app.py: EMR_CDK='cdk' is unknown: use EMR_CDK=cdktn (CDK Terrain) or EMR_CDK=cdktf\n"


def without_library_metadata(relative: str, document: dict) -> dict:
    """Drop what names the library: a stack's ``//.metadata.version``, the manifest's ``version`` and each
    annotation's ``stacktrace`` (the library's file names, and jsii kernel temp dirs that differ on every run)."""
    if relative.endswith("cdk.tf.json"):
        document.get("//", {}).get("metadata", {}).pop("version")
    elif relative.endswith("manifest.json"):
        document.pop("version")
        for stack in document["stacks"].values():
            for annotation in stack["annotations"]:
                annotation.pop("stacktrace", None)
    return document


def read_outputs(out: Path) -> dict[str, dict]:
    return {str(path.relative_to(out)): json.loads(path.read_text()) for path in sorted(out.rglob("*.json"))}


def library_version_written(out: Path) -> set[str]:
    found = {json.loads((out / kind / "manifest.json").read_text())["version"] for kind in ("aws", "local", "s3")}
    found |= {json.loads(path.read_text())["//"]["metadata"]["version"] for path in out.rglob("cdk.tf.json")}
    return found


@pytest.mark.integration  # two Python processes synthesize, one per library
def test_cdktn_and_cdktf_synthesize_the_same_terraform_json(tmp_path):
    missing = [name for name in LIBRARIES if importlib.util.find_spec(name) is None]
    if missing and not os.environ.get("CI"):
        pytest.skip(f"needs both libraries; {missing} not installed (pip install -r requirements.txt)")
    children = {
        name: subprocess.Popen(
            [sys.executable, "-c", SYNTH_ALL, str(tmp_path / name)], cwd=ROOT, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=dict(os.environ, EMR_CDK=name, CHECKPOINT_DISABLE="1",
                     JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20"))
        for name in LIBRARIES
    }
    for name, child in children.items():
        stdout, stderr = child.communicate(timeout=300)
        assert child.returncode == 0, f"synth under EMR_CDK={name} failed:\n{stderr}"
        assert stdout.split()[-1] == name
        assert library_version_written(tmp_path / name) == {version(name)}

    outputs = {name: read_outputs(tmp_path / name) for name in LIBRARIES}
    cdktf, cdktn = outputs["cdktf"], outputs["cdktn"]
    assert sorted(cdktf) == sorted(cdktn)
    assert len([p for p in cdktf if p.endswith("cdk.tf.json")]) == len(EXAMPLES) + len(MODULE_EXAMPLES) + 2
    for relative in cdktf:
        assert without_library_metadata(relative, cdktf[relative]) == \
            without_library_metadata(relative, cdktn[relative]), relative
