"""The layering rules (CONTRIBUTING.md): which of our packages may import which.

Walks every module's AST, so a rule breaks the build even when nothing exercises the import at run time
(imports inside functions and `try` blocks count too).
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Every top-level package of ours, found on disk: a new one fails test_every_package_has_a_layer until its
# place is decided here (and in CONTRIBUTING.md).
PACKAGES = tuple(sorted(p.parent.name for p in ROOT.glob("*/__init__.py")))
OURS = (*PACKAGES, "app")
FREE = {"scripts", "tests"}  # tooling and tests may import anything
ALLOWED = {
    "emr_contract": set(),
    "emr_cost": {"emr_contract"},
    "emr_scaling": {"emr_contract", "emr_cost"},
    "emr_constructs": {"emr_contract"},
    "step_runner": {"emr_contract", "emr_cost", "emr_scaling"},
    "local_emr": {"emr_contract", "emr_cost", "emr_scaling"},
    "stacks": {"emr_constructs", "emr_contract"},
    "app": {"stacks"},
}


def imported_top_levels(source: str, package: str) -> set[str]:
    """Top-level names of every absolute import; relative ones stay inside ``package``."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add(package if node.level else (node.module or "").split(".")[0])
    return found


def breaches(package: str) -> list[str]:
    files = [ROOT / "app.py"] if package == "app" else sorted((ROOT / package).rglob("*.py"))
    out = []
    for path in files:
        for name in imported_top_levels(path.read_text(encoding="utf-8"), package):
            if name in OURS and name != package and name not in ALLOWED[package]:
                out.append(f"{path.relative_to(ROOT)} imports {name}")
    return out


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_its_layer_allows(package: str) -> None:
    if package != "app" and not (ROOT / package).is_dir():
        pytest.skip(f"{package}/ does not exist")
    assert breaches(package) == []


def test_every_package_has_a_layer() -> None:
    assert set(PACKAGES) - FREE - set(ALLOWED) == set()


def test_the_contract_is_standard_library_only() -> None:
    for path in sorted((ROOT / "emr_contract").rglob("*.py")):
        for name in imported_top_levels(path.read_text(encoding="utf-8"), "emr_contract"):
            assert name == "emr_contract" or name in sys.stdlib_module_names or name == "__future__", \
                f"{path.name} imports {name}"


def test_the_walker_sees_imports_hidden_in_functions_and_try_blocks() -> None:
    source = "def f():\n    try:\n        from step_runner.x import y\n    except ImportError:\n        import local_emr\n"
    assert imported_top_levels(source, "emr_constructs") == {"step_runner", "local_emr"}
    assert imported_top_levels("from .x import y\n", "emr_constructs") == {"emr_constructs"}


