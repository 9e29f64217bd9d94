"""Deploy a shipped stack to the local emulator with real terraform, and take it down again.

The same path the demo and the end-to-end test use: synthesize for the local target, init
from the provider mirror, apply, read outputs, destroy.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping, Optional

from scripts import terraform as tf


class LocalStack:
    """One stack in its own working directory, deployed to ``endpoint_url``."""

    def __init__(self, stack_name: str, endpoint_url: str, work_dir: Path,
                 terraform_env: Optional[Mapping[str, str]] = None) -> None:
        """``terraform_env`` is added to every terraform command after init (e.g. a ``SharedProvider``'s)."""
        self.stack_name = stack_name
        self.endpoint_url = endpoint_url
        self.work_dir = work_dir
        self.terraform_env = dict(terraform_env or {})
        self.applied = False

    def _terraform(self, *args: str, check: bool = True):
        env = {**tf.terraform_env(self.work_dir / "tf"), **self.terraform_env}
        return tf.run(self.work_dir / "tf", *args, env=env, check=check)

    def synth(self) -> Path:
        from emr_constructs.cdk import App

        from stacks.app_builder import build_app

        env = dict(os.environ, EMR_TARGET="local", EMR_LOCAL_ENDPOINT=self.endpoint_url, EMR_STACKS=self.stack_name)
        out = self.work_dir / "cdktf.out"
        build_app(App(outdir=str(out)), env=env).synth()
        return out / "stacks" / self.stack_name

    def apply(self) -> dict[str, str]:
        """Init, apply and return the outputs as ``{name: value}``."""
        tf.prepare(self.synth(), self.work_dir / "tf", backend=True)
        self.applied = True
        self._terraform("apply", "-auto-approve", "-input=false", "-no-color")
        return self.outputs()

    def outputs(self) -> dict[str, str]:
        raw = json.loads(self._terraform("output", "-json").stdout)
        return {name: item["value"] for name, item in raw.items()}

    def write_outputs(self, path: Path) -> Path:
        """The `terraform output -json` file the step runner reads with --outputs."""
        path.write_text(self._terraform("output", "-json").stdout)
        return path

    def destroy(self) -> Optional[str]:
        """Destroy what apply created; returns terraform's error text instead of raising."""
        if not self.applied:
            return None
        result = self._terraform("destroy", "-auto-approve", "-input=false", "-no-color", check=False)
        self.applied = result.returncode != 0
        return None if result.returncode == 0 else result.stdout + result.stderr
