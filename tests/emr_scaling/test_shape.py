"""What the model reads from a stack: YARN memory per node, HDFS disk, the decommission timeout, replication and
where ApplicationMasters run, from the cluster's configurations or EMR's documented defaults."""
from __future__ import annotations

import pytest

from emr_cost.stack_model import Cluster, Option, Pool, Stack, Volume, load_stacks
from emr_scaling import facts
from emr_scaling.cluster.metrics import published
from emr_scaling.cluster.shape import cluster_shape
from emr_scaling.errors import InputError

METRICS = published(False, None)


def cluster(core_type: str = "r5.xlarge", *, release: str = "emr-6.15.0", configurations: tuple = (),
            volumes: tuple = (Volume("gp3", 64),), core: int = 3) -> tuple[Stack, Cluster]:
    pools = (Pool("MASTER", "master", False, (Option("m5.xlarge"),), 1, 0),
             Pool("CORE", "core", False, (Option(core_type, 1, volumes),), core, 0))
    c = Cluster("c", pools, release_label=release, configurations=configurations)
    return Stack("s", "eu-west-1", (c,)), c


def shape(**kw):
    stack, c = cluster(**kw)
    return cluster_shape(stack, c, METRICS)


def test_yarn_memory_comes_from_emrs_task_configuration_table():
    """TASK: r5.xlarge 24576 MiB, m5.xlarge 12288 MiB, c4.large 1792 MiB (yarn.nodemanager.resource.memory-mb)."""
    assert shape(core_type="r5.xlarge").pools[0].kinds[0].memory_mb == 24576
    assert shape(core_type="m5.xlarge").pools[0].kinds[0].memory_mb == 12288
    assert shape(core_type="c4.large").pools[0].kinds[0].memory_mb == 1792
    assert facts.yarn_table()["m6i.32xlarge"] == (491520, 491520)


def test_yarn_site_wins_over_the_table():
    s = shape(configurations=({"Classification": "yarn-site", "Properties": {
        "yarn.nodemanager.resource.memory-mb": "20000", "yarn.nodemanager.resource.cpu-vcores": "8"}},))
    kind = s.pools[0].kinds[0]
    assert (kind.memory_mb, kind.max_allocation_mb, kind.vcores) == (20000, 20000, 8)


def test_a_size_the_table_lacks_is_assumed_and_said():
    """TASK has no m5.large row: assumed from m5.xlarge by vCPUs (6144 MiB), with a warning naming it."""
    s = shape(core_type="m5.large")
    assert s.pools[0].kinds[0].memory_mb == 6144
    assert any("m5.large is not in EMR's task-configuration table" in w for w in s.warnings)


def test_an_unknown_family_is_assumed_and_said():
    s = shape(core_type="zz9.2xlarge")
    assert s.pools[0].kinds[0].memory_mb == 3072 * 8
    assert any("zz9.2xlarge's YARN memory is not documented here" in w for w in s.warnings)


def test_decommission_timeout_from_the_configurations_by_release():
    """SCD: 5.12.0 and later read ...graceful-decommission-timeout-secs, earlier ones ...decommissioning.timeout;
    the default is 3600 s."""
    new = {"Classification": "yarn-site",
           "Properties": {"yarn.resourcemanager.nodemanager-graceful-decommission-timeout-secs": "300"}}
    old = {"Classification": "yarn-site", "Properties": {"yarn.resourcemanager.decommissioning.timeout": "120"}}
    assert shape(configurations=(new,)).decommission_timeout_seconds == 300
    assert shape(release="emr-5.11.0", configurations=(old,)).decommission_timeout_seconds == 120
    assert shape().decommission_timeout_seconds == 3600
    ignored = shape(release="emr-5.11.0", configurations=(new,))
    assert ignored.decommission_timeout_seconds == 3600
    assert any("is not read by emr-5.11.0" in w for w in ignored.warnings)


