"""Step spec files (YAML or TOML): parsing, validation and command-runner.jar step configs.

Validation collects every problem and raises one SpecError, so a user fixes a file in one pass.
Values reach spark-submit as written: YAML 1.1 would read `0012` as 10 and `12:30` as 750, so plain
scalars in args, spark_submit_args and conf keep their text (see `written.py`).
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

from emr_contract.durations import parse_duration
from emr_contract.steps import (ACTIONS_ON_FAILURE, ACTIONS_WITH_CONCURRENCY, CANCEL_AND_WAIT, CONTINUE,
                                MAX_HADOOP_JAR_STEP_CHARS, MAX_STEP_NAME, XML_STRING, TERMINATE_ACTIONS,
                                hadoop_jar_step_chars)

from .dag import dependency_problems
from ..errors import Problem, SpecError
from .as_written import as_written, load_toml, load_yaml

COMMAND_RUNNER_JAR = "command-runner.jar"
DEPLOY_MODES = ("client", "cluster")
MAX_RETRIES = 10
# A step name is what EMR takes as a step Name (any text of its pattern), leaving room for the run token.
MAX_NAME_LEN = MAX_STEP_NAME - len(" [run=x]")
# A run id is part of every step Name and of the state file's name: no path separators, no spaces, and
# the same characters the run token pattern below recognises.
RUN_ID_CHARS = r"[A-Za-z0-9][A-Za-z0-9_.\-]*"
RUN_ID_RE = re.compile(rf"^{RUN_ID_CHARS}$")
MAX_RUN_ID_LEN = 128
ENTRY_POINT_SUFFIXES = (".py", ".jar")

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
    "action_on_failure": CONTINUE,
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
    action_on_failure: str = CONTINUE
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


_TAG_RE = re.compile(rf"^(?P<name>.*) \[run=(?P<run>{RUN_ID_CHARS})\]$")


def parse_tag(step_name: str) -> tuple[str, str] | None:
    """(spec name, run id) from a tagged EMR step name, or None for foreign steps."""
    m = _TAG_RE.match(step_name or "")
    return (m.group("name"), m.group("run")) if m else None


def run_id_problems(plan: "StepPlan | None", run_id: str, flag: str = "--run-id") -> list[Problem]:
    """A run id must be a safe file name and a run token `parse_tag` finds again, and keep every step's
    EMR Name within StepConfig.Name's 256 characters."""
    if not (RUN_ID_RE.match(run_id) and len(run_id) <= MAX_RUN_ID_LEN):
        return [Problem(flag, run_id, f"must be 1-{MAX_RUN_ID_LEN} letters, digits, '_', '.' or '-', starting "
                                      "with a letter or digit")]
    problems = []
    for spec in plan.steps if plan else ():
        length = len(tag_name(spec.name, run_id))
        if length > MAX_STEP_NAME:
            problems.append(Problem(flag, run_id, f"makes the EMR step Name of {spec.name!r} {length} characters; "
                                                  f"EMR allows {MAX_STEP_NAME}: use a shorter run id or step name"))
    return problems


def step_config(spec: StepSpec, run_id: str) -> dict[str, Any]:
    """The AddJobFlowSteps StepConfig for one spec."""
    return {
        "Name": tag_name(spec.name, run_id),
        "ActionOnFailure": spec.action_on_failure,
        "HadoopJarStep": {"Jar": COMMAND_RUNNER_JAR, "Args": spec.spark_submit_command()},
    }


def load_spec_file(path: str | Path) -> StepPlan:
    """Read and validate a .yaml/.yml/.toml spec file."""
    p = Path(path)
    source = str(p)
    if p.suffix.lower() not in (".toml", ".yaml", ".yml"):
        raise SpecError([Problem("file", source, "must end in .yaml, .yml or .toml")], source)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise SpecError([Problem("file", source, f"cannot be read: {reason}")], source) from exc
    try:
        data: Any = load_toml(text) if p.suffix.lower() == ".toml" else load_yaml(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise SpecError([Problem("file", source, f"is not valid {p.suffix[1:].upper()}: {exc}")], source) from exc
    return parse_spec(data, source)


# --- field rules: (check, message). A check returns True when the value is fine. ---

def _is_str(v: Any) -> bool:
    return isinstance(v, str) and v.strip() != ""


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(_is_str(x) for x in v)


def _is_scalar_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, (str, int, float, bool)) for x in v)


def _is_conf(v: Any) -> bool:
    return isinstance(v, Mapping) and all(
        _is_str(k) and isinstance(x, (str, int, float, bool)) for k, x in v.items()
    )


Rule = tuple[Callable[[Any], bool], str]

