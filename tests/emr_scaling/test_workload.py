"""Workloads: the file format (strict, errors naming the field), Spark's container sizes, spark-submit command
lines, and an emr-steps run's report."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from emr_scaling.errors import InputError
from emr_scaling.workload.file import clock_seconds, load_workload, parse_workload
from emr_scaling.workload.from_run import workload_from_report
from emr_scaling.workload.spark import demand, memory_mb, parse_submit

ROOT = Path(__file__).resolve().parents[2]
APP = {"name": "a", "start": "01:00", "executors": 4, "duration": "10m"}


def test_the_shipped_example_day():
    w = load_workload(ROOT / "examples" / "workload-day.yaml")
    assert len(w.applications) == 200 and w.horizon_seconds == 86400
    assert w.start.isoformat() == "2026-11-02T00:00:00+00:00"
    names = [a.name for a in w.applications]
    assert "compact-events#95" in names and "adhoc-query#55" in names


def test_yaml_times_of_day_are_not_sexagesimal(tmp_path):
    """YAML 1.1 reads an unquoted 01:30 as 90; the workload reader keeps it a time of day."""
    path = tmp_path / "w.yaml"
    path.write_text("applications:\n  - {name: a, start: 01:30, executors: 1, duration: 5m}\n")
    assert load_workload(path).applications[0].submit_seconds == 5400


@pytest.mark.parametrize("value,seconds", [("01:30", 5400), ("25:00", 90000), ("00:00:30", 30), ("90m", 5400),
                                           (0, 0), ("1h30m", 5400)])
def test_start_times(value, seconds):
    assert clock_seconds(value, "x") == seconds


def test_repeat_makes_numbered_applications():
    w = parse_workload({"applications": [{**APP, "repeat": {"every": "30m", "until": "02:00"}}]})
    assert [(a.name, a.submit_seconds) for a in w.applications] == [("a#1", 3600), ("a#2", 5400), ("a#3", 7200)]


def test_fields_become_spark_properties():
    app = parse_workload({"applications": [{"name": "a", "start": 0, "executors": {"min": 2, "max": 9},
                                            "executor_memory": "8g", "executor_cores": 4, "memory_overhead": "1g",
                                            "work": "2h", "conf": {"spark.sql.adaptive.enabled": True}}]}).applications[0]
    assert app.spark_conf == {
        "spark.dynamicAllocation.enabled": "true", "spark.dynamicAllocation.minExecutors": "2",
        "spark.dynamicAllocation.maxExecutors": "9", "spark.executor.memory": "8g", "spark.executor.cores": "4",
        "spark.executor.memoryOverhead": "1g", "spark.sql.adaptive.enabled": "true"}
    assert app.work_executor_seconds == 7200 and app.duration_seconds is None


@pytest.mark.parametrize("edit,field", [
    ({"duration": "-5m"}, "applications[0].duration"),
    ({"duration": 0}, "applications[0].duration"),
    ({"executor_memroy": "4g"}, "applications[0].executor_memroy"),
    ({"executor_memory": "lots"}, "applications[0].executor_memory"),
    ({"executors": {"min": 5, "max": 2}}, "applications[0].executors.max"),
    ({"executors": -1}, "applications[0].executors"),
    ({"start": "soon"}, "applications[0].start"),
    ({"deploy_mode": "local"}, "applications[0].deploy_mode"),
    ({"work": "1h"}, "applications[0]"),
    ({"repeat": {"every": "1h"}}, "applications[0].repeat"),
    ({"hdfs_write_gb": -1}, "applications[0].hdfs_write_gb"),
    ({"tasks": 0}, "applications[0].tasks"),
    ({"executors": 0, "work": "1h", "duration": None}, "applications[0].executors"),
    ({"executors": {"max": 0}, "work": "1h", "duration": None}, "applications[0].executors"),
])
def test_bad_applications_name_their_field(edit, field):
    app = {k: v for k, v in {**APP, **edit}.items() if v is not None}
    with pytest.raises(InputError) as e:
        parse_workload({"applications": [app]})
    assert e.value.field == field


def test_bad_top_level_fields():
    for data, field in (({"applications": []}, "applications"), ({"applications": [APP], "colour": 1}, "colour"),
                        ({"applications": [APP], "version": 2}, "version"),
                        ({"applications": [APP, APP]}, "applications[1].name"),
                        ({"applications": [APP], "start": "tuesday"}, "start")):
        with pytest.raises(InputError) as e:
            parse_workload(data)
        assert e.value.field == field, data
    with pytest.raises(InputError, match="did you mean 'executor_memory'"):
        parse_workload({"applications": [{**APP, "executor_memroy": "4g"}]})


@pytest.mark.parametrize("text,mib", [("4g", 4096), ("4096m", 4096), ("4096", 4096), ("1.5g", 1536), ("512k", 0.5),
                                      ("2t", 2 * 1024 * 1024), ("4gb", 4096)])
def test_memory_strings_as_spark_reads_them(text, mib):
    assert memory_mb(text) == mib


def test_containers_follow_spark_and_emr_defaults():
    # executor 8g + EMR's 0.1875 overhead (BP) = 9728; cluster-mode driver 2g (BP) + max(384, 10 %) = 2432.
    d = demand({"spark.executor.memory": "8g", "spark.executor.cores": "4"}, "cluster", {}, "emr-7.2.0", "4g", 2)
    assert (d.executor_mb, d.am_mb, d.dynamic, d.max_executors) == (9728, 2432, True, 50)  # 200 tasks / 4 cores
    # client mode: the ApplicationMaster is spark.yarn.am.memory 512m + 384 (SCONF).
    assert demand({}, "client", {}, "emr-7.2.0", "4g", 2).am_mb == 896
    # a set overhead wins over the factor; pyspark memory adds; 4.3.0 had no dynamic allocation by default.
    d = demand({"spark.executor.memory": "4g", "spark.executor.memoryOverhead": "1g",
                "spark.executor.pyspark.memory": "1g"}, "cluster", {}, "emr-4.3.0", "4g", 2)
    assert (d.executor_mb, d.dynamic, d.max_executors) == (6144, False, 2)
    # the cluster's spark-defaults sit under the application's properties
    d = demand({"spark.executor.cores": "2"}, "cluster", {"spark.executor.memory": "2g",
                                                          "spark.executor.cores": "8"}, "emr-7.2.0", "4g", 2)
    assert (d.executor_cores, d.executor_mb, d.assumed) == (2, 2048 + 384, ())


def test_parse_submit_reads_command_lines_as_spark_submit_does():
    argv = ["spark-submit", "--deploy-mode", "cluster", "--master", "yarn", "--num-executors", "10",
            "--executor-memory=6g", "--conf", "spark.executor.cores=3", "-c", "spark.dynamicAllocation.enabled=false",
            "--verbose", "s3://bucket/jobs/etl.py", "--executor-memory", "99g"]
    s = parse_submit(argv)
    assert s.deploy_mode == "cluster" and s.name == "etl.py"
    assert s.conf == {"spark.executor.instances": "10", "spark.executor.memory": "6g", "spark.executor.cores": "3",
                      "spark.dynamicAllocation.enabled": "false"}  # the application's own args are not read
    assert parse_submit(["hadoop-streaming", "-files", "x"]) is None


def _report(**step) -> dict:
    base = {"name": "etl", "started": "2026-11-02T01:00:00+00:00", "ended": "2026-11-02T01:30:00+00:00",
            "command": ["spark-submit", "--deploy-mode", "cluster", "--conf", "spark.dynamicAllocation.enabled=false",
                        "--num-executors", "8", "job.py"]}
    return {"run_id": "r1", "steps": [{**base, **step}]}


def test_a_run_becomes_a_workload():
    w = workload_from_report(_report(), "run.json")
    app = w.applications[0]
    assert (app.name, app.submit_seconds, app.work_executor_seconds, app.deploy_mode) == ("etl", 0, 8 * 1800, "cluster")
    dynamic = workload_from_report(_report(command=["spark-submit", "job.py"]), "run.json")
    assert dynamic.applications[0].duration_seconds == 1800 and "replayed as is" in dynamic.notes[0]


def test_a_run_without_commands_or_runs_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"steps\[0\].command"):
        workload_from_report({"steps": [{"name": "x"}]}, "run.json")
    with pytest.raises(InputError, match="nothing to replay"):
        workload_from_report(_report(started=None), "run.json")
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"no": "steps"}))
    with pytest.raises(InputError, match="emr-steps"):
        workload_from_report(json.loads(path.read_text()), str(path))


def test_make_demo_scalings_burst_asks_for_more_than_emr_autoscalings_core_nodes_hold():
    """examples/scaling-burst.yaml drives `make demo-scaling`: its steps, as emr-steps submits them, must read (as
    the emulator reads them) as far more YARN memory than emr-autoscaling's 3 r5.xlarge core nodes (72 GiB)."""
    from step_runner.plan.spec import load_spec_file, step_config

    plan = load_spec_file(ROOT / "examples" / "scaling-burst.yaml")
    asked = 0
    for spec in plan.steps:
        submit = parse_submit(step_config(spec, "demo")["HadoopJarStep"]["Args"])
        d = demand(submit.conf, submit.deploy_mode, {}, "emr-6.15.0", "4g", 2)
        assert (d.dynamic, d.max_executors, submit.deploy_mode) == (False, 20, "cluster")
        asked += d.max_executors * d.executor_mb
    assert len(plan.steps) == 2 and asked > 4 * 72 * 1024


def test_spark_submit_empty_arguments_are_dropped_as_command_runner_drops_them():
    submit = parse_submit(["spark-submit", "", "--num-executors", "3", "", "s3://b/main.py", ""])
    assert submit.conf["spark.executor.instances"] == "3"