@pytest.mark.parametrize("core,replication", [(1, 1), (3, 1), (4, 2), (9, 2), (10, 3)])
def test_replication_defaults_by_core_count(core, replication):
    """HDFSC: "1 for clusters < four core nodes, 2 for clusters < ten core nodes, 3 for all other clusters"."""
    assert shape(core=core).replication == replication


def test_replication_from_hdfs_site():
    s = shape(configurations=({"Classification": "hdfs-site", "Properties": {"dfs.replication": "2"}},))
    assert s.replication == 2


def test_default_ebs_when_none_is_listed():
    """STOR: *.xlarge gets 2 x 32 GiB from 5.22.0; earlier releases: not known here, so 0 and a warning."""
    assert shape(core_type="m5.xlarge", volumes=()).pools[0].kinds[0].hdfs_gb == 64
    old = shape(core_type="m5.xlarge", volumes=(), release="emr-5.20.0")
    assert old.pools[0].kinds[0].hdfs_gb == 0 and any("HDFS capacity is taken as 0" in w for w in old.warnings)


@pytest.mark.parametrize("release,labels,core_only", [
    ("emr-5.36.0", None, True), ("emr-6.15.0", None, False),
    ("emr-7.2.0", {"yarn.node-labels.enabled": "true", "yarn.node-labels.am.default-node-label-expression": "CORE"},
     True)])
def test_application_masters_on_core_nodes_by_release(release, labels, core_only):
    """GUIDE: 5.x keeps ApplicationMasters on CORE-labelled nodes; 6.x turns node labels off unless configured."""
    configs = ({"Classification": "yarn-site", "Properties": labels},) if labels else ()
    assert shape(release=release, configurations=configs).am_on_core_only is core_only


def test_a_bad_configuration_value_names_its_property():
    with pytest.raises(InputError, match="yarn.nodemanager.resource.memory-mb: 'lots'"):
        shape(configurations=({"Classification": "yarn-site",
                               "Properties": {"yarn.nodemanager.resource.memory-mb": "lots"}},))


def test_the_shipped_stacks(synthesized):
    autoscaling = load_stacks(synthesized / "emr-autoscaling")[0]
    s = cluster_shape(autoscaling, autoscaling.clusters[0], METRICS)
    # The ScaleIn preset's yarn-site timeout (300 s) and its dfs.replication for 3 core nodes (1).
    assert (s.decommission_timeout_seconds, s.replication) == (300, 1)
    assert [p.policy.max_capacity for p in s.pools] == [8, 16]
    assert s.scaling == "custom automatic scaling core 3-8, task 0-16"
    production = load_stacks(synthesized / "emr-production")[0]
    p = cluster_shape(production, production.clusters[0], published(False, "Instances"))
    assert p.managed is not None and p.shuffle_aware and p.pools[0].kinds[0].hdfs_gb == 512


@pytest.mark.parametrize("release,aware", [("emr-5.33.0", False), ("emr-5.34.0", True), ("emr-6.3.0", False),
                                           ("emr-6.4.0", True), ("emr-7.2.0", True)])
def test_shuffle_awareness_by_release(release, aware):
    """MS: "Amazon EMR versions 5.34.0 and higher, and ... 6.4.0 and higher, support Spark shuffle data awareness"."""
    from emr_cost.stack_model import ManagedLimits
    from dataclasses import replace as with_
    stack, c = cluster(release=release)
    managed = with_(c, managed=ManagedLimits("Instances", 1, 5))
    assert cluster_shape(stack, managed, published(False, "Instances")).shuffle_aware is aware
    assert cluster_shape(stack, c, METRICS).shuffle_aware is False  # without managed scaling there is nothing to spare


def test_the_dominant_resource_calculator_is_read():
    calc = {"Classification": "capacity-scheduler", "Properties": {
        "yarn.scheduler.capacity.resource-calculator": facts.DOMINANT_RESOURCE_CALCULATOR}}
    assert shape(configurations=(calc,)).dominant_resources and not shape().dominant_resources
