"""The rules an EMR cluster's props must satisfy, checked before anything is synthesized."""
from __future__ import annotations

from typing import Any, Sequence

from . import release as rel
from .props import (
    BootstrapAction,
    ClusterProps,
    Configuration,
    EbsVolume,
    InstanceFleet,
    InstanceGroup,
    Network,
)
from .autoscaling import check_autoscaling_policy
from .managed_scaling import check_managed_scaling
from .scale_in import check_scale_in, explicit_replication, min_core_nodes, replication_for
from .validation import Checker

# Applications EMR 5.x-7.x ship; matched case-insensitively as EMR does.
KNOWN_APPLICATIONS = frozenset(
    a.lower()
    for a in (
        "Spark", "Hadoop", "Hive", "Livy", "JupyterEnterpriseGateway", "JupyterHub", "Zeppelin",
        "Presto", "Trino", "HBase", "Flink", "Hue", "Pig", "Oozie", "Sqoop", "Tez", "Ganglia",
        "Phoenix", "ZooKeeper", "HCatalog", "Hudi", "Iceberg", "Delta", "MXNet", "TensorFlow",
        "Mahout", "Zookeeper", "CloudWatchAgent",
    )
)
EBS_TYPES = ("gp2", "gp3", "io1", "io2", "st1", "sc1", "standard")
INSTANCE_TYPE_PATTERN = r"[a-z][a-z0-9-]*\.[a-z0-9-]+"
MAX_TASK_GROUPS = 48


def validate_cluster_props(props: ClusterProps) -> None:
    """Raise one ``ConfigError`` listing every problem in ``props``."""
    c = Checker()
    c.matches("name", props.name, r"[^\x00-\x1f]{1,256}", "must be 1-256 printable characters")
    release = rel.Release.parse(props.release_label)
    c.check(release is not None, "release_label", props.release_label, "must look like emr-X.Y.Z, e.g. emr-7.2.0")
    _check_applications(c, props.applications)
    _check_capacity(c, props, release)
    _check_network(c, props.network, props.uses_fleets)
    for i, action in enumerate(props.bootstrap_actions):
        _check_bootstrap(c, f"bootstrap_actions[{i}]", action)
    _check_configurations(c, "configurations", props.configurations)
    _check_release_features(c, props, release)
    _check_scaling(c, props, release)
    c.one_of("scale_down_behavior", props.scale_down_behavior,
             ("TERMINATE_AT_TASK_COMPLETION", "TERMINATE_AT_INSTANCE_HOUR"))
    c.int_range("ebs_root_volume_size_gb", props.ebs_root_volume_size_gb, 15, 100)
    c.matches("custom_ami_id", props.custom_ami_id, r"ami-[0-9a-f]{8,17}", "must be an AMI id like ami-0abc1234")
    c.matches("log_encryption_kms_key_id", props.log_encryption_kms_key_id, r"arn:aws[a-z-]*:kms:.+",
              "must be a KMS key ARN")
    check_tags(c, "tags", props.tags)
    c.raise_if_any("EMR cluster props")


def check_tags(c: Checker, where: str, tags: Any) -> None:
    for key, value in dict(tags).items():
        c.check(isinstance(key, str) and 1 <= len(key) <= 128, f"{where}.key", key, "must be 1-128 characters")
        c.check(not (isinstance(key, str) and key.lower().startswith("aws:")), f"{where}.key", key,
                "must not start with the reserved prefix aws:")
        c.check(isinstance(value, str) and len(value) <= 256, f"{where}[{key}]", value,
                "must be a string of at most 256 characters")


def _check_applications(c: Checker, applications: Sequence[str]) -> None:
    c.check(len(applications) > 0, "applications", applications, "must name at least one application")
    seen: set[str] = set()
    for i, app in enumerate(applications):
        name = app.lower() if isinstance(app, str) else app
        c.check(name in KNOWN_APPLICATIONS, f"applications[{i}]", app,
                "must be an EMR application name such as Spark, Hadoop, Hive, Livy")
        c.check(name not in seen, f"applications[{i}]", app, "is listed twice")
        seen.add(name)


