"""Run terraform offline against the provider mirror: init, validate, plan.

Used by tests, `make demo` and `make bench`. Nothing here reaches the network: providers
come from the mirror and the CLI config forbids any other installation method.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Mapping, Optional

PLUGIN_DIR = Path(os.environ.get("EMR_TF_PLUGIN_DIR", "/opt/tf-plugins"))


class TerraformError(RuntimeError):
    def __init__(self, command: list[str], result: subprocess.CompletedProcess) -> None:
        self.result = result
        super().__init__(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def mirror_available() -> bool:
    return (PLUGIN_DIR / "registry.terraform.io" / "hashicorp" / "aws").is_dir() and shutil.which("terraform") is not None


def cli_config(directory: Path) -> Path:
    """A terraform CLI config that installs providers from the mirror only."""
    rc = directory / ".terraformrc"
    if not rc.exists():
        rc.write_text(
            'provider_installation {\n'
            f'  filesystem_mirror {{\n    path = "{PLUGIN_DIR}"\n  }}\n'
            '  direct {\n    exclude = ["*/*/*"]\n  }\n'
            '}\n'
        )
    return rc


def terraform_env(work_dir: Path) -> dict[str, str]:
    """An environment that keeps terraform offline and quiet."""
    rc = cli_config(work_dir)
    env = dict(os.environ)
    env.update({"CHECKPOINT_DISABLE": "1", "TF_CLI_CONFIG_FILE": str(rc), "TF_IN_AUTOMATION": "1",
                "TF_INPUT": "0"})
    return env


def run(work_dir: Path, *args: str, env: Optional[dict[str, str]] = None, check: bool = True,
        timeout: int = 600) -> subprocess.CompletedProcess:
    command = ["terraform", *args]
    result = subprocess.run(command, cwd=work_dir, env=env or terraform_env(work_dir), capture_output=True,
                            text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise TerraformError(command, result)
    return result


def prepare(stack_dir: Path, work_dir: Path, *, backend: bool = False) -> Path:
    """Copy a synthesized stack into ``work_dir`` and init it from the mirror.

    ``backend=False`` is enough for validate and needs no state storage.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(stack_dir / "cdk.tf.json", work_dir / "cdk.tf.json")
    run(work_dir, "init", f"-backend={str(backend).lower()}", "-input=false", "-no-color")
    return work_dir


_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def single_aws_provider(document: dict) -> bool:
    """Whether a synthesized stack has one hashicorp/aws provider configuration, without alias, and no other."""
    providers = document.get("provider", {})
    configs = providers.get("aws", [])
    return set(providers) == {"aws"} and len(configs) == 1 and "alias" not in configs[0]


def shares_root(name: str, document: dict) -> bool:
    """Whether a synthesized stack can be a child module of ``module_root``: a module name, and a single aws
    provider (an aliased provider would have to be passed to the module)."""
    return _MODULE_NAME.fullmatch(name) is not None and single_aws_provider(document)


def module_root(documents: Mapping[str, dict], work_dir: Path) -> Path:
    """Write one root configuration into ``work_dir`` that holds every synthesized stack (name: its
    ``cdk.tf.json`` document) as child module ``module.<name>`` in ``work_dir/<name>``, with the stacks'
    common provider block at the root and their backends left out. One init, validate or plan then covers them
    all: terraform starts the 400 MB provider per command (about 5 s each), not per stack. Diagnostics name
    ``<name>/cdk.tf.json``; addresses are ``module.<name>.<type>.<id>``."""
    providers = {json.dumps(d.get("provider"), sort_keys=True) for d in documents.values()}
    refused = sorted(name for name, d in documents.items() if not shares_root(name, d))
    if len(providers) != 1 or refused:
        raise ValueError("stacks need one common provider block to share a root "
                         f"(apart: {refused or 'providers differ'})")
    work_dir.mkdir(parents=True, exist_ok=True)
    root: dict = {"terraform": {"required_providers": {}}, "provider": next(iter(documents.values()))["provider"],
                  "module": {}}
    for name, document in documents.items():
        child = {k: v for k, v in document.items() if k != "provider"}
        child["terraform"] = {k: v for k, v in child.get("terraform", {}).items() if k != "backend"}
        root["terraform"]["required_providers"].update(child["terraform"].get("required_providers", {}))
        (work_dir / name).mkdir(exist_ok=True)
        (work_dir / name / "cdk.tf.json").write_text(json.dumps(child))
        root["module"][name] = {"source": f"./{name}"}
    (work_dir / "main.tf.json").write_text(json.dumps(root))
    return work_dir

def validate(work_dir: Path) -> dict:
    result = run(work_dir, "validate", "-json", "-no-color", check=False)
    report = json.loads(result.stdout)
    if not report.get("valid"):
        raise TerraformError(["terraform", "validate"], result)
    return report


def plan(work_dir: Path, out: str = "plan.tfplan") -> dict:
    """An offline plan, returned as `terraform show -json`."""
    run(work_dir, "plan", "-input=false", "-no-color", "-refresh=false", f"-out={out}")
    return json.loads(run(work_dir, "show", "-json", out).stdout)
