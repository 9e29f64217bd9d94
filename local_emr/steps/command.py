"""Turn an EMR ``HadoopJarStep`` into a local argv.

Pure apart from the injected ``fetch`` (the local path standing for an s3:// URI) and the
``spark_submit`` lookup, so the translation rules can be unit-tested without processes or S3.
``--files`` and ``--archives`` of spark-submit come back as ``Resource``s: what YARN would put in
the container's working directory; ``steps.workdir`` puts them there.
"""

from __future__ import annotations

import importlib.util
import os
import posixpath
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlparse

from ..s3_io import S3Uri

Fetch = Callable[[str], "str | None"]
"""The local path standing for an s3:// URI (the step's S3 mirror), or None to leave the URI as is."""

LOCAL_MASTER = "local[*]"
SPARK_SUBMIT_ENV = "LOCAL_EMR_SPARK_SUBMIT"
# The JVM options spark-submit gets (as SPARK_SUBMIT_OPTS, unless set): local jobs are short, and the optimizing
# JIT compiler and a parallel collector cost more CPU than they give back. Measured on 2 cores: the emulator's two
# PySpark test files 83 -> 56 CPU-s, 57 -> 45 s.
SHORT_JOB_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
# spark-submit's options that take a value (Spark 3.5 SparkSubmitOptionParser); the first other
# argument that does not start with "-" is the application, and what follows it is the app's own.
SPARK_SUBMIT_VALUE_OPTIONS = frozenset({
    "--archives", "--class", "--conf", "-c", "--deploy-mode", "--driver-class-path", "--driver-cores",
    "--driver-java-options", "--driver-library-path", "--driver-memory", "--exclude-packages",
    "--executor-cores", "--executor-memory", "--files", "--jars", "--keytab", "--kill", "--master", "--name",
    "--num-executors", "--packages", "--principal", "--properties-file", "--proxy-user", "--py-files",
    "--queue", "--repositories", "--status", "--total-executor-cores",
})
CONF_OPTIONS = frozenset({"--conf", "-c"})
RESOURCE_OPTIONS = {"--files": "file", "--archives": "archive"}
NATIVE_S3_COMMANDS = frozenset({"aws"})
"""Commands that speak S3 themselves (through AWS_ENDPOINT_URL): their s3:// arguments stay as they are."""


class StepCommandError(ValueError):
    """The step cannot run locally; the message becomes the step's FailureDetails."""


@dataclass(frozen=True)
class Resource:
    """A ``--files`` or ``--archives`` entry: YARN links it into the container's working directory
    as ``name`` (the ``#alias``, else the file name); an archive is unpacked into ``name/``."""

    kind: str
    source: str
    name: str


@dataclass(frozen=True)
class StepCommand:
    argv: list[str]
    resources: tuple[Resource, ...] = field(default=())


def find_spark_submit(environ: dict[str, str] | None = None) -> str | None:
    """PySpark's ``spark-submit``: $LOCAL_EMR_SPARK_SUBMIT, the pyspark package, then PATH."""
    environ = dict(os.environ) if environ is None else environ
    explicit = environ.get(SPARK_SUBMIT_ENV)
    if explicit:
        return explicit
    spec = importlib.util.find_spec("pyspark")
    if spec is not None and spec.submodule_search_locations:
        for root in spec.submodule_search_locations:
            candidate = os.path.join(root, "bin", "spark-submit")
            if os.access(candidate, os.X_OK):
                return candidate
    return shutil.which("spark-submit")