def _check_capacity(c: Checker, props: ClusterProps, release: rel.Release | None) -> None:
    fleets = props.uses_fleets
    parts = {"core": props.core, "task": props.task}
    for where, part in parts.items():
        if part is None or part == ():
            continue
        kinds = part if isinstance(part, tuple) else (part,)
        for item in kinds:
            mixed = isinstance(item, InstanceGroup) if fleets else isinstance(item, InstanceFleet)
            if mixed:
                c.fail(where, type(item).__name__,
                       "instance groups and instance fleets cannot be mixed: use the same kind as master")
                return
    if fleets:
        _check_fleet(c, "master", props.master, master=True)
        if props.core is not None:
            _check_fleet(c, "core", props.core)
        if isinstance(props.task, InstanceFleet):
            _check_fleet(c, "task", props.task)
        return
    if not isinstance(props.task, (tuple, list)):
        c.fail("task", type(props.task).__name__,
               "instance groups take a tuple of task groups, e.g. task=(InstanceGroup(...),)")
        return
    master = props.master
    _check_group(c, "master", master)
    c.check(master.instance_count in (1, 3), "master.instance_count", master.instance_count, "must be 1 or 3")
    if master.instance_count == 3 and release and not rel.supports_three_masters(release):
        c.fail("master.instance_count", 3, f"3 primary nodes need release emr-5.23.0 or later, got {release}")
    if props.core is not None:
        _check_group(c, "core", props.core)
    c.check(len(props.task) <= MAX_TASK_GROUPS, "task", len(props.task),
            f"at most {MAX_TASK_GROUPS} task instance groups")
    names = [g.name for g in props.task if g.name]
    for i, group in enumerate(props.task):
        # A task group may start empty (managed scaling or autoscaling fills it); hashicorp/aws's
        # aws_emr_instance_group has no EBS throughput, so a task group cannot take one.
        _check_group(c, f"task[{i}]", group, min_count=0, throughput=False)
        c.check(not group.name or names.count(group.name) == 1, f"task[{i}].name", group.name,
                "task group names must be unique")
    if props.task and props.core is None:
        c.fail("core", None, "task groups need a core group")


def _check_group(c: Checker, where: str, group: InstanceGroup, *, min_count: int = 1, throughput: bool = True) -> None:
    c.matches(f"{where}.instance_type", group.instance_type, INSTANCE_TYPE_PATTERN,
              "must be an EC2 instance type such as m5.xlarge")
    c.int_range(f"{where}.instance_count", group.instance_count, min_count, 500)
    # InstanceGroupConfig.BidPrice: a price in USD, or OnDemandPrice for the on-demand price
    # (https://docs.aws.amazon.com/emr/latest/APIReference/API_InstanceGroupConfig.html).
    c.matches(f"{where}.bid_price", group.bid_price, r"\d+(\.\d+)?|OnDemandPrice",
              "must be a price in USD such as 0.25, or OnDemandPrice")
    for i, volume in enumerate(group.ebs_volumes):
        _check_ebs(c, f"{where}.ebs_volumes[{i}]", volume, throughput_allowed=throughput)


def _check_fleet(c: Checker, where: str, fleet: InstanceFleet, master: bool = False) -> None:
    c.int_range(f"{where}.target_on_demand_capacity", fleet.target_on_demand_capacity, 0)
    c.int_range(f"{where}.target_spot_capacity", fleet.target_spot_capacity, 0)
    total = fleet.target_on_demand_capacity + fleet.target_spot_capacity
    if master:
        c.check(total == 1, f"{where}.target_capacity", total,
                "the master fleet needs exactly 1 unit of on-demand or spot capacity")
    else:
        c.check(total >= 1, f"{where}.target_capacity", total, "on-demand plus spot capacity must be at least 1")
    limit = 5 if master else 30
    c.check(1 <= len(fleet.instance_types) <= limit, f"{where}.instance_types", len(fleet.instance_types),
            f"must list 1 to {limit} instance types")
    c.one_of(f"{where}.on_demand_allocation_strategy", fleet.on_demand_allocation_strategy,
             ("lowest-price", "prioritized"))
    c.one_of(f"{where}.spot_allocation_strategy", fleet.spot_allocation_strategy,
             ("capacity-optimized", "price-capacity-optimized", "lowest-price", "diversified",
              "capacity-optimized-prioritized"))
    c.one_of(f"{where}.spot_timeout_action", fleet.spot_timeout_action, ("SWITCH_TO_ON_DEMAND", "TERMINATE_CLUSTER"))
    c.int_range(f"{where}.spot_timeout_minutes", fleet.spot_timeout_minutes, 5, 1440)
    for i, cfg in enumerate(fleet.instance_types):
        item = f"{where}.instance_types[{i}]"
        c.matches(f"{item}.instance_type", cfg.instance_type, INSTANCE_TYPE_PATTERN,
                  "must be an EC2 instance type such as m5.xlarge")
        c.int_range(f"{item}.weighted_capacity", cfg.weighted_capacity, 1, 65535 if not master else 1)
        pct = cfg.bid_price_as_percentage_of_on_demand_price
        c.check(lambda: isinstance(pct, (int, float)) and 0 < pct <= 100, f"{item}.bid_price_as_percentage_of_on_demand_price",
                pct, "must be a percentage above 0 and at most 100")
        for j, volume in enumerate(cfg.ebs_volumes):
            _check_ebs(c, f"{item}.ebs_volumes[{j}]", volume, throughput_allowed=False)


