"""Failure triage: one realistic log sample per class, the order between classes, and no false alarm."""
import pytest

from step_runner.diagnosis.triage import KINDS, RULES, triage, triage_step

from .conftest import FIXTURES, stderr_sample

TRIAGE = FIXTURES / "triage"


def sample(name: str) -> str:
    return (TRIAGE / name).read_text()


@pytest.mark.parametrize("name, kind, title, evidence", [
    ("executor_oom.log", "oom", "Executor out of memory", "Container killed by YARN for exceeding physical memory"),
    ("driver_oom.log", "oom", "Driver out of memory", "java.lang.OutOfMemoryError: Java heap space"),
    # a lost node with no word of Spot is not asserted to be Spot (issue 12)
    ("spot_loss.log", "node_lost", "Node or executor lost", "Container released on a *lost* node"),
    ("spot_decommission.log", "spot_loss", "Spot capacity lost", "Spot Instance interruption notice"),
    ("bootstrap_failure.txt", "bootstrap_failure", "Bootstrap action failed", "BOOTSTRAP_FAILURE: On the master"),
    ("bootstrap_action_log.log", "bootstrap_failure", "Bootstrap action failed", "bootstrap action 1 (s3://"),
    ("s3_access_denied.log", "s3_access_denied", "S3 access denied", "Status Code: 403; Error Code: AccessDenied"),
    ("missing_module.log", "missing_dependency", "Python module geohash2 not found", "No module named 'geohash2'"),
    ("class_not_found.log", "missing_dependency", "Class com.example.etl.DailyLoad not found",
     "ClassNotFoundException: com.example.etl.DailyLoad"),
    ("python_exception.log", "python_exception", "Python exception: KeyError", "KeyError: 'threshold'"),
])
def test_each_class_on_a_realistic_sample(name, kind, title, evidence):
    hint = triage(sample(name))
    assert hint is not None
    assert (hint.kind, hint.title) == (kind, title)
    assert evidence in hint.evidence
    assert hint.text.startswith(title + ": ") and hint.advice


def test_the_existing_pyspark_sample_names_the_missing_input_not_just_a_python_exception():
    hint = triage(stderr_sample())
    assert hint.kind == "input_missing"
    assert hint.title == "Input not found: s3://example-raw-data/events/2026-11-25/"


def test_cluster_mode_spark_submit_output_with_oom_root_cause():
    hint = triage((FIXTURES / "cluster_mode_stderr.log").read_text())
    assert hint.kind == "oom" and hint.title == "Driver out of memory"


def test_exit_code_137_alone_counts_as_oom():
    text = ("26/11/25 14:09:47 WARN YarnAllocator: Container marked as failed: container_1764072000000_0021_01_000004 "
            "on host: ip-10-0-2-41.ec2.internal. Exit status: 137. Diagnostics: Container killed on request. "
            "Exit code is 137\n")
    hint = triage(text)
    assert hint.kind == "oom" and hint.title == "Executor out of memory"


def test_the_more_explaining_class_wins_over_the_traceback_it_caused():
    # every one of these samples also holds a Python traceback
    for name in ("executor_oom.log", "spot_loss.log", "s3_access_denied.log", "missing_module.log"):
        assert "Traceback (most recent call last):" in sample(name)
        assert triage(sample(name)).kind != "python_exception", name


def test_access_denied_outside_s3_is_not_an_s3_hint():
    text = ("botocore.exceptions.ClientError: An error occurred (AccessDeniedException) when calling the "
            "GetDatabase operation: User: arn:aws:sts::123456789012:assumed-role/EMR_EC2/i-0 is not authorized "
            "to perform: glue:GetDatabase\n")
    assert triage(text).kind == "permission_denied"


def test_healthy_log_with_dynamic_allocation_scale_down_has_no_hint():
    assert triage(sample("healthy_scaledown.log")) is None
    assert triage("") is None


def test_triage_step_reads_failure_details_and_notes_too():
    hint = triage_step(None, note="cluster TERMINATED_WITH_ERRORS: BOOTSTRAP_FAILURE: On 2 core instances, "
                                  "bootstrap action 1 returned a non-zero return code")
    assert hint.kind == "bootstrap_failure"
    assert triage_step(None) is None
    hint = triage_step(sample("python_exception.log"), failure_reason="Unknown error.", failure_message=None)
    assert hint.kind == "python_exception"


def test_rules_are_data_and_a_kinds_rules_sit_together():
    """A kind may take a second rule when its patterns need their own context (the Arrow stack, a UDF's
    PythonException); its rules are adjacent, so the order of kinds stays the order of the list."""
    kinds = [r.kind for r in RULES]
    assert KINDS == tuple(dict.fromkeys(kinds)) and len(KINDS) == 24
    assert [k for i, k in enumerate(kinds) if i and k != kinds[i - 1] and k in kinds[:i]] == []


def test_hint_shows_in_table_json_and_junit():
    import xml.etree.ElementTree as ET

    from step_runner.report.run_report import RunReport, StepResult, render_table, to_dict, to_junit
    from step_runner.diagnosis.probable_cause import probable_cause

    text = sample("s3_access_denied.log")
    step = StepResult("publish", "s-9", "FAILED", "FAILED", attempts=1, probable_cause=probable_cause(text),
                      hint=triage(text))
    report = RunReport("r9", "j-TEST", "STEP_FAILED", [step])
    assert "  hint: S3 access denied: the cluster's EC2 instance profile" in render_table(report)
    assert to_dict(report)["steps"][0]["hint"]["kind"] == "s3_access_denied"
    failure = ET.fromstring(to_junit(report).split("\n", 1)[1]).find("testcase/failure")
    assert failure.get("message").endswith("(hint: S3 access denied)")
    assert "Hint: S3 access denied: " in failure.text


