"""Pure pieces of the emulator: boot phases, argv translation, failure reasons, config (the step
scheduling rules are the step model's: test_le_step_model.py)."""

from __future__ import annotations

import pytest

from local_emr.config import EmulatorConfig
from local_emr.steps.failure import failure_details, last_error_line
from local_emr.cluster.lifecycle import next_boot_state, step_log_prefix
from local_emr.server import check_moto_version
from local_emr.steps.command import StepCommandError, build_command, localize_s3_args, localize_spark_args


def test_boot_phases_follow_configured_delays() -> None:
    cfg = EmulatorConfig(boot_seconds=1, bootstrap_seconds=2)
    assert next_boot_state("STARTING", 0.5, cfg) is None
    assert next_boot_state("STARTING", 1.0, cfg) == "BOOTSTRAPPING"
    assert next_boot_state("BOOTSTRAPPING", 1.9, cfg) is None
    assert next_boot_state("BOOTSTRAPPING", 2.0, cfg) == "WAITING"
    assert next_boot_state("WAITING", 99, cfg) is None


def test_step_logs_go_where_emr_puts_them() -> None:
    assert str(step_log_prefix("s3://b/logs/", "j-1", "s-2")) == "s3://b/logs/j-1/steps/s-2"
    assert str(step_log_prefix("s3://b", "j-1", "s-2")) == "s3://b/j-1/steps/s-2"
    assert step_log_prefix(None, "j-1", "s-2") is None


def test_spark_args_are_forced_to_local_mode() -> None:
    assert localize_spark_args(["app.py"]) == ["--master", "local[*]", "app.py"]
    assert localize_spark_args(["--master", "yarn", "--deploy-mode", "cluster", "app.py"]) == \
        ["--master", "local[*]", "app.py"]
    assert localize_spark_args(["--master", "local[2]", "app.py"]) == ["--master", "local[2]", "app.py"]
    assert localize_spark_args(["--deploy-mode=cluster", "--master=yarn", "a.py"]) == ["--master=local[*]", "a.py"]


def test_s3_arguments_and_list_elements_become_what_fetch_gives() -> None:
    existing = {"s3://b/app.py": "/tmp/x/b/app.py", "s3://b/dep.zip": "/tmp/x/b/dep.zip"}
    args = ["s3://b/app.py", "--py-files", "s3://b/dep.zip,s3://b/missing.zip", "s3://b/out/", "plain"]
    assert localize_s3_args(args, existing.get) == [
        "/tmp/x/b/app.py", "--py-files", "/tmp/x/b/dep.zip,s3://b/missing.zip", "s3://b/out/", "plain"]


def test_command_runner_resolves_spark_submit() -> None:
    argv = build_command("command-runner.jar", ["spark-submit", "--deploy-mode", "cluster", "s3://b/app.py", "1"],
                         None, fetch={"s3://b/app.py": "/w/b/app.py"}.get, spark_submit=lambda: "/opt/spark-submit").argv
    assert argv == ["/opt/spark-submit", "--master", "local[*]", "/w/b/app.py", "1"]
    assert build_command("command-runner.jar", ["bash", "-c", "true"], None, fetch=lambda _: None).argv == \
        ["bash", "-c", "true"]


def test_command_runner_drops_empty_arguments_as_emr_does() -> None:
    """amazon-emr-cli builds ``spark-submit "" s3://.../main.py`` for a project without options (mrjob PR 2082:
    EMR's command-runner.jar omits empty-string args); spark-submit must not see the empty one."""
    argv = build_command("command-runner.jar", ["spark-submit", "", "s3://b/app.py", "", "x"], None,
                         fetch={"s3://b/app.py": "/w/b/app.py"}.get, spark_submit=lambda: "/opt/spark-submit").argv
    assert argv == ["/opt/spark-submit", "--master", "local[*]", "/w/b/app.py", "x"]
    assert build_command("command-runner.jar", ["", "bash", "-c", "true"], None, fetch=lambda _: None).argv == \
        ["bash", "-c", "true"]
    with pytest.raises(StepCommandError, match="at least one argument"):
        build_command("command-runner.jar", ["", ""], None, fetch=lambda _: None)


def test_missing_spark_submit_and_jars_are_clear_errors() -> None:
    with pytest.raises(StepCommandError, match="pyspark"):
        build_command("command-runner.jar", ["spark-submit", "a.py"], None, fetch=lambda _: None,
                      spark_submit=lambda: None)
    with pytest.raises(StepCommandError, match="JAR not found"):
        build_command("s3://b/missing.jar", [], None, fetch=lambda _: None)


def test_the_failure_reason_is_the_last_exception_line() -> None:
    lines = ["INFO starting", "Traceback (most recent call last):", '  File "x.py", line 1',
             "ValueError: bad input", "INFO shutting down"]
    assert last_error_line(lines) == "ValueError: bad input"
    assert last_error_line(["all good"]) is None
    details = failure_details(2, ["nothing useful"], "s3://b/l/stderr.gz")
    assert details == {"Reason": "Unknown Error.", "Message": "Command exited with return code 2",
                       "LogFile": "s3://b/l/stderr.gz"}
    assert failure_details(-9, [], None)["Message"] == "Command was killed by signal 9"


