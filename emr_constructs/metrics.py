"""The EMR CloudWatch metrics worth watching, grouped as both dashboards show them."""
from __future__ import annotations

NAMESPACE = "AWS/ElasticMapReduce"

# (panel title, unit label, metric names)
PANELS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("YARN memory available", "percent", ("YARNMemoryAvailablePercentage",)),
    ("Pending containers per allocated", "ratio", ("ContainerPendingRatio",)),
    ("HDFS utilization", "percent", ("HDFSUtilization",)),
    ("Applications", "count", ("AppsRunning", "AppsPending")),
    ("Nodes", "count", ("CoreNodesRunning", "CoreNodesPending", "TaskNodesRunning", "TaskNodesPending")),
    ("Unhealthy and lost nodes", "count", ("MRUnhealthyNodes", "MRLostNodes")),
    ("Idle", "0/1", ("IsIdle",)),
)
