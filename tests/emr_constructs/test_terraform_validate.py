"""Every synthesized stack against the real provider schema: offline `terraform validate`."""

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
def work_dir(tmp_path_factory):
    """One initialized directory reused for every stack: init once, validate many."""
    return tmp_path_factory.mktemp("tf")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_stack_passes_terraform_validate(name, synthesized, work_dir):
    directory = work_dir / name
    tf.prepare(synthesized / name, directory)
    report = tf.validate(directory)
    assert report["valid"] is True
    assert report["error_count"] == 0 and report["warning_count"] == 0, report["diagnostics"]