# ---- issue 22's classes, on the real logs of the corpus (tests/step_runner/corpus, each with its source) ----

def corpus_log(name: str) -> str:
    from scripts.corpus_accuracy import CORPUS, load

    return load(CORPUS / name).text


@pytest.mark.parametrize("name, kind", [
    ("n-native-thread-bigstitcher-fetcher.log", "native_thread_limit"),
    ("n-container-143-sparkbwa-am-final-failed.log", "container_killed"),
    ("n-kryo-onion-flow-post-lda.log", "kryo_buffer_overflow"),
    ("n-iceberg-commit-base-metadata-retry-hdfs.log", "concurrent_write_conflict"),
    ("n-delta-concurrent-delete-delete-optimize.log", "concurrent_write_conflict"),
    ("n-broadcast-spark-shell-1-sec.log", "broadcast_timeout"),
    ("n-fetchfailed-7337-hudi-emr-nodes-leave.log", "node_lost"),
    ("n-pickling-sparkcontext-from-spark-k8s.log", "task_not_serializable"),
    ("n-arrow-bytebuffer-presidio-local.log", "python_environment"),
])
def test_each_new_class_is_named_with_its_advice(name, kind):
    hint = triage(corpus_log(name))
    assert hint is not None and hint.kind == kind and hint.advice


def test_out_of_threads_is_not_advice_to_add_memory():
    hint = triage(corpus_log("n-native-thread-sparkler-solr-client.log"))
    assert hint.kind == "native_thread_limit" and "does not help" in hint.advice


def test_exit_143_with_memory_evidence_stays_an_oom():
    text = ("Container killed by YARN for exceeding memory limits. 5.5 GB of 5.5 GB physical memory used.\n"
            "Container exited with a non-zero exit code 143")
    assert triage(text).kind == "oom"


def test_a_futures_timeout_is_a_broadcast_one_only_beside_a_broadcast_join():
    assert triage(corpus_log("n-none-jobserver-futures-3s-after-broadcast-cleanup.log")) is None
    assert triage(corpus_log("n-broadcast-rapids-it-caused-by-timeout.log")).kind == "broadcast_timeout"


def test_the_cause_is_never_a_stack_frame_while_its_message_is_near():
    from step_runner.diagnosis.probable_cause import probable_cause

    ruby = probable_cause(corpus_log("n-bootstrap-ruby-enoent-core-site.log"))
    assert "No such file or directory - /etc/hadoop/conf/core-site.xml" in ruby.summary
    drill = probable_cause(corpus_log("c-emr-bootstrap-drill-curl-404.log"))
    assert "404 Not Found" in drill.summary and not drill.summary.lstrip().startswith("from ")
    delta = probable_cause(corpus_log("n-delta-concurrent-append-qbeast.log"))
    assert "ConcurrentAppendException" in delta.summary and " at org." not in delta.summary


def test_the_am_exit_beats_final_status_failed_and_broadcast_beats_a_bare_timeout():
    from step_runner.diagnosis.probable_cause import probable_cause

    assert "Exit code is 143" in probable_cause(corpus_log("n-container-143-sparkbwa-am-final-failed.log")).summary
    assert "Could not execute broadcast" in probable_cause(
        corpus_log("n-broadcast-rapids-it-caused-by-timeout.log")).summary


def test_the_jvm_flag_on_out_of_memory_error_is_no_oom():
    from step_runner.diagnosis.probable_cause import probable_cause

    text = corpus_log("k-dclong-143-beyond-physical-memory.log")
    assert triage(text).kind == "oom"
    assert "OnOutOfMemoryError" not in probable_cause(text).summary


def test_a_stack_printed_under_a_warn_has_that_level_so_a_probe_for_a_missing_path_is_no_failure():
    assert triage(corpus_log("k-sedona-glob-warn-healthy.log")) is None
    lost_task = ("26/02/11 19:16:44 WARN TaskSetManager: Lost task 0.0 in stage 1.0 (TID 1): "
                 "java.io.FileNotFoundException: No such file or directory: s3://bucket/input/part-0001")
    assert triage(lost_task).kind == "input_missing"


def test_a_header_ending_in_a_colon_is_read_with_its_next_line():
    from step_runner.diagnosis.probable_cause import probable_cause

    cause = probable_cause(corpus_log("k-seahorse-emr-no-pyspark.log"))
    assert "Error from python worker: /usr/bin/python: No module named pyspark" in cause.summary


@pytest.mark.parametrize("name, kind", [
    ("k-gazelle-yarn-cluster-am-exit1.log", "see_driver_log"),
    ("k-rf-export-s3n-permission-denied.log", "s3_access_denied"),
    ("k-cuml-spark-union-num-columns.log", "schema_mismatch"),
    ("n-broadcast-bare-futures-timeout-300.log", "broadcast_timeout"),
])
def test_hold_out_4_classes(name, kind):
    assert triage(corpus_log(name)).kind == kind


def test_a_bootstrap_failure_in_words_is_one():
    """EMR's BOOTSTRAP_FAILURE, written as words by a tool that reports it (Snowplow's EmrEtlRunner)."""
    assert triage(corpus_log("q-snowplow-emretlrunner-bootstrap-failure.log")).kind == "bootstrap_failure"