def split_spark_submit(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """(spark-submit's own options, [application, *its arguments]); ``--opt=value`` forms are kept."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in SPARK_SUBMIT_VALUE_OPTIONS:
            i += 2
        elif arg.startswith("-"):
            i += 1
        else:
            break
    return list(args[:i]), list(args[i:])


def localize_spark_args(args: Sequence[str]) -> list[str]:
    """Force local mode: ``--master`` becomes local[*], ``--deploy-mode`` is dropped (client only).

    Only spark-submit's own options change; the application's arguments are left alone."""
    options, app = split_spark_submit(args)
    out: list[str] = []
    has_master = False
    i = 0
    while i < len(options):
        arg = options[i]
        if arg == "--master" and i + 1 < len(options):
            master = options[i + 1]
            out += ["--master", master if master.startswith("local") else LOCAL_MASTER]
            has_master = True
            i += 2
            continue
        if arg.startswith("--master="):
            master = arg.split("=", 1)[1]
            out.append("--master=" + (master if master.startswith("local") else LOCAL_MASTER))
            has_master = True
        elif arg == "--deploy-mode" and i + 1 < len(options):
            i += 2
            continue
        elif not arg.startswith("--deploy-mode="):
            out.append(arg)
        i += 1
    return (out if has_master else ["--master", LOCAL_MASTER, *out]) + app


def parse_resource(kind: str, value: str) -> Resource:
    """``s3://b/res.zip#examples`` -> Resource(kind, "s3://b/res.zip", "examples"); no alias: the file name."""
    source, _, alias = value.partition("#")
    name = alias or posixpath.basename(urlparse(source).path.rstrip("/")) or source
    if name in (".", "..") or "/" in name:
        raise StepCommandError(f"invalid link name {name!r} in {value!r}")
    return Resource(kind, source, name)


def take_resources(options: Sequence[str]) -> tuple[list[str], list[Resource]]:
    """spark-submit's options without ``--files``/``--archives``, and the resources they named."""
    rest: list[str] = []
    found: list[Resource] = []
    i = 0
    while i < len(options):
        arg = options[i]
        name, eq, value = arg.partition("=")
        if name in RESOURCE_OPTIONS and (eq or i + 1 < len(options)):
            if not eq:
                value = options[i + 1]
                i += 1
            found += [parse_resource(RESOURCE_OPTIONS[name], part) for part in value.split(",") if part]
        else:
            rest.append(arg)
        i += 1
    return rest, found


def localize_s3_args(args: Sequence[str], fetch: Fetch) -> list[str]:
    """Replace every s3:// argument (or comma-separated element) by the local path ``fetch`` gives for it."""
    def one(value: str) -> str:
        if S3Uri.parse(value) is None:
            return value
        return fetch(value) or value

    return [",".join(one(part) for part in arg.split(",")) if "s3" in arg else arg for arg in args]


def spark_submit_command(binary: str, args: Sequence[str], fetch: Fetch) -> StepCommand:
    """Local-mode spark-submit; ``--files``/``--archives`` become resources of the working directory.

    Local-mode Spark refuses ``--files x#alias`` ("URI has a fragment component") and unpacks
    ``--archives`` into its own temp dir, not the working directory. So both are taken out; the
    files are passed again by their link names (relative to the working directory, no fragment),
    which keeps ``SparkFiles.get(name)`` working.
    """
    options, app = split_spark_submit(args)
    options, resources = take_resources(options)
    files = [r.name for r in resources if r.kind == "file"]
    if files:
        options += ["--files", ",".join(files)]
    argv = [binary, *localize_spark_options(localize_spark_args(options), fetch), *localize_s3_args(app, fetch)]
    return StepCommand(argv, tuple(resources))


# Spark properties whose values are comma-separated files (Spark's configuration page: spark.submit.pyFiles "to
# place on the PYTHONPATH", spark.jars "to include on the driver and executor classpaths", spark.files "to be placed
# in the working directory of each executor"): on EMR, EMRFS reads their s3:// elements.
FILE_CONFS = frozenset({"spark.submit.pyFiles", "spark.jars", "spark.files"})


def localize_conf(setting: str, fetch: Fetch) -> str:
    """``key=value`` of a ``--conf``: the s3:// elements of a file property become local paths; others unchanged."""
    key, sep, value = setting.partition("=")
    return f"{key}{sep}{localize_s3_args([value], fetch)[0]}" if sep and key in FILE_CONFS else setting


def localize_spark_options(options: Sequence[str], fetch: Fetch) -> list[str]:
    """``localize_s3_args`` for spark-submit's options; of the ``--conf`` values, only the file properties'."""
    out: list[str] = []
    conf_value = False
    for arg in options:
        if conf_value:
            out.append(localize_conf(arg, fetch))
        elif arg.startswith("--conf="):
            out.append("--conf=" + localize_conf(arg.removeprefix("--conf="), fetch))
        else:
            out.append(localize_s3_args([arg], fetch)[0])
        conf_value = arg in CONF_OPTIONS
    return out


# Hadoop Streaming's options this emulator runs (local_emr/steps/streaming.py); -D and the generic -files/-archives
# are handled here. Others (-inputformat, -combiner, -partitioner, ...) are refused by name.
STREAMING_OPTIONS = frozenset({"-mapper", "-reducer", "-input", "-output", "-numReduceTasks", "-cmdenv"})


def streaming_command(args: Sequence[str], fetch: Fetch) -> StepCommand:
    """command-runner.jar's ``hadoop-streaming ...``: its -input and -output on the S3 mirror, -files and -archives
    in the working directory, run by local_emr/steps/streaming.py with this Python."""
    from . import streaming

    out: list[str] = []
    resources: list[Resource] = []
    i = 0
    while i < len(args):
        option = args[i]
        value = args[i + 1] if i + 1 < len(args) else None
        if value is None:
            raise StepCommandError(f"hadoop-streaming: {option} needs a value")
        if option in ("-files", "-archives"):
            kind = "file" if option == "-files" else "archive"
            resources += [parse_resource(kind, v) for v in value.split(",") if v]
        elif option in ("-input", "-output"):
            out += [option, localize_s3_args([value], fetch)[0]]
        elif option in STREAMING_OPTIONS:
            out += [option, value]
        elif option != "-D":
            raise StepCommandError(f"hadoop-streaming option {option} is not emulated (local_emr/steps/streaming.py)")
        i += 2
    return StepCommand([sys.executable, streaming.__file__, *out], tuple(resources))


def build_command(
    jar: str,
    args: Sequence[str],
    main_class: str | None,
    *,
    fetch: Fetch,
    spark_submit: Callable[[], "str | None"] = find_spark_submit,
) -> StepCommand:
    """The local command for one step; raises StepCommandError when it cannot be run here."""
    jar_name = jar.rsplit("/", 1)[-1]
    if jar_name == "command-runner.jar":
        # EMR's command-runner.jar omits empty-string arguments (mrjob PR 2082, issue 2070: "omitting empty-string
        # args"); amazon-emr-cli's `"".split(" ")` relies on it.
        args = [a for a in args if a != ""]
        if not args:
            raise StepCommandError("command-runner.jar needs at least one argument")
        if args[0] == "spark-submit":
            binary = spark_submit()
            if binary is None:
                raise StepCommandError(
                    "spark-submit not found: install pyspark in the emulator's Python "
                    f"or set {SPARK_SUBMIT_ENV}"
                )
            return spark_submit_command(binary, args[1:], fetch)
        if args[0] == "hadoop-streaming":
            return streaming_command(args[1:], fetch)
        if os.path.basename(args[0]) in NATIVE_S3_COMMANDS:
            return StepCommand(list(args))
        return StepCommand(localize_s3_args(args, fetch))
    if jar_name == "script-runner.jar":
        if not args:
            raise StepCommandError("script-runner.jar needs the script location as first argument")
        argv = localize_s3_args(args, fetch)
        if S3Uri.parse(argv[0]) is not None or not os.path.isfile(argv[0]):
            raise StepCommandError(f"script not found in S3: {args[0]}")
        os.chmod(argv[0], 0o755)
        return StepCommand(argv)
    local_jar = fetch(jar) if S3Uri.parse(jar) else jar
    if not local_jar or not os.path.exists(local_jar):
        raise StepCommandError(f"JAR not found: {jar}")
    rest = localize_s3_args(args, fetch)
    if main_class:
        return StepCommand(["java", "-cp", local_jar, main_class, *rest])
    return StepCommand(["java", "-jar", local_jar, *rest])

