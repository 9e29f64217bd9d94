"""Spec parsing and validation: every problem reported at once, DAG rules, step configs."""
from pathlib import Path

import pytest

from step_runner.errors import SpecError
from step_runner.plan.spec import (check_against_cluster, load_spec_file, parse_duration, parse_spec, parse_tag,
                              step_config, tag_name)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def spec(*steps, **top):
    return {"steps": list(steps), **top}


def step(name, **kw):
    return {"name": name, "entry_point": f"s3://b/{name}.py", **kw}


def problems(data):
    with pytest.raises(SpecError) as info:
        parse_spec(data)
    return {(p.field, p.rule.split(";")[0]) for p in info.value.problems}, info.value


def test_example_yaml_and_toml_are_the_same_plan():
    yaml_plan = load_spec_file(EXAMPLES / "steps.yaml")
    toml_plan = load_spec_file(EXAMPLES / "steps.toml")
    assert yaml_plan.steps == toml_plan.steps
    assert [s.name for s in yaml_plan.steps] == ["ingest", "dimensions", "report"]
    assert yaml_plan.by_name()["report"].depends_on == ("ingest",)
    assert all(s.entry_point.startswith("s3://") for s in yaml_plan.steps)


def test_command_runner_config_has_full_spark_submit_argv():
    plan = parse_spec(spec(step(
        "etl", deploy_mode="client", jars=["s3://b/a.jar", "s3://b/b.jar"], py_files=["s3://b/dep.zip"],
        conf={"spark.executor.memory": "4g", "spark.speculation": True}, args=["--day", 3],
        spark_submit_args=["--num-executors", "4"])))
    cfg = step_config(plan.steps[0], "r1")
    assert cfg == {
        "Name": "etl [run=r1]",
        "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": [
            "spark-submit", "--deploy-mode", "client", "--master", "yarn",
            "--jars", "s3://b/a.jar,s3://b/b.jar", "--py-files", "s3://b/dep.zip",
            "--conf", "spark.executor.memory=4g", "--conf", "spark.speculation=true",
            "--num-executors", "4", "s3://b/etl.py", "--day", "3"]},
    }


def test_jar_step_with_class():
    plan = parse_spec(spec({"name": "j", "entry_point": "s3://b/app.jar", "class": "com.example.Main"}))
    assert plan.steps[0].spark_submit_command()[5:8] == ["--class", "com.example.Main", "s3://b/app.jar"]


def test_defaults_merge_under_steps_and_conf_merges_per_key():
    plan = parse_spec(spec(step("a", conf={"x": "2"}), step("b"),
                           defaults={"deploy_mode": "client", "conf": {"x": "1", "y": "1"}, "retries": 2}))
    a, b = plan.steps
    assert a.deploy_mode == b.deploy_mode == "client"
    assert dict(a.conf) == {"x": "2", "y": "1"} and dict(b.conf) == {"x": "1", "y": "1"}
    assert a.retries == 2


def test_all_problems_are_collected_in_one_error():
    found, err = problems(spec(
        {"name": "bad\x07name", "entry_point": "s3://b/x.py", "deploy_mode": "local", "retries": -1,
         "timeout": "soon", "action_on_failure": "EXPLODE", "clas": "x"},
        {"entry_point": "s3://b/y.py"},
        step("dup"), step("dup"),
    ))
    assert ("steps[0].name", "must be text EMR takes as a step Name: no control characters but tab, CR and LF") in found
    assert ("steps[0].deploy_mode", "must be one of client, cluster") in found
    assert ("steps[0].retries", "must be an integer from 0 to 10") in found
    assert any(f == "steps[0].timeout" for f, _ in found)
    assert any(f == "steps[0].action_on_failure" for f, _ in found)
    assert ("steps[0].clas", "unknown field") in found
    assert ("steps[1].name", "is required") in found
    assert ("steps[3].name", "duplicates steps[2].name") in found
    assert "did you mean 'class'?" in str(err)
    assert "got 'local'" in str(err)


def test_missing_steps_and_bad_top_level():
    found, _ = problems({"stepz": []})
    assert ("(top level).stepz", "unknown field") in found
    assert ("steps", "must be a non-empty list of step tables") in found
    with pytest.raises(SpecError):
        parse_spec(["not", "a", "table"])


def test_unknown_and_self_dependencies():
    found, _ = problems(spec(step("a", depends_on=["nope"]), step("b", depends_on="b")))
    assert ("steps[a].depends_on", "must name another step in this file") in found
    assert ("steps[b].depends_on", "a step cannot depend on itself") in found


def test_cycle_is_rejected_with_its_path():
    _, err = problems(spec(step("a", depends_on=["c"]), step("b", depends_on=["a"]), step("c", depends_on=["b"])))
    (p,) = err.problems
    assert p.rule == "dependencies must not form a cycle"
    assert p.value == "a -> c -> b -> a"


def test_py_files_with_jar_entry_point_is_rejected():
    found, _ = problems(spec({"name": "j", "entry_point": "s3://b/app.jar", "py_files": ["s3://b/x.zip"]}))
    assert ("steps[0].py_files", "only applies to a .py entry_point") in found


def test_action_on_failure_must_be_continue_with_concurrency():
    plan = parse_spec(spec(step("a", action_on_failure="CANCEL_AND_WAIT"), step("b")))
    check_against_cluster(plan, 1)
    with pytest.raises(SpecError) as info:
        check_against_cluster(plan, 4)
    assert [p.field for p in info.value.problems] == ["steps[a].action_on_failure"]


def test_files_errors(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text("steps: [name: a\n")
    with pytest.raises(SpecError, match="not valid YAML"):
        load_spec_file(bad)
    with pytest.raises(SpecError, match="cannot be read"):
        load_spec_file(tmp_path / "missing.toml")
    other = tmp_path / "s.json"
    other.write_text("{}")
    with pytest.raises(SpecError, match=r"\.yaml, \.yml or \.toml"):
        load_spec_file(other)


@pytest.mark.parametrize("value,seconds", [(90, 90.0), ("90s", 90.0), ("30m", 1800.0), ("2h", 7200.0),
                                           ("1.5h", 5400.0), ("1h30m", 5400.0), ("2d", 172800.0), ("0", None),
                                           (-5, None), ("h", None), ("30x", None), (True, None), ("soon", None)])
def test_durations(value, seconds):
    assert parse_duration(value) == seconds


def test_run_tag_round_trip():
    assert parse_tag(tag_name("daily-report", "20261125T120000-abc123")) == ("daily-report", "20261125T120000-abc123")
    assert parse_tag("someone else's step") is None


def test_a_step_name_is_anything_emr_takes_as_a_step_name():
    plan = parse_spec(spec(step("load events (daily) — é"), step("x" * 248)))
    assert [len(s.name) for s in plan.steps] == [23, 248]
    assert parse_tag(tag_name(plan.steps[0].name, "r1")) == ("load events (daily) — é", "r1")
    found, _ = problems(spec(step("x" * 249), step("  ")))
    assert {f for f, _ in found} == {"steps[0].name", "steps[1].name"}
