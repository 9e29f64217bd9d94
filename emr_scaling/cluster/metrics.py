"""The AWS/ElasticMapReduce metrics, computed from the model's YARN and HDFS state as EMR defines them (MG
"Monitor metrics with CloudWatch", https://docs.aws.amazon.com/emr/latest/ManagementGuide/UsingEMR_ViewingMetrics.html,
quoted as MET; capacity metrics: MG managed-scaling-metrics, MSM):

- YARNMemoryAvailablePercentage = MemoryAvailableMB / MemoryTotalMB (MET, shown in percent);
- ContainerPendingRatio = ContainerPending / ContainerAllocated, "If ContainerAllocated = 0, then
  ContainerPendingRatio = ContainerPending" (MET);
- IsIdle "is set to 1 if no tasks are running and no jobs are running, and set to 0 otherwise" (MET);
- HDFSUtilization "The percentage of HDFS storage currently used"; CapacityRemainingGB "The amount of remaining
  HDFS disk capacity" (MET): both count every replica;
- LiveDataNodes "The percentage of data nodes that are receiving work from Hadoop" (MET);
- CoreNodesRunning / CoreNodesPending (and TaskNodes*): "reported only when a corresponding instance group
  exists" (MET);
- TotalUnits/Nodes/VCPU Requested and Running, and their Core/Task forms: "only available when managed scaling is
  enabled", in units for fleets and nodes or vCPU for groups (MSM).
A decommissioning NodeManager offers no free memory: YARN sets its total to what it uses (Apache Hadoop YARN-3223,
"Resource update during NM graceful decommission"). Metrics the model cannot derive (S3 and HDFS bytes, TotalLoad,
block-replication queues) are not published: a rule on them gets no data, as on a cluster that lacks them.
"""
from __future__ import annotations

from .state import DECOMMISSIONING, PROVISIONING, RUNNING, ClusterState
from .yarn import Yarn

_ALWAYS = frozenset(
    "IsIdle ContainerAllocated ContainerReserved ContainerPending ContainerPendingRatio AppsCompleted AppsFailed "
    "AppsKilled AppsPending AppsRunning AppsSubmitted MRTotalNodes MRActiveNodes MRLostNodes MRUnhealthyNodes "
    "MRDecommissionedNodes MRRebootedNodes MissingBlocks CorruptBlocks UnderReplicatedBlocks MemoryTotalMB "
    "MemoryReservedMB MemoryAvailableMB MemoryAllocatedMB YARNMemoryAvailablePercentage HDFSUtilization "
    "CapacityRemainingGB LiveDataNodes".split())
_GROUPS = frozenset("CoreNodesRunning CoreNodesPending TaskNodesRunning TaskNodesPending".split())
_MANAGED = {
    "Instances": ("Nodes", "instance_groups"), "VCPU": ("VCPU", "instance_groups"),
    "InstanceFleetUnits": ("Units", "instance_fleets"),
}


def published(fleets: bool, managed_unit: str | None) -> frozenset[str]:
    """Every metric the model publishes for such a cluster."""
    names = set(_ALWAYS) | (set() if fleets else set(_GROUPS))
    if managed_unit:
        word = _MANAGED[managed_unit][0]
        names |= {f"{scope}{word}{what}" for scope in ("Total", "Core", "Task") for what in ("Requested", "Running")}
    return frozenset(names)


def sample(state: ClusterState, yarn: Yarn, managed_unit: str | None) -> dict[str, float]:
    total = allocated = containers = 0
    nm_running = nm_decommissioning = 0
    core = {RUNNING: 0, PROVISIONING: 0, DECOMMISSIONING: 0}
    task = dict(core)
    for node in state.live_nodes():
        counts = core if node.pool.shape.role == "CORE" else task
        counts[node.state] += 1
        if node.state == RUNNING:
            nm_running += 1
            total += node.kind.memory_mb
        elif node.state == DECOMMISSIONING:
            nm_decommissioning += 1
            total += node.used_mb
        else:
            continue
        allocated += node.used_mb
        containers += node.containers
    pending = yarn.pending()[0]
    running_apps, pending_apps = yarn.counts()
    capacity = state.core_hdfs_capacity_gb()
    raw = state.hdfs_raw_gb()
    out = {
        "MemoryTotalMB": total, "MemoryAllocatedMB": allocated, "MemoryAvailableMB": total - allocated,
        "MemoryReservedMB": 0, "ContainerAllocated": containers, "ContainerReserved": 0, "ContainerPending": pending,
        "ContainerPendingRatio": pending / containers if containers else pending,
        "AppsRunning": running_apps, "AppsPending": pending_apps, "AppsSubmitted": yarn.submitted,
        "AppsCompleted": yarn.completed, "AppsFailed": yarn.failed, "AppsKilled": 0,
        "IsIdle": 1 if running_apps == 0 and pending_apps == 0 else 0,
        "MRTotalNodes": nm_running + nm_decommissioning, "MRActiveNodes": nm_running, "MRLostNodes": 0,
        "MRUnhealthyNodes": 0, "MRDecommissionedNodes": state.decommissioned, "MRRebootedNodes": 0,
        "MissingBlocks": 0, "CorruptBlocks": 0, "UnderReplicatedBlocks": 0,
        "CapacityRemainingGB": max(0.0, capacity - raw),
        "CoreNodesRunning": core[RUNNING] + core[DECOMMISSIONING], "CoreNodesPending": core[PROVISIONING],
        "TaskNodesRunning": task[RUNNING] + task[DECOMMISSIONING], "TaskNodesPending": task[PROVISIONING],
    }
    if total:
        out["YARNMemoryAvailablePercentage"] = 100.0 * (total - allocated) / total
    if capacity:
        out["HDFSUtilization"] = min(100.0, 100.0 * raw / capacity)
    if core[RUNNING] + core[DECOMMISSIONING]:
        out["LiveDataNodes"] = 100.0 * core[RUNNING] / (core[RUNNING] + core[DECOMMISSIONING])
    if managed_unit:
        word = _MANAGED[managed_unit][0]
        for scope, role in (("Core", "CORE"), ("Task", "TASK")):
            out[f"{scope}{word}Requested"] = sum(p.units(managed_unit) for p in state.pools if p.shape.role == role)
            out[f"{scope}{word}Running"] = sum(p.units(managed_unit, requested=False) for p in state.pools
                                               if p.shape.role == role)
        out[f"Total{word}Requested"] = out[f"Core{word}Requested"] + out[f"Task{word}Requested"]
        out[f"Total{word}Running"] = out[f"Core{word}Running"] + out[f"Task{word}Running"]
    return out