FIELD_RULES: dict[str, list[Rule]] = {
    "name": [
        (_is_str, "must be a non-empty string"),
        (lambda v: not isinstance(v, str) or bool(XML_STRING.fullmatch(v)),
         "must be text EMR takes as a step Name: no control characters but tab, CR and LF"),
        (lambda v: not isinstance(v, str) or len(v) <= MAX_NAME_LEN,
         f"must be at most {MAX_NAME_LEN} characters (EMR's 256, less the run token)"),
    ],
    "entry_point": [
        (_is_str, "must be a non-empty string (an s3:// or local .py/.jar path)"),
        (lambda v: not isinstance(v, str) or v.endswith(ENTRY_POINT_SUFFIXES),
         "must be a .py or .jar file (spark-submit runs a .py as PySpark and anything else as a jar)"),
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
    "args": [(_is_scalar_list, "must be a list of strings, numbers or booleans (no nulls or tables)")],
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
    data = as_written(data)
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
        if not step_problems:
            built = _build(merged)
            size = hadoop_jar_step_chars(step_config(built, "")["HadoopJarStep"])
            if size > MAX_HADOOP_JAR_STEP_CHARS:
                step_problems.append(Problem(where, f"{size} characters", (
                    f"its spark-submit command must stay within EMR's {MAX_HADOOP_JAR_STEP_CHARS} characters for "
                    "the strings of a HadoopJarStep: move long values into a file (--properties-file, --py-files)")))
            else:
                steps.append(built)
        problems += step_problems

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
        spark_submit_args=tuple(_conf_str(a) for a in m.get("spark_submit_args") or ()),
        args=tuple(_conf_str(a) for a in m.get("args") or ()),
        depends_on=(deps,) if isinstance(deps, str) else tuple(deps),
        timeout=parse_duration(m["timeout"]) if m.get("timeout") is not None else None,
        action_on_failure=m["action_on_failure"],
        retries=m["retries"],
    )


def _conf_or_empty(v: Any) -> Mapping[str, Any]:
    return v if v and _is_conf(v) else {}


def _conf_str(v: Any) -> str:
    """TOML's typed values in their TOML spelling (true/false); YAML values arrive as written (written.py)."""
    return str(v).lower() if isinstance(v, bool) else str(v)


def cluster_problems(plan: StepPlan, step_concurrency_level: int, auto_terminate: bool = False) -> list[Problem]:
    """Rules that depend on the target cluster, checked once DescribeCluster told its StepConcurrencyLevel and
    whether it ends when no step is left (AutoTerminate)."""
    problems = []
    if step_concurrency_level > 1:
        problems += [
            Problem(f"steps[{s.name}].action_on_failure", s.action_on_failure,
                    f"must be CONTINUE when the cluster's StepConcurrencyLevel is {step_concurrency_level} (> 1): "
                    "EMR refuses other values then")
            for s in plan.steps if s.action_on_failure not in ACTIONS_WITH_CONCURRENCY
        ]
    if auto_terminate:
        problems += _auto_terminate_problems(plan, step_concurrency_level)
    return problems


_ENDS_WHEN_EMPTY = ("the cluster ends once no step is left (KeepJobFlowAliveWhenNoSteps=false), so every step is "
                    "submitted at once")


def _auto_terminate_problems(plan: StepPlan, level: int) -> list[Problem]:
    """On a cluster that ends when idle, nothing can wait for a dependency to complete: EMR's own step order
    (StepConcurrencyLevel 1) and an ActionOnFailure that stops the queue are all that can honour depends_on."""
    by_name = plan.by_name()
    problems = []
    for s in plan.steps:
        if s.depends_on and level > 1:
            problems.append(Problem(f"steps[{s.name}].depends_on", list(s.depends_on), (
                f"cannot be honoured: {_ENDS_WHEN_EMPTY}, and at StepConcurrencyLevel {level} EMR runs them side "
                "by side; use a cluster kept alive, or drop depends_on")))
            continue
        for dep in s.depends_on:
            action = by_name[dep].action_on_failure
            if action not in TERMINATE_ACTIONS and action != CANCEL_AND_WAIT:
                problems.append(Problem(f"steps[{dep}].action_on_failure", action, (
                    f"must be {CANCEL_AND_WAIT} or TERMINATE_CLUSTER because {s.name!r} depends on it: "
                    f"{_ENDS_WHEN_EMPTY} and only those actions stop {s.name!r} when {dep!r} fails")))
    return problems


def check_against_cluster(plan: StepPlan, step_concurrency_level: int, auto_terminate: bool = False) -> None:
    """Raise SpecError when the plan cannot run on this cluster."""
    problems = cluster_problems(plan, step_concurrency_level, auto_terminate)
    if problems:
        raise SpecError(problems, plan.source)


__all__ = [
    "StepSpec", "StepPlan", "load_spec_file", "parse_spec", "step_config", "tag_name", "parse_tag",
    "parse_duration", "check_against_cluster", "cluster_problems", "run_id_problems", "COMMAND_RUNNER_JAR",
]
