"""Helpers to run the CLI against stubbed clients with a fake clock."""
from __future__ import annotations

import io
from pathlib import Path

from step_runner.cli import Deps, main
from step_runner.plan.spec import load_spec_file, step_config

from .conftest import T0, FakeClock

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "steps.yaml"


def run_cli(argv: list[str], emr, s3, clock: FakeClock, state_dir: Path, *, signals: bool = False):
    out, err = io.StringIO(), io.StringIO()
    deps = Deps(make_clients=lambda region, profile: (emr, s3), clock=clock, sleep=clock.sleep, rand=lambda: 0.5, now=lambda: T0,
                stdout=out, stderr=err, install_signals=signals)
    code = main([*argv, "--state-dir", str(state_dir)], deps)
    return code, out.getvalue(), err.getvalue()


def configs(run_id: str, *names: str, spec: Path = EXAMPLE) -> list[dict]:
    by_name = load_spec_file(spec).by_name()
    return [step_config(by_name[n], run_id) for n in names]