def _check_ebs(c: Checker, where: str, volume: EbsVolume, *, throughput_allowed: bool = True) -> None:
    if not throughput_allowed:
        c.check(volume.throughput is None, f"{where}.throughput", volume.throughput,
                "cannot be set here: hashicorp/aws has EBS throughput only for the master and core instance groups "
                "of aws_emr_cluster (not aws_emr_instance_group, not instance fleets); such volumes get gp3's baseline")
    c.one_of(f"{where}.type", volume.type, EBS_TYPES)
    c.int_range(f"{where}.size_gb", volume.size_gb, 1, 16384)
    c.int_range(f"{where}.volumes_per_instance", volume.volumes_per_instance, 1, 23)
    if volume.type in ("io1", "io2"):
        c.check(volume.iops is not None, f"{where}.iops", volume.iops or "unset", f"is required for {volume.type} volumes")
    c.int_range(f"{where}.iops", volume.iops, 100, 256000)
    if volume.throughput is not None:
        c.check(volume.type == "gp3", f"{where}.throughput", volume.throughput, "is only allowed on gp3 volumes")
        c.int_range(f"{where}.throughput", volume.throughput, 125, 1000)


def _check_network(c: Checker, network: Network, fleets: bool) -> None:
    for i, subnet in enumerate(network.subnet_ids):
        c.matches(f"network.subnet_ids[{i}]", subnet, r"subnet-[0-9a-f]{8,17}", "must be a subnet id like subnet-0abc1234")
    if not fleets:
        c.check(len(network.subnet_ids) <= 1, "network.subnet_ids", network.subnet_ids,
                "instance groups take exactly one subnet; list several only with instance fleets")
    sg_fields = ("emr_managed_master_security_group", "emr_managed_slave_security_group",
                 "service_access_security_group")
    for name in sg_fields:
        c.matches(f"network.{name}", getattr(network, name), r"sg-[0-9a-f]{8,17}",
                  "must be a security group id like sg-0abc1234")
    for name in ("additional_master_security_groups", "additional_slave_security_groups"):
        for i, sg in enumerate(getattr(network, name)):
            c.matches(f"network.{name}[{i}]", sg, r"sg-[0-9a-f]{8,17}", "must be a security group id like sg-0abc1234")
    c.check(network.key_name != "", "network.key_name", network.key_name, "must not be empty (leave it unset for no SSH key)")


def _check_bootstrap(c: Checker, where: str, action: BootstrapAction) -> None:
    c.matches(f"{where}.name", action.name, r".{1,256}", "must be 1-256 characters")
    # ScriptBootstrapActionConfig.Path: "Location in Amazon S3 of the script", or a file already on the
    # node's image, as EMR's own examples do (file:/usr/share/aws/emr/scripts/...).
    c.matches(f"{where}.path", action.path, r"s3://[a-z0-9.\-]{3,63}/.+|file:/.+",
              "must be the s3:// URI of a script, or a file:/ path on the node")
    for i, arg in enumerate(action.args):
        c.check(isinstance(arg, str), f"{where}.args[{i}]", arg, "must be a string")


