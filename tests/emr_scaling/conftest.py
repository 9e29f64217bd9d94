"""The shipped stacks, synthesized once per test process (jsii), for the tests that read real stacks."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from emr_constructs.cdk import App
    from stacks.app_builder import build_app

    out = tmp_path_factory.mktemp("cdktf.out")
    build_app(App(outdir=str(out)), env={}).synth()
    return out / "stacks"
