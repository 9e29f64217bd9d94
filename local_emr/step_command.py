"""Turn an EMR ``HadoopJarStep`` into a local argv.

Pure apart from the injected ``fetch`` (S3 download) and ``spark_submit`` lookup, so the
translation rules can be unit-tested without processes or S3.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable, Sequence

from .s3_io import S3Uri

Fetch = Callable[[str], "str | None"]
"""Download an s3:// URI if it names an existing object; return the local path, else None."""

LOCAL_MASTER = "local[*]"
SPARK_SUBMIT_ENV = "LOCAL_EMR_SPARK_SUBMIT"


class StepCommandError(ValueError):
    """The step cannot run locally; the message becomes the step's FailureDetails."""


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


def localize_spark_args(args: Sequence[str]) -> list[str]:
    """Force local mode: ``--master`` becomes local[*], ``--deploy-mode`` is dropped (client only)."""
    out: list[str] = []
    has_master = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--master" and i + 1 < len(args):
            master = args[i + 1]
            out += ["--master", master if master.startswith("local") else LOCAL_MASTER]
            has_master = True
            i += 2
            continue
        if arg.startswith("--master="):
            master = arg.split("=", 1)[1]
            out.append("--master=" + (master if master.startswith("local") else LOCAL_MASTER))
            has_master = True
        elif arg == "--deploy-mode" and i + 1 < len(args):
            i += 2
            continue
        elif not arg.startswith("--deploy-mode="):
            out.append(arg)
        i += 1
    return out if has_master else ["--master", LOCAL_MASTER, *out]


def localize_s3_args(args: Sequence[str], fetch: Fetch) -> list[str]:
    """Replace every s3:// argument (or comma-separated element) naming an existing object by a local path."""
    def one(value: str) -> str:
        if S3Uri.parse(value) is None:
            return value
        return fetch(value) or value

    return [",".join(one(part) for part in arg.split(",")) if "s3" in arg else arg for arg in args]


def build_argv(
    jar: str,
    args: Sequence[str],
    main_class: str | None,
    *,
    fetch: Fetch,
    spark_submit: Callable[[], "str | None"] = find_spark_submit,
) -> list[str]:
    """The local command for one step; raises StepCommandError when it cannot be run here."""
    jar_name = jar.rsplit("/", 1)[-1]
    if jar_name == "command-runner.jar":
        if not args:
            raise StepCommandError("command-runner.jar needs at least one argument")
        argv = localize_s3_args(args, fetch)
        if argv[0] == "spark-submit":
            binary = spark_submit()
            if binary is None:
                raise StepCommandError(
                    "spark-submit not found: install pyspark in the emulator's Python "
                    f"or set {SPARK_SUBMIT_ENV}"
                )
            argv = [binary, *localize_spark_args(argv[1:])]
        return argv
    if jar_name == "script-runner.jar":
        if not args:
            raise StepCommandError("script-runner.jar needs the script location as first argument")
        argv = localize_s3_args(args, fetch)
        if S3Uri.parse(argv[0]) is not None:
            raise StepCommandError(f"script not found in S3: {args[0]}")
        os.chmod(argv[0], 0o755)
        return argv
    local_jar = fetch(jar) if S3Uri.parse(jar) else jar
    if not local_jar or not os.path.exists(local_jar):
        raise StepCommandError(f"JAR not found: {jar}")
    rest = localize_s3_args(args, fetch)
    if main_class:
        return ["java", "-cp", local_jar, main_class, *rest]
    return ["java", "-jar", local_jar, *rest]
