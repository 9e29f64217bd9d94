"""Scale-in presets: how long a node being removed waits for work, and HDFS replication.

AWS defaults keep a decommissioning node for up to 3600 s (YARN) and keep Spark off it for
1 h, which is why clusters shrink slowly. These presets shorten both and keep
``dfs.replication`` no larger than the smallest core size.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from emr_contract.scaling import decommission_timeout_property, default_replication

from ..configurations import all_configurations, merge_configurations
from ..props import ClusterProps, Configuration, InstanceGroup
from ..validation.release_gates import Release


@dataclass(frozen=True, kw_only=True)
class ScaleIn:
    decommission_timeout_seconds: int = 300
    spark_decommission_timeout_seconds: int = 300
    spark_decommission_threshold_seconds: int = 20


# EMR's dfs.replication default by core-node count, and the decommission timeout's property by release: both
# are facts of emr_contract/scaling.py (with their pages), which the scaling model reads too.
replication_for = default_replication


def scale_in_configurations(preset: ScaleIn, release: Release, min_core_nodes: int) -> tuple[Configuration, ...]:
    return (
        Configuration(classification="yarn-site", properties={
            decommission_timeout_property(release): str(preset.decommission_timeout_seconds),
        }),
        Configuration(classification="spark-defaults", properties={
            "spark.blacklist.decommissioning.enabled": "true",
            "spark.blacklist.decommissioning.timeout": f"{preset.spark_decommission_timeout_seconds}s",
            "spark.decommissioning.timeout.threshold": str(preset.spark_decommission_threshold_seconds),
        }),
        Configuration(classification="hdfs-site", properties={
            "dfs.replication": str(replication_for(min_core_nodes)),
        }),
    )


def check_scale_in(c, where: str, preset: ScaleIn) -> None:
    c.int_range(f"{where}.decommission_timeout_seconds", preset.decommission_timeout_seconds, 0, 86400)
    c.int_range(f"{where}.spark_decommission_timeout_seconds", preset.spark_decommission_timeout_seconds, 0, 86400)
    c.int_range(f"{where}.spark_decommission_threshold_seconds", preset.spark_decommission_threshold_seconds, 0, 3600)


def min_core_nodes(props: ClusterProps) -> Optional[int]:
    """The fewest core nodes the cluster may run with, when it can be known at synth time."""
    core = props.core
    if not isinstance(core, InstanceGroup):
        return None
    if core.scales:
        limits = core.autoscaling_limits
        return limits[0] if limits else None
    if not isinstance(core.instance_count, int):
        return None  # a token: known at apply
    scaling = props.managed_scaling
    if scaling is not None:
        if scaling.unit_type != "Instances" or not isinstance(scaling.minimum_units, int):
            return None
        return min(core.instance_count, scaling.minimum_units)
    return core.instance_count


def explicit_replication(props: ClusterProps) -> Optional[int]:
    for cfg in all_configurations(props):
        if cfg.classification == "hdfs-site" and "dfs.replication" in cfg.properties:
            value = cfg.properties["dfs.replication"]
            return int(value) if str(value).isdigit() else None
    return None


def effective_configurations(props: ClusterProps) -> tuple[Configuration, ...]:
    """Scale-in presets first, the user's configurations merged over them."""
    release = Release.parse(props.release_label)
    if props.scale_in is None or release is None:
        return all_configurations(props)
    presets = scale_in_configurations(props.scale_in, release, min_core_nodes(props) or 1)
    return merge_configurations(presets, all_configurations(props))
