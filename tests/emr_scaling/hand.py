"""Small clusters built by hand, so a scenario's every number can be worked out on paper."""
from __future__ import annotations

from emr_cost.stack_model import ManagedLimits
from emr_scaling.cluster.shape import ClusterShape, NodeKind, PoolShape
from emr_scaling.cluster.state import ClusterState
from emr_scaling.policies.alarms import Series
from emr_scaling.policies.custom import parse_policy

# 8 GiB of YARN memory and 4 vCPUs a node, 100 GB of HDFS disk: easy arithmetic.
NODE = NodeKind("m5.xlarge", 1, 4, 8192, 8192, 4, 100.0, ())
BIG = NodeKind("m5.2xlarge", 2, 8, 16384, 16384, 8, 200.0, ())


def rule(name: str, metric: str, comparison: str, threshold: float, adjustment: int, *, kind: str = "CHANGE_IN_CAPACITY",
         periods: int = 1, cooldown: int = 0, statistic: str = "AVERAGE") -> dict:
    """One ScalingRule in EMR's API shape."""
    return {"Name": name, "Action": {"SimpleScalingPolicyConfiguration": {
        "AdjustmentType": kind, "ScalingAdjustment": adjustment, "CoolDown": cooldown}},
        "Trigger": {"CloudWatchAlarmDefinition": {
            "ComparisonOperator": comparison, "EvaluationPeriods": periods, "MetricName": metric, "Period": 300,
            "Statistic": statistic, "Threshold": threshold}}}


def policy(lo: int, hi: int, *rules: dict) -> dict:
    return {"Constraints": {"MinCapacity": lo, "MaxCapacity": hi}, "Rules": list(rules)}


def shape(*, core: int = 2, task: int = 0, task_policy: dict | None = None, core_policy: dict | None = None,
          managed: ManagedLimits | None = None, replication: int = 1, decommission: float = 3600,
          release: str = "emr-7.2.0", core_kind: NodeKind = NODE, task_kind: NodeKind = NODE,
          task_spot: bool = False, fleets: bool = False, shuffle_aware: bool = False) -> ClusterShape:
    pools = [PoolShape("core", "CORE", fleets, (core_kind,), core, 0,
                       parse_policy(core_policy, "core") if core_policy else None)]
    if task or task_policy or managed:
        pools.append(PoolShape("task", "TASK", fleets, (task_kind,), 0 if task_spot else task, task if task_spot else 0,
                               parse_policy(task_policy, "task") if task_policy else None,
                               "SPOT" if task_spot else "ON_DEMAND"))
    return ClusterShape("hand", "hand-cluster", "us-east-1", release, (NODE, 1, "ON_DEMAND"), tuple(pools), managed,
                        None, decommission, replication, False, {}, False, 1, False, shuffle_aware)


def state(s: ClusterShape, provisioning: float = 300, termination: float = 0, hdfs_rate: float = 1e9) -> ClusterState:
    return ClusterState(s, provisioning, termination, hdfs_rate)


def series(points: dict[float, float]) -> Series:
    out = Series()
    for t in sorted(points):
        out.add(t, points[t])
    return out
