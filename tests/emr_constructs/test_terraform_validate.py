"""Every synthesized stack against the real provider schema: offline `terraform validate`."""
import json

import pytest

from scripts import terraform as tf

from ..conftest import require_terraform_mirror
from stacks.examples import EXAMPLES

pytestmark = pytest.mark.integration

require_terraform_mirror()


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    from cdktf import App

    from stacks.app_builder import build_app

    out = tmp_path_factory.mktemp("cdktf.out")
    build_app(App(outdir=str(out)), env={}).synth()
    return out / "stacks"


@pytest.fixture(scope="module")
def reports(synthesized, tmp_path_factory):
    """Each stack's validate report. Stacks with one provider block are validated together, as child modules of
    one root (tf.module_root), so terraform starts the provider once for them, not once per stack; a stack that
    cannot share a root is validated alone. A shared report counts only the stack's own diagnostics."""
    documents = {name: json.loads((synthesized / name / "cdk.tf.json").read_text()) for name in EXAMPLES}
    groups: dict[str, list[str]] = {}
    for name, document in documents.items():
        if tf.shares_root(name, document):
            groups.setdefault(json.dumps(document["provider"], sort_keys=True), []).append(name)
    found = {}
    for names in groups.values():
        root = tf.module_root({n: documents[n] for n in names}, tmp_path_factory.mktemp("tf"))
        tf.run(root, "init", "-backend=false", "-input=false", "-no-color")
        report = tf.validate(root)
        for name in names:
            mine = [d for d in report["diagnostics"] if d.get("range", {}).get("filename", "").startswith(f"{name}/")]
            found[name] = {"valid": report["valid"], "diagnostics": mine,
                           "error_count": sum(d["severity"] == "error" for d in mine),
                           "warning_count": sum(d["severity"] == "warning" for d in mine),
                           "root_diagnostics": [d for d in report["diagnostics"] if d not in mine]}
    for name in sorted(set(EXAMPLES) - set(found)):
        found[name] = dict(tf.validate(tf.prepare(synthesized / name, tmp_path_factory.mktemp("tf"))),
                           root_diagnostics=[])
    return found


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_stack_passes_terraform_validate(name, reports):
    report = reports[name]
    assert report["valid"] is True
    assert report["error_count"] == 0 and report["warning_count"] == 0, report["diagnostics"]
    assert report["root_diagnostics"] == []
