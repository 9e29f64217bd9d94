"""Step spec files (YAML or TOML): parsing, validation and command-runner.jar step configs.

Validation collects every problem and raises one SpecError, so a user fixes a file in one pass.
"""
from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .dag import dependency_problems
from .errors import Problem, SpecError

COMMAND_RUNNER_JAR = "command-runner.jar"
ACTIONS_ON_FAILURE = ("CONTINUE", "CANCEL_AND_WAIT", "TERMINATE_CLUSTER")
DEPLOY_MODES = ("client", "cluster")
MAX_RETRIES = 10
MAX_NAME_LEN = 200
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}

STEP_FIELDS = (
    "name", "entry_point", "class", "deploy_mode", "master", "jars", "py_files", "files",
    "archives", "packages", "conf", "spark_submit_args", "args", "depends_on", "timeout",
    "action_on_failure", "retries",
)
DEFAULT_FIELDS = tuple(f for f in STEP_FIELDS if f not in ("name", "entry_point", "args", "depends_on"))
TOP_FIELDS = ("version", "defaults", "steps")

# Defaults for a step; the file's `defaults` table is merged over these, each step over that.
BUILTIN_DEFAULTS: dict[str, Any] = {
    "deploy_mode": "cluster",
    "master": "yarn",
    "action_on_failure": "CONTINUE",
    "retries": 0,
    "timeout": None,
}


@dataclass(frozen=True)
class StepSpec:
    """One spark-submit step as the user declared it (validated, defaults applied)."""

    name: str
    entry_point: str
    deploy_mode: str = "cluster"
    master: str = "yarn"
    main_class: str | None = None
    jars: tuple[str, ...] = ()
    py_files: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    archives: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    conf: tuple[tuple[str, str], ...] = ()
    spark_submit_args: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    timeout: float | None = None
    action_on_failure: str = "CONTINUE"
    retries: int = 0

    def spark_submit_command(self) -> list[str]:
        """The argv command-runner.jar runs on the primary node."""
        cmd = ["spark-submit", "--deploy-mode", self.deploy_mode, "--master", self.master]
        if self.main_class:
            cmd += ["--class", self.main_class]
        for flag, values in (
            ("--jars", self.jars), ("--py-files", self.py_files), ("--files", self.files),
            ("--archives", self.archives), ("--packages", self.packages),
        ):
            if values:
                cmd += [flag, ",".join(values)]
        for key, value in self.conf:
            cmd += ["--conf", f"{key}={value}"]
        return cmd + list(self.spark_submit_args) + [self.entry_point] + list(self.args)


@dataclass(frozen=True)
class StepPlan:
    """All steps of one spec file, in file order."""

    steps: tuple[StepSpec, ...]
    source: str = "step spec"

    def by_name(self) -> dict[str, StepSpec]:
        return {s.name: s for s in self.steps}

    def deps(self) -> dict[str, tuple[str, ...]]:
        return {s.name: s.depends_on for s in self.steps}


def tag_name(name: str, run_id: str) -> str:
    """The EMR step Name carrying the run token that lets `--resume` find steps again."""
    return f"{name} [run={run_id}]"


_TAG_RE = re.compile(r"^(?P<name>.*) \[run=(?P<run>[A-Za-z0-9_.\-]+)\]$")


def parse_tag(step_name: str) -> tuple[str, str] | None:
    """(spec name, run id) from a tagged EMR step name, or None for foreign steps."""
    m = _TAG_RE.match(step_name or "")
    return (m.group("name"), m.group("run")) if m else None


def step_config(spec: StepSpec, run_id: str) -> dict[str, Any]:
    """The AddJobFlowSteps StepConfig for one spec."""
    return {
        "Name": tag_name(spec.name, run_id),
        "ActionOnFailure": spec.action_on_failure,
        "HadoopJarStep": {"Jar": COMMAND_RUNNER_JAR, "Args": spec.spark_submit_command()},
    }