def test_a_breach_is_reported(tmp_path, monkeypatch) -> None:
    (tmp_path / "emr_constructs").mkdir()
    (tmp_path / "emr_constructs" / "bad.py").write_text("from step_runner.log_naming import step_stream\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert breaches("emr_constructs") == ["emr_constructs/bad.py imports step_runner"]


# Subpackages with a rule of their own: the absolute top-level names each may import, and what of its parent
# package it may reach with ``from ..X import`` (modules and sibling subpackages). They form a graph without
# cycles: the shared vocabulary (errors, state, retry, poll_policy) at the bottom, the run on top.
_STEP_VOCABULARY = {"errors", "state", "retry", "poll_policy"}
SUBPACKAGES = {
    # the diagnosis is pure: logs in, a hint and a cause out, no AWS call and nothing of the runner around it
    "step_runner/diagnosis": {"allowed": set(), "parent": set()},
    # the spec file and the stack's outputs: parsed and checked, no AWS call
    "step_runner/plan": {"allowed": {"yaml", "emr_contract"}, "parent": {"errors"}},
    # the thin boto3 adapters: they speak the run's vocabulary and nothing else of it
    "step_runner/aws": {"allowed": {"boto3", "botocore", "emr_contract", "emr_cost"}, "parent": _STEP_VOCABULARY},
    "step_runner/follow": {"allowed": {"botocore", "emr_contract"}, "parent": _STEP_VOCABULARY | {"aws"}},
    # what a run produced and why a step failed; it never drives a run
    "step_runner/report": {"allowed": {"emr_contract", "emr_cost"},
                           "parent": _STEP_VOCABULARY | {"aws", "diagnosis"}},
    "step_runner/run": {"allowed": {"emr_contract"},
                        "parent": _STEP_VOCABULARY | {"aws", "follow", "plan", "report", "diagnosis"}},
    # the commands: parse, wire, print, exit codes (everything below them, nothing above)
    "step_runner/cli": {"allowed": {"emr_contract", "emr_cost"},
                        "parent": _STEP_VOCABULARY | {"aws", "follow", "plan", "report", "run", "diagnosis"}},
    # the constructs: EMR's facts (data, nothing of the cdk), the cdktf plumbing under everything, the checks that
    # run before any jsii call, and one folder per feature of a cluster
    "emr_constructs/facts": {"allowed": {"emr_contract"}, "parent": set()},
    "emr_constructs/terraform": {"allowed": {"constructs", "jsii"}, "parent": {"cdk", "validation"}},
    "emr_constructs/validation": {"allowed": {"botocore"},
                                  "parent": {"facts", "props", "configurations", "scaling", "logs"}},
    "emr_constructs/scaling": {"allowed": {"emr_contract"},
                               "parent": {"facts", "validation", "configurations", "props"}},
    "emr_constructs/security": {"allowed": {"constructs"},
                                "parent": {"cdk", "defaults", "facts", "props", "terraform", "validation", "logs"}},
    "emr_constructs/logs": {"allowed": {"constructs", "emr_contract", "log_naming"},
                            "parent": {"cdk", "defaults", "props", "terraform", "validation", "security"}},
    "emr_constructs/monitoring": {"allowed": {"constructs", "emr_contract"},
                                  "parent": {"cdk", "facts", "props", "terraform", "validation", "security"}},
    # the emulator: a step's life on the node, a cluster's life around its steps, the APIs in front of both
    "local_emr/steps": {"allowed": {"emr_contract", "moto"}, "parent": {"config", "s3_io"}},
    "local_emr/cluster": {"allowed": {"emr_contract", "emr_cost", "emr_scaling", "moto"},
                          "parent": {"config", "s3_io", "steps"}},
    "local_emr/api": {"allowed": {"botocore", "emr_contract", "emr_cost", "moto"},
                      "parent": {"config", "s3_io", "steps", "cluster"}},
}


def _parent_names(node: ast.ImportFrom) -> list[str]:
    """What ``from ..X import y`` (or ``from .. import y``) takes from the parent package."""
    return [node.module.split(".")[0]] if node.module else [alias.name for alias in node.names]


def subpackage_breaches(subpackage: str) -> list[str]:
    rule = SUBPACKAGES[subpackage]
    problems = []
    for path in sorted((ROOT / subpackage).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level > 1:
                problems += [f"{path.relative_to(ROOT)} imports ..{name}" for name in _parent_names(node)
                             if name not in rule["parent"]]
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in rule["allowed"]:
                    problems.append(f"{path.relative_to(ROOT)} imports {name}")
    return problems


@pytest.mark.parametrize("subpackage", sorted(SUBPACKAGES))
def test_subpackages_keep_their_own_rules(subpackage: str) -> None:
    assert subpackage_breaches(subpackage) == []


def test_a_subpackage_reaching_up_the_graph_is_reported(tmp_path, monkeypatch) -> None:
    (tmp_path / "step_runner" / "aws").mkdir(parents=True)
    (tmp_path / "step_runner" / "aws" / "bad.py").write_text("from ..run.runner import StepRunner\nimport yaml\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert subpackage_breaches("step_runner/aws") == ["step_runner/aws/bad.py imports ..run",
                                                      "step_runner/aws/bad.py imports yaml"]


def test_every_subpackage_has_a_rule() -> None:
    """A new folder in a layered package is placed in SUBPACKAGES (and CONTRIBUTING's map) first."""
    found = {p.parent.relative_to(ROOT).as_posix() for package in ("step_runner", "local_emr", "emr_constructs")
             for p in (ROOT / package).glob("*/__init__.py")}
    assert found == set(SUBPACKAGES)
