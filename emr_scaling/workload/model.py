"""A workload: the Spark applications a cluster runs over a day, each with its start and its size.

Every source (a workload file, an emr-steps run, later a real cluster's metrics) becomes this one shape. An
application's size is its Spark configuration (workload/spark.py turns it into YARN containers on a given
cluster); its length is a ``duration`` (wall time once it starts) or ``work`` (executor-seconds: more executors
finish sooner).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

DEFAULT_START = datetime(2026, 1, 5, tzinfo=timezone.utc)  # a Monday; only billing months depend on it


@dataclass(frozen=True)
class Application:
    name: str
    submit_seconds: float
    conf: tuple[tuple[str, str], ...] = ()
    deploy_mode: str = "cluster"
    duration_seconds: float | None = None
    work_executor_seconds: float | None = None
    tasks: int | None = None
    hdfs_write_gb: float = 0.0
    hdfs_keep: bool = True

    @property
    def spark_conf(self) -> dict[str, str]:
        return dict(self.conf)


@dataclass(frozen=True)
class Workload:
    name: str
    applications: tuple[Application, ...]
    start: datetime = DEFAULT_START
    horizon_seconds: float | None = None
    hdfs_initial_gb: float = 0.0
    source: str = ""
    notes: tuple[str, ...] = field(default=())
