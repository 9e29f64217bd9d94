"""What a Spark application asks YARN for, from its Spark configuration: the containers' sizes and how many.

One path for every source of an application: a workload file's fields become Spark properties, a step's
spark-submit command line (an emr-steps report, or EMR's ListSteps) is read as spark-submit reads it, and
the cluster's spark-defaults classification sits under both. Then ``demand`` resolves the properties the way
Spark on YARN does (facts.py SCONF, with EMR's own defaults from SPARK and BP).
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .. import facts

_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)b?\s*$", re.IGNORECASE)
_MIB = {"": 1, "k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 ** 2, "p": 1024 ** 3}
_TRUE = ("true", "1", "yes")
# spark-submit options that set a property (SparkSubmitArguments; spark-submit --help).
SUBMIT_OPTIONS = {
    "--executor-memory": "spark.executor.memory", "--executor-cores": "spark.executor.cores",
    "--num-executors": "spark.executor.instances", "--driver-memory": "spark.driver.memory",
    "--driver-cores": "spark.driver.cores", "--queue": "spark.yarn.queue", "--name": "spark.app.name",
}
# Options that take a value we do not need; the rest without a value are flags.
_VALUED = {"--master", "--class", "--jars", "--py-files", "--files", "--archives", "--packages", "--repositories",
           "--exclude-packages", "--properties-file", "--driver-java-options", "--driver-library-path",
           "--driver-class-path", "--total-executor-cores", "--principal", "--keytab", "--proxy-user"}


def memory_mb(value: object) -> float | None:
    """MiB from a JVM memory string as Spark reads memory properties ("4g", "4096m", "4096": MiB by default)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value > 0 else None
    m = _MEMORY.match(str(value))
    if not m:
        return None
    mib = float(m.group(1)) * _MIB[m.group(2).lower()]
    return mib if mib > 0 else None


@dataclass(frozen=True)
class Submit:
    """A spark-submit command line: the properties it sets, its deploy mode and its application's name."""

    conf: dict[str, str]
    deploy_mode: str
    name: str | None


def parse_submit(argv: Sequence[str]) -> Submit | None:
    """The spark-submit part of a step's arguments (command-runner.jar's ``spark-submit ...``); None when the
    step is not a spark-submit. Empty arguments are dropped, as command-runner.jar drops them (mrjob PR 2082)."""
    args = [a for a in argv if a != ""]
    if "spark-submit" not in args:
        return None
    args = args[args.index("spark-submit") + 1:]
    conf: dict[str, str] = {}
    deploy = "client"  # spark-submit's default deploy mode
    name = None
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-"):
            name = name or arg.rsplit("/", 1)[-1]
            break
        key, eq, inline = arg.partition("=")
        takes_value = key in SUBMIT_OPTIONS or key in _VALUED or key in ("--conf", "-c", "--deploy-mode")
        value = inline if eq else (args[i + 1] if takes_value and i + 1 < len(args) else "")
        i += 1 if eq or not takes_value else 2
        if key in ("--conf", "-c"):
            k, _, v = value.partition("=")
            conf[k.strip()] = v
        elif key == "--deploy-mode":
            deploy = value
        elif key in SUBMIT_OPTIONS:
            conf[SUBMIT_OPTIONS[key]] = value
    return Submit(conf, deploy, conf.get("spark.app.name") or name)


@dataclass(frozen=True)
class Demand:
    """YARN containers of one application (sizes before YARN rounds them to its minimum allocation)."""

    executor_mb: int
    executor_cores: int
    am_mb: int
    am_cores: int
    dynamic: bool
    min_executors: int
    max_executors: int  # dynamic allocation's bound, at most the tasks' need
    initial_executors: int
    assumed: tuple[str, ...] = ()  # properties taken from the model's parameters


