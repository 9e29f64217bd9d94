"""EMR's metrics from the model's YARN and HDFS state, as MG UsingEMR_ViewingMetrics defines them."""
from __future__ import annotations

from emr_scaling.cluster.metrics import published, sample
from emr_scaling.cluster.shape import NodeKind
from emr_scaling.cluster.state import DECOMMISSIONING
from emr_scaling.cluster.yarn import Yarn, build_apps
from emr_scaling.workload.model import Application
from emr_scaling.workload.spark import demand
from tests.emr_scaling.hand import shape, state


def _yarn(apps=()):
    specs = list(apps)
    demands = [demand(a.spark_conf, a.deploy_mode, {}, "emr-7.2.0", "4g", 2) for a in specs]
    return Yarn(build_apps(specs, demands, 1), False, False, 60)


def test_an_empty_cluster():
    st = state(shape(core=2, task=1))
    m = sample(st, _yarn(), None)
    assert m["MemoryTotalMB"] == 3 * 8192 and m["YARNMemoryAvailablePercentage"] == 100
    assert m["ContainerPendingRatio"] == 0 and m["IsIdle"] == 1
    assert (m["CoreNodesRunning"], m["TaskNodesRunning"], m["LiveDataNodes"]) == (2, 1, 100)


def test_memory_containers_and_the_pending_ratio():
    # One application: a 2432 MiB ApplicationMaster and 4 executors of 3g + 1g = 4096 MiB on 2 nodes of 8 GiB,
    # each container to the node with the most free memory: AM -> A (5760 free), 1 -> B (4096), 2 -> A (1664),
    # 3 -> B (0); the 4th fits nowhere and waits.
    app = Application("a", 0, (("spark.dynamicAllocation.enabled", "false"), ("spark.executor.instances", "4"),
                               ("spark.executor.memory", "3g"), ("spark.executor.memoryOverhead", "1g")),
                      duration_seconds=600)
    st, yarn = state(shape(core=2)), _yarn([app])
    yarn.submit(0, 8192)
    yarn.schedule(st.live_nodes(), 0)
    m = sample(st, yarn, None)
    assert m["MemoryAllocatedMB"] == 2432 + 3 * 4096
    assert m["ContainerAllocated"] == 4 and m["ContainerPending"] == 1
    # MET: ContainerPendingRatio = ContainerPending / ContainerAllocated
    assert m["ContainerPendingRatio"] == 1 / 4
    assert m["YARNMemoryAvailablePercentage"] == 100 * (16384 - m["MemoryAllocatedMB"]) / 16384
    assert m["IsIdle"] == 0 and m["AppsRunning"] == 1 and m["AppsPending"] == 0


def test_pending_ratio_with_nothing_allocated_is_the_pending_count():
    """MET: "If ContainerAllocated = 0, then ContainerPendingRatio = ContainerPending"."""
    app = Application("big", 0, (("spark.executor.memory", "20g"),), duration_seconds=60)
    st, yarn = state(shape(core=1)), _yarn([app])
    yarn.submit(0, 100_000)
    yarn.schedule(st.live_nodes(), 0)  # its 2432 MiB AM fits; no 24 GiB executor does
    m = sample(st, yarn, None)
    assert m["ContainerAllocated"] == 1
    st2, yarn2 = state(shape(core=1, core_kind=NodeKind("tiny", 1, 1, 1024, 1024, 1, 0, ()))), _yarn([app])
    yarn2.submit(0, 100_000)
    yarn2.schedule(st2.live_nodes(), 0)  # not even the AM fits
    m2 = sample(st2, yarn2, None)
    assert m2["ContainerAllocated"] == 0 and m2["ContainerPendingRatio"] == m2["ContainerPending"] == 1


def test_a_decommissioning_node_offers_no_free_memory():
    """YARN-3223: a decommissioning NodeManager's total is set to what it uses."""
    st = state(shape(core=2))
    node = st.pools[0].nodes[0]
    node.state, node.used_mb = DECOMMISSIONING, 1000
    m = sample(st, _yarn(), None)
    assert m["MemoryTotalMB"] == 8192 + 1000 and m["MemoryAvailableMB"] == 8192
    assert m["LiveDataNodes"] == 50


def test_hdfs_utilization_counts_replicas():
    st = state(shape(core=2, replication=2))
    st.hdfs_used_gb = 50  # 100 GB on disk of 200
    m = sample(st, _yarn(), None)
    assert m["HDFSUtilization"] == 50 and m["CapacityRemainingGB"] == 100


def test_what_is_published_depends_on_the_cluster():
    groups, fleets = published(False, None), published(True, "InstanceFleetUnits")
    assert "CoreNodesRunning" in groups and "CoreNodesRunning" not in fleets  # MET: only with instance groups
    assert "TotalUnitsRequested" in fleets and "TotalNodesRequested" in published(False, "Instances")
    assert "TotalVCPURunning" in published(False, "VCPU") and "TotalUnitsRequested" not in groups
    assert "TotalLoad" not in groups and "S3BytesRead" not in groups  # not derivable: never published


def test_placement_follows_node_labels_and_the_resource_calculator():
    """AMs on core nodes only when labels say so (GUIDE); vcores bind only under the DominantResourceCalculator."""
    from emr_scaling.cluster.shape import NodeKind as Kind
    app = Application("a", 0, (("spark.dynamicAllocation.enabled", "false"), ("spark.executor.instances", "3"),
                               ("spark.executor.cores", "4"), ("spark.executor.memory", "1g")), duration_seconds=60)
    roomy = Kind("r5.4xlarge", 1, 16, 65536, 65536, 4, 0, ())
    for core_only in (True, False):
        st = state(shape(core=1, task=1, task_kind=roomy))
        yarn = Yarn(build_apps([app], [demand(app.spark_conf, "cluster", {}, "emr-7.2.0", "4g", 2)], 1), core_only,
                    False, 60)
        yarn.submit(0, 100_000)
        yarn.schedule(st.live_nodes(), 0)
        am_node = next(n for n in st.live_nodes() if n.ams)
        assert am_node.pool.shape.role == ("CORE" if core_only else "TASK")  # the task node has more free memory
    # 4-vcore executors on a 4-vcore node whose client-mode AM took 1 vcore: memory-only, all 3 fit; DRC, none.
    for dominant, placed in ((False, 3), (True, 0)):
        st = state(shape(core=0, task=1, task_kind=roomy))
        yarn = Yarn(build_apps([app], [demand(app.spark_conf, "client", {}, "emr-7.2.0", "4g", 2)], 1), False,
                    dominant, 60)
        yarn.submit(0, 100_000)
        yarn.schedule(st.live_nodes(), 0)
        assert yarn.apps[0].executors == placed