def _check_configurations(c: Checker, where: str, configurations: Sequence[Configuration]) -> None:
    seen: set[str] = set()
    for i, cfg in enumerate(configurations):
        item = f"{where}[{i}]"
        c.matches(f"{item}.classification", cfg.classification, r"[A-Za-z0-9][A-Za-z0-9._-]*",
                  "must be a classification name such as spark-defaults")
        c.check(cfg.classification not in seen, f"{item}.classification", cfg.classification,
                "is listed twice: merge its properties into one entry")
        seen.add(cfg.classification)
        for key, value in dict(cfg.properties).items():
            if value is None:
                c.fail(f"{item}.properties[{key}]", None, "must be a string: EMR refuses a null property "
                       "(leave the key out to keep EMR's default)")
            c.check(isinstance(value, str), f"{item}.properties[{key}]", value,
                    "must be a string (EMR properties are strings: write '2', 'true')")
        _check_configurations(c, f"{item}.configurations", cfg.configurations)


def _check_release_features(c: Checker, props: ClusterProps, release: rel.Release | None) -> None:
    ok = c.int_range("step_concurrency_level", props.step_concurrency_level, 1, 256)
    if ok and release and props.step_concurrency_level > 1 and not rel.supports_step_concurrency(release):
        c.fail("step_concurrency_level", props.step_concurrency_level,
               f"more than 1 concurrent step needs release emr-5.28.0 or later, got {release}")
    ok = c.int_range("idle_timeout_seconds", props.idle_timeout_seconds, 60, 604800)
    if ok and release and props.idle_timeout_seconds is not None and not rel.supports_auto_termination(release):
        c.fail("idle_timeout_seconds", props.idle_timeout_seconds,
               f"auto-termination needs release emr-5.30.0+ or emr-6.1.0+, got {release}")


def _check_scaling(c: Checker, props: ClusterProps, release: rel.Release | None) -> None:
    fleets = props.uses_fleets
    if isinstance(props.master, InstanceGroup) and props.master.autoscaling is not None:
        c.fail("master.autoscaling", "AutoScalingPolicy", "the primary node cannot scale; use core or task groups")
    groups = {"core": props.core} if not fleets else {}
    if not fleets and isinstance(props.task, (tuple, list)):
        groups.update({f"task[{i}]": g for i, g in enumerate(props.task)})
    for where, group in groups.items():
        if isinstance(group, InstanceGroup) and group.autoscaling is not None:
            policy = group.autoscaling
            check_autoscaling_policy(c, f"{where}.autoscaling", policy)
            if all(isinstance(v, int) for v in (policy.min_capacity, policy.max_capacity, group.instance_count)):
                c.check(policy.min_capacity <= group.instance_count <= policy.max_capacity,
                        f"{where}.instance_count", group.instance_count,
                        f"must lie within the autoscaling limits {policy.min_capacity}..{policy.max_capacity}")
    scaling = props.managed_scaling
    if scaling is not None:
        check_managed_scaling(c, "managed_scaling", scaling, fleets=fleets)
        if release and not rel.supports_managed_scaling(release):
            c.fail("managed_scaling", scaling.unit_type,
                   f"managed scaling needs release emr-5.30.0+ or emr-6.1.0+, got {release}")
        if props.autoscaled_groups:
            c.fail("managed_scaling", scaling.unit_type,
                   "managed scaling and custom autoscaling policies cannot be used on the same cluster")
    if props.scale_in is not None:
        check_scale_in(c, "scale_in", props.scale_in)
    minimum = min_core_nodes(props)
    replication = explicit_replication(props)
    origin = "configurations hdfs-site dfs.replication"
    if replication is None and props.scale_in is None and isinstance(props.core, InstanceGroup):
        replication = replication_for(props.core.instance_count)
        origin = f"EMR's default for {props.core.instance_count} core nodes at launch"
    if minimum is not None and replication is not None and minimum < replication:
        field, value = _core_minimum_field(props, minimum)
        c.fail(field, value, f"lets the core group shrink to {minimum} node(s), below dfs.replication "
               f"({replication}, {origin}): HDFS cannot keep its copies on fewer nodes; raise the minimum, or "
               "set dfs.replication (or use scale_in=ScaleIn(), which sets it for the minimum)")


def _core_minimum_field(props: ClusterProps, minimum: int) -> tuple[str, int]:
    """The field that sets the core group's smallest size."""
    core = props.core
    if isinstance(core, InstanceGroup) and core.autoscaling is not None:
        return "core.autoscaling.min_capacity", core.autoscaling.min_capacity
    if props.managed_scaling is not None and isinstance(core, InstanceGroup) and minimum < core.instance_count:
        return "managed_scaling.minimum_units", props.managed_scaling.minimum_units
    return "core.instance_count", minimum