def demand(conf: Mapping[str, str], deploy_mode: str, cluster_defaults: Mapping[str, str], release: object,
           executor_memory: str, executor_cores: int, tasks: int | None = None) -> Demand:
    """Resolve Spark's properties: the application's over the cluster's spark-defaults over EMR's defaults."""
    emr = {"spark.yarn.executor.memoryOverheadFactor": str(facts.EMR_EXECUTOR_OVERHEAD_FACTOR),
           "spark.driver.memory": facts.EMR_DRIVER_MEMORY}
    if facts.DYNAMIC_ALLOCATION_DEFAULT.allows(release) is not False:
        emr["spark.dynamicAllocation.enabled"] = "true"
    props = {**emr, **cluster_defaults, **conf}
    assumed = []
    if "spark.executor.memory" not in props:
        props["spark.executor.memory"] = executor_memory
        assumed.append(f"spark.executor.memory={executor_memory}")
    if "spark.executor.cores" not in props:
        props["spark.executor.cores"] = str(executor_cores)
        assumed.append(f"spark.executor.cores={executor_cores}")
    cores = max(1, int(float(props["spark.executor.cores"])))
    executor = _with_overhead(props, "spark.executor.memory", "spark.executor.memoryOverhead",
                              ("spark.executor.memoryOverheadFactor", "spark.yarn.executor.memoryOverheadFactor"))
    executor += memory_mb(props.get("spark.executor.pyspark.memory", 0)) or 0
    if props.get("spark.memory.offHeap.enabled", "false").lower() in _TRUE:
        executor += memory_mb(props.get("spark.memory.offHeap.size", 0)) or 0
    if deploy_mode == "cluster":
        am = _with_overhead(props, "spark.driver.memory", "spark.driver.memoryOverhead",
                            ("spark.driver.memoryOverheadFactor",), factor=facts.SPARK_OVERHEAD_FACTOR)
        am_cores = int(float(props.get("spark.driver.cores", 1)))
    else:
        props.setdefault("spark.yarn.am.memory", facts.YARN_AM_MEMORY)
        am = _with_overhead(props, "spark.yarn.am.memory", "spark.yarn.am.memoryOverhead", (),
                            factor=facts.SPARK_OVERHEAD_FACTOR)
        am_cores = int(float(props.get("spark.yarn.am.cores", 1)))
    dynamic = props.get("spark.dynamicAllocation.enabled", "false").lower() in _TRUE
    instances = _int(props.get("spark.executor.instances"))
    need = math.ceil((tasks or facts.DEFAULT_SHUFFLE_PARTITIONS) / cores)
    if dynamic:
        lo = _int(props.get("spark.dynamicAllocation.minExecutors")) or 0
        hi = _int(props.get("spark.dynamicAllocation.maxExecutors"))
        hi = need if hi is None else hi
        initial = max(_int(props.get("spark.dynamicAllocation.initialExecutors")) or lo, instances or 0)
        return Demand(math.ceil(executor), cores, math.ceil(am), am_cores, True, lo, max(lo, hi), initial,
                      tuple(assumed))
    count = facts.STATIC_EXECUTORS if instances is None else instances
    return Demand(math.ceil(executor), cores, math.ceil(am), am_cores, False, count, count, count, tuple(assumed))


def _with_overhead(props: Mapping[str, str], memory_key: str, overhead_key: str, factor_keys: tuple[str, ...],
                   factor: float = facts.SPARK_OVERHEAD_FACTOR) -> float:
    memory = memory_mb(props.get(memory_key, "1g")) or 1024.0
    if overhead_key in props and memory_mb(props[overhead_key]) is not None:
        return memory + (memory_mb(props[overhead_key]) or 0)
    for key in factor_keys:
        if key in props:
            factor = float(props[key])
            break
    return memory + max(facts.MIN_MEMORY_OVERHEAD_MB, memory * factor)


def _int(value: object) -> int | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("infinity", "inf", ""):
        return None
    try:
        return int(float(text))
    except ValueError:
        return None