def parse_duration(value: Any) -> float | None:
    """Seconds from an int/float or a string like '90s', '30m', '2h'; None if unparseable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value > 0 else None
    if isinstance(value, str):
        m = _DURATION_RE.match(value)
        if m and float(m.group(1)) > 0:
            return float(m.group(1)) * _UNITS[m.group(2)]
    return None


def load_spec_file(path: str | Path) -> StepPlan:
    """Read and validate a .yaml/.yml/.toml spec file."""
    p = Path(path)
    source = str(p)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError([Problem("file", source, f"cannot be read: {exc.strerror or exc}")], source) from exc
    try:
        if p.suffix.lower() == ".toml":
            data: Any = tomllib.loads(text)
        elif p.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        else:
            raise SpecError([Problem("file", source, "must end in .yaml, .yml or .toml")], source)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise SpecError([Problem("file", source, f"is not valid {p.suffix[1:].upper()}: {exc}")], source) from exc
    return parse_spec(data, source)


# --- field rules: (check, message). A check returns True when the value is fine. ---

def _is_str(v: Any) -> bool:
    return isinstance(v, str) and v.strip() != ""


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(_is_str(x) for x in v)


def _is_scalar_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, (str, int, float)) and not isinstance(x, bool) for x in v)


def _is_conf(v: Any) -> bool:
    return isinstance(v, Mapping) and all(
        _is_str(k) and isinstance(x, (str, int, float, bool)) for k, x in v.items()
    )


Rule = tuple[Callable[[Any], bool], str]

FIELD_RULES: dict[str, list[Rule]] = {
    "name": [
        (_is_str, "must be a non-empty string"),
        (lambda v: not isinstance(v, str) or bool(NAME_RE.match(v)),
         "must start with a letter or digit and use only letters, digits, '_', '.', '-'"),
        (lambda v: not isinstance(v, str) or len(v) <= MAX_NAME_LEN, f"must be at most {MAX_NAME_LEN} characters"),
    ],
    "entry_point": [
        (_is_str, "must be a non-empty string (an s3:// or local .py/.jar path)"),
        (lambda v: not isinstance(v, str) or v.endswith((".py", ".jar")) or v.startswith(("s3://", "file:/", "/", "local:")),
         "must be a .py or .jar file or an s3:// / file:// / local: URI"),
    ],
    "class": [(_is_str, "must be a fully qualified class name")],
    "deploy_mode": [(lambda v: v in DEPLOY_MODES, f"must be one of {', '.join(DEPLOY_MODES)}")],
    "master": [(_is_str, "must be a non-empty string, e.g. yarn")],
    "jars": [(_is_str_list, "must be a list of paths")],
    "py_files": [(_is_str_list, "must be a list of paths")],
    "files": [(_is_str_list, "must be a list of paths")],
    "archives": [(_is_str_list, "must be a list of paths")],
    "packages": [(_is_str_list, "must be a list of Maven coordinates")],
    "conf": [(_is_conf, "must be a table of spark property -> scalar value")],
    "spark_submit_args": [(_is_scalar_list, "must be a list of strings")],
    "args": [(_is_scalar_list, "must be a list of strings or numbers")],
    "depends_on": [(lambda v: _is_str(v) or _is_str_list(v), "must be a step name or a list of step names")],
    "timeout": [(lambda v: v is None or parse_duration(v) is not None,
                 "must be a positive number of seconds or a duration like '30m' or '2h'")],
    "action_on_failure": [(lambda v: v in ACTIONS_ON_FAILURE, f"must be one of {', '.join(ACTIONS_ON_FAILURE)}")],
    "retries": [(lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_RETRIES,
                 f"must be an integer from 0 to {MAX_RETRIES}")],
}


def _unknown(where: str, keys: Any, allowed: tuple[str, ...]) -> list[Problem]:
    out = []
    for key in keys:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known fields: {', '.join(allowed)}"
            out.append(Problem(f"{where}.{key}", key, f"unknown field{hint}"))
    return out


def _check_fields(where: str, table: Mapping[str, Any]) -> list[Problem]:
    out = []
    for key, value in table.items():
        for check, message in FIELD_RULES.get(key, []):
            if not check(value):
                out.append(Problem(f"{where}.{key}", value, message))
                break
    return out


def parse_spec(data: Any, source: str = "step spec") -> StepPlan:
    """Validate a parsed spec document and build the StepPlan, or raise SpecError with every problem."""
    if not isinstance(data, Mapping):
        raise SpecError([Problem("(top level)", type(data).__name__, "must be a table with a 'steps' list")], source)
    problems = _unknown("(top level)", data.keys(), TOP_FIELDS)
    if data.get("version", 1) != 1:
        problems.append(Problem("version", data.get("version"), "only version 1 is supported"))
    defaults = data.get("defaults", {}) or {}
    if not isinstance(defaults, Mapping):
        problems.append(Problem("defaults", defaults, "must be a table"))
        defaults = {}
    problems += _unknown("defaults", defaults.keys(), DEFAULT_FIELDS)
    problems += _check_fields("defaults", defaults)

    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.append(Problem("steps", raw_steps, "must be a non-empty list of step tables"))
        raise SpecError(problems, source)

    steps: list[StepSpec] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_steps):
        where = f"steps[{i}]"
        if not isinstance(raw, Mapping):
            problems.append(Problem(where, raw, "must be a table"))
            continue
        step_problems = _unknown(where, raw.keys(), STEP_FIELDS)
        for required in ("name", "entry_point"):
            if required not in raw:
                step_problems.append(Problem(f"{where}.{required}", None, "is required"))
        step_problems += _check_fields(where, raw)
        name = raw.get("name")
        if isinstance(name, str) and name in seen:
            step_problems.append(Problem(f"{where}.name", name, f"duplicates steps[{seen[name]}].name"))
        elif isinstance(name, str):
            seen[name] = i
        merged = {**BUILTIN_DEFAULTS, **defaults, **raw}
        merged["conf"] = {**_conf_or_empty(defaults.get("conf")), **_conf_or_empty(raw.get("conf"))}
        if merged.get("py_files") and str(merged.get("entry_point", "")).endswith(".jar"):
            step_problems.append(Problem(f"{where}.py_files", merged["py_files"], "only applies to a .py entry_point"))
        problems += step_problems
        if not step_problems:
            steps.append(_build(merged))

    problems += dependency_problems(_declared_deps(raw_steps))
    if problems:
        raise SpecError(problems, source)
    return StepPlan(tuple(steps), source)


def _declared_deps(raw_steps: list[Any]) -> dict[str, list[str]]:
    """Dependency edges of every named step, even one with other problems, so all are reported."""
    deps: dict[str, list[str]] = {}
    for raw in raw_steps:
        if isinstance(raw, Mapping) and isinstance(raw.get("name"), str) and raw["name"] not in deps:
            wanted = raw.get("depends_on") or []
            wanted = [wanted] if isinstance(wanted, str) else wanted
            deps[raw["name"]] = [d for d in wanted if isinstance(d, str)] if isinstance(wanted, list) else []
    return deps


def _build(m: Mapping[str, Any]) -> StepSpec:
    deps = m.get("depends_on") or ()
    return StepSpec(
        name=m["name"],
        entry_point=m["entry_point"],
        deploy_mode=m["deploy_mode"],
        master=m["master"],
        main_class=m.get("class"),
        jars=tuple(m.get("jars") or ()),
        py_files=tuple(m.get("py_files") or ()),
        files=tuple(m.get("files") or ()),
        archives=tuple(m.get("archives") or ()),
        packages=tuple(m.get("packages") or ()),
        conf=tuple((k, _conf_str(v)) for k, v in (m.get("conf") or {}).items()),
        spark_submit_args=tuple(str(a) for a in m.get("spark_submit_args") or ()),
        args=tuple(str(a) for a in m.get("args") or ()),
        depends_on=(deps,) if isinstance(deps, str) else tuple(deps),
        timeout=parse_duration(m["timeout"]) if m.get("timeout") is not None else None,
        action_on_failure=m["action_on_failure"],
        retries=m["retries"],
    )


def _conf_or_empty(v: Any) -> Mapping[str, Any]:
    return v if v and _is_conf(v) else {}


def _conf_str(v: Any) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def cluster_problems(plan: StepPlan, step_concurrency_level: int) -> list[Problem]:
    """Rules that depend on the target cluster, checked once its StepConcurrencyLevel is known."""
    if step_concurrency_level <= 1:
        return []
    return [
        Problem(f"steps[{s.name}].action_on_failure", s.action_on_failure,
                f"must be CONTINUE when the cluster's StepConcurrencyLevel is {step_concurrency_level} (> 1)")
        for s in plan.steps if s.action_on_failure != "CONTINUE"
    ]


def check_against_cluster(plan: StepPlan, step_concurrency_level: int) -> None:
    """Raise SpecError when the plan cannot run on a cluster with this concurrency."""
    problems = cluster_problems(plan, step_concurrency_level)
    if problems:
        raise SpecError(problems, plan.source)


__all__ = [
    "StepSpec", "StepPlan", "load_spec_file", "parse_spec", "step_config", "tag_name", "parse_tag",
    "parse_duration", "check_against_cluster", "cluster_problems", "COMMAND_RUNNER_JAR",
]
