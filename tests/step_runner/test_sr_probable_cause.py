"""Probable-cause extraction from realistic Spark stderr."""
from step_runner.diagnosis.probable_cause import probable_cause

from .conftest import FIXTURES, stderr_sample


def test_python_traceback_wins_over_java_noise_and_log4j_errors():
    cause = probable_cause(stderr_sample())
    assert cause is not None and cause.kind == "python"
    assert cause.summary.startswith("pyspark.errors.exceptions.captured.AnalysisException: [PATH_NOT_FOUND]")
    assert cause.lines[0] == "Traceback (most recent call last):"
    assert 'line 61, in main' in cause.text()
    assert not any("INFO SparkContext" in line for line in cause.lines)
    assert cause.application_id == "application_1764072000000_0007"


def test_last_traceback_is_chosen():
    text = ("Traceback (most recent call last):\n  File \"a.py\", line 1\nValueError: first\n"
            "noise\nTraceback (most recent call last):\n  File \"b.py\", line 2\nKeyError: 'second'\n")
    assert probable_cause(text).summary == "KeyError: 'second'"


def test_java_root_cause_from_cluster_mode_spark_submit():
    cause = probable_cause((FIXTURES / "cluster_mode_stderr.log").read_text())
    assert cause.kind == "java"
    assert cause.summary == "java.lang.OutOfMemoryError: Java heap space"
    assert cause.lines[0].startswith('Exception in thread "main" org.apache.spark.SparkException')
    assert cause.application_id == "application_1764072000000_0011"


def test_log4j_error_fallback_and_nothing():
    text = "26/11/25 12:00:00 INFO X: fine\n26/11/25 12:00:01 ERROR Y: disk full on /mnt\n"
    cause = probable_cause(text)
    assert cause.kind == "log4j" and cause.summary == "disk full on /mnt"
    assert probable_cause("26/11/25 12:00:00 INFO X: all good\n") is None