def test_config_reads_env_and_overrides_win() -> None:
    cfg = EmulatorConfig.from_env({"LOCAL_EMR_BOOT_SECONDS": "3", "LOCAL_EMR_TERMINATE_SECONDS": "4"},
                                  terminate_seconds=1.5, bootstrap_seconds=None)
    assert (cfg.boot_seconds, cfg.bootstrap_seconds, cfg.terminate_seconds) == (3.0, 0.2, 1.5)
    with pytest.raises(ValueError):
        EmulatorConfig(boot_seconds=-1)


def test_the_clock_factor_comes_from_the_flag_or_the_environment_and_must_be_positive() -> None:
    assert EmulatorConfig().clock_factor == 60.0  # a five-minute metric period in five seconds
    assert EmulatorConfig.from_env({"LOCAL_EMR_CLOCK_FACTOR": "300"}).clock_factor == 300.0
    assert EmulatorConfig.from_env({"LOCAL_EMR_CLOCK_FACTOR": "300"}, clock_factor=10).clock_factor == 10
    for bad in (0, -60):
        with pytest.raises(ValueError, match="clock_factor must be > 0"):
            EmulatorConfig(clock_factor=bad)


def test_moto_version_is_pinned() -> None:
    check_moto_version()
    with pytest.raises(RuntimeError, match="moto==5.2.5"):
        check_moto_version("5.3.0")


def test_tls_only_bucket_policy_does_not_deny_emulator_requests() -> None:
    from local_emr.api.s3_policy import condition_holds, effective_policy

    assert condition_holds({"Bool": {"aws:SecureTransport": "true"}})
    assert not condition_holds({"Bool": {"aws:SecureTransport": "false"}})
    assert not condition_holds({"StringEquals": {"aws:PrincipalAccount": "1"}})
    policy = ('{"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*",'
              ' "Condition": {"Bool": {"aws:SecureTransport": "false"}}},'
              ' {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]}')
    assert '"s3:*"' not in effective_policy(policy) and "s3:DeleteObject" in effective_policy(policy)


def test_failure_details_find_a_pyspark_traceback_in_stdout():
    """Spark's PythonRunner merges the Python driver's stderr into stdout: the root cause is there, and
    LogFile names the file it was found in (API FailureDetails)."""
    details = failure_details(1, ["26/11/25 12:01:07 INFO SparkContext: Running Spark"], "s3://b/l/stderr.gz",
                              ["Traceback (most recent call last):", '  File "kmeans.py", line 28, in <module>',
                               "ModuleNotFoundError: No module named 'numpy'"], "s3://b/l/stdout.gz")
    assert details == {"Reason": "ModuleNotFoundError: No module named 'numpy'",
                       "Message": "Command exited with return code 1", "LogFile": "s3://b/l/stdout.gz"}
    assert failure_details(1, [], "s3://b/l/stderr.gz", ["all good"], "s3://b/l/stdout.gz")["LogFile"] == \
        "s3://b/l/stderr.gz"


def test_private_dns_names_follow_ec2s_form_by_region() -> None:
    from local_emr.cluster.instances import private_dns_name

    assert private_dns_name("10.0.3.7", "us-east-1") == "ip-10-0-3-7.ec2.internal"
    assert private_dns_name("10.0.3.7", "eu-west-1") == "ip-10-0-3-7.eu-west-1.compute.internal"


def test_describe_cluster_shows_the_log_uri_as_emr_does() -> None:
    """s3n:// and a final "/" (the AWS provider maps s3n back to s3, PR 1374; a config without the slash re-plans
    as a replacement on EMR: cloudposse/terraform-aws-emr-cluster issue 8)."""
    from emr_contract.s3_layout import as_described, step_log_prefix

    assert as_described("s3://b/logs/") == "s3n://b/logs/"
    assert as_described("s3://b/logs") == "s3n://b/logs/"
    assert as_described("s3n://b/logs/") == "s3n://b/logs/"
    assert step_log_prefix(as_described("s3://b/logs"), "j-1", "s-1") == "s3://b/logs/j-1/steps/s-1/"


def test_spark_file_properties_read_their_s3_elements_as_emrfs_does() -> None:
    """spark.submit.pyFiles, spark.jars and spark.files name files (Spark's configuration page); amazon-emr-cli's
    multi-file projects pass their dependencies so. Other --conf values are left alone."""
    mirror = {"s3://b/deps.zip": "/w/b/deps.zip", "s3://b/x.jar": "/w/b/x.jar", "s3://b/app.py": "/w/b/app.py"}
    argv = build_command("command-runner.jar", [
        "spark-submit", "--conf", "spark.submit.pyFiles=s3://b/deps.zip,local.py", "--conf=spark.jars=s3://b/x.jar",
        "--conf", "spark.eventLog.dir=s3://b/events/", "s3://b/app.py"], None, fetch=mirror.get,
        spark_submit=lambda: "/opt/spark-submit").argv
    assert argv == ["/opt/spark-submit", "--master", "local[*]", "--conf", "spark.submit.pyFiles=/w/b/deps.zip,local.py",
                    "--conf=spark.jars=/w/b/x.jar", "--conf", "spark.eventLog.dir=s3://b/events/", "/w/b/app.py"]
