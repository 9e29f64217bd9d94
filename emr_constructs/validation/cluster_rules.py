"""The rules an EMR cluster's props must satisfy, checked before anything is synthesized.

Every limit, gate and name comes from ``facts`` (each fact cites its AWS page there); this module says
which field each applies to. Where ``facts`` cannot answer (a release it does not know), the input is
accepted: we refuse only what EMR is documented to refuse.

It stays one module: it holds the rules of one props class, ClusterProps, checked in one pass.
"""
from __future__ import annotations

import json
from typing import Any, Optional, Sequence

from .. import facts
from ..scaling.automatic import check_autoscaling_policy
from ..configurations import raw_configurations
from ..scaling.managed import check_managed_scaling
from ..props import (
    BootstrapAction,
    ClusterProps,
    Configuration,
    EbsVolume,
    InstanceFleet,
    InstanceGroup,
    KerberosAttributes,
    Network,
)
from .raw_json import check_autoscaling_json, check_configurations_json, parse
from ..scaling.scale_in import check_scale_in, explicit_replication, min_core_nodes, replication_for
from .checker import Checker, is_token

INSTANCE_TYPE_PATTERN = r"[a-z][a-z0-9-]*\.[a-z0-9-]+"
MAX_TASK_GROUPS = facts.MAX_TASK_INSTANCE_GROUPS
# RJF LogEncryptionKmsKeyId / hashicorp/aws log_encryption_kms_key_id: a key id, key ARN, alias or alias ARN.
KMS_KEY_REFERENCE = (r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key/[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+)"
                     r"|(mrk-)?[0-9a-f-]{32,36}|alias/[A-Za-z0-9/_-]+")


def validate_cluster_props(props: ClusterProps) -> None:
    """Raise one ``ConfigError`` listing every problem in ``props``."""
    c = Checker()
    # RJF Name: XmlStringMaxLen256, required.
    c.check(facts.xml_string_ok(props.name, facts.MAX_NAME_CHARS, 1), "name", props.name,
            "must be 1-256 characters without control characters (RunJobFlow Name)")
    release = _check_release(c, props.release_label)
    _check_applications(c, props.applications, release)
    _check_capacity(c, props, release)
    _check_network(c, props.network, props.uses_fleets)
    _check_bootstrap_actions(c, props)
    _check_configurations(c, "configurations", props.configurations, release)
    _check_configurations_json(c, props, release)
    _check_release_features(c, props, release)
    _check_scaling(c, props, release)
    _check_placement(c, props, release)
    _check_kerberos(c, props, release)
    _check_additional_info(c, props.additional_info)
    c.one_of("scale_down_behavior", props.scale_down_behavior, facts.SCALE_DOWN_BEHAVIORS)
    if release and props.scale_down_behavior == "TERMINATE_AT_INSTANCE_HOUR":
        _gate(c, "scale_down_behavior", props.scale_down_behavior, "scale_down_at_instance_hour", release)
    _check_root_volume(c, props.ebs_root_volume_size_gb, release)
    c.matches("custom_ami_id", props.custom_ami_id, r"ami-[0-9a-f]{8,17}", "must be an AMI id like ami-0abc1234")
    if release and props.custom_ami_id:
        _gate(c, "custom_ami_id", props.custom_ami_id, "custom_ami", release)
    c.matches("log_encryption_kms_key_id", props.log_encryption_kms_key_id, KMS_KEY_REFERENCE,
              "must be a KMS key id, key ARN, alias (alias/...) or alias ARN")
    if release and props.log_encryption_kms_key_id and not is_token(props.log_encryption_kms_key_id):
        _gate(c, "log_encryption_kms_key_id", props.log_encryption_kms_key_id, "log_encryption_kms_key", release)
    check_tags(c, "tags", props.tags)
    c.raise_if_any("EMR cluster props")


def _gate(c: Checker, field: str, value: Any, gate: str, release: facts.Release) -> bool:
    """Refuse ``value`` when ``release`` is documented to lack the gated feature (facts.GATES cite the page)."""
    if facts.gate_allows(gate, release) is False:
        g = facts.GATES[gate]
        c.fail(field, value, f"{g.feature} needs release {g.first_label()}, got {release} ({g.source})")
        return False
    return True


def _check_release(c: Checker, label: Any) -> Optional[facts.Release]:
    """The parsed release, or None (a token: nothing release-dependent is checked then)."""
    if is_token(label):
        return None
    release = facts.Release.parse(label)
    if release is None:
        c.fail("release_label", label, "must look like emr-X.Y.Z, e.g. emr-7.2.0 (RunJobFlow ReleaseLabel)")
        return None
    if facts.known_release(release) is False:
        c.fail("release_label", label, f"no such release: the {release.major}.x line ended with "
               f"{facts.LINES[release.major].last} (RG emr-release-components)")
        return None
    return release


def check_tags(c: Checker, where: str, tags: Any) -> None:
    """MG emr-plan-tags-restrictions (EC2's tag rules): 50 tags, key 1-128, value 0-256, no aws: prefix."""
    tags = dict(tags)
    c.check(len(tags) <= facts.MAX_TAGS, where, len(tags), f"at most {facts.MAX_TAGS} tags per resource")
    for key, value in tags.items():
        if is_token(key) or is_token(value):
            continue
        for part, problem in facts.tag_problems(key, value):
            c.fail(f"{where}[{key}]", key if part == "key" else value, problem)


def _check_applications(c: Checker, applications: Sequence[str], release: Optional[facts.Release]) -> None:
    c.check(len(applications) > 0, "applications", applications, "must name at least one application")
    seen: dict[str, int] = {}
    for i, app in enumerate(applications):
        field = f"applications[{i}]"
        if not isinstance(app, str) or is_token(app):
            continue
        canon = facts.canonical_application(app)
        hint = facts.NOT_APPLICATIONS.get(app) or next(
            (v for k, v in facts.NOT_APPLICATIONS.items() if k.lower() == app.lower()), None)
        if hint is not None:
            c.fail(field, app, f"is not an EMR application name: {hint}")
            continue
        if canon is None:
            c.fail(field, app, "must be an EMR application name such as Spark, Hadoop, Hive, Livy, Trino "
                   "(RG emr-release-app-versions-7.x)")
            continue
        if canon.lower() in seen:
            c.fail(field, app, "is listed twice")
        seen[canon.lower()] = i
        if release is not None and facts.application_available(canon, release) is False:
            c.fail(field, app, f"{release} does not ship {canon} (RG emr-release-app-versions-{release.major}.x, "
                   f"{canon}-release-history)")
    names = {facts.canonical_application(a) for a in applications if isinstance(a, str)}
    for pair in facts.EXCLUSIVE_APPLICATIONS:
        if pair <= names:
            c.fail("applications", applications, f"{' and '.join(sorted(pair))} cannot run on one cluster "
                   "(RG emr-trino, emr-610-release)")


def _check_capacity(c: Checker, props: ClusterProps, release: Optional[facts.Release]) -> None:
    fleets = props.uses_fleets
    if fleets and release is not None:
        _gate(c, "master", "InstanceFleet", "instance_fleets", release)
    for where, part in {"core": props.core, "task": props.task}.items():
        if part is None or part == ():
            continue
        for item in part if isinstance(part, tuple) else (part,):
            if isinstance(item, InstanceGroup) if fleets else isinstance(item, InstanceFleet):
                c.fail(where, type(item).__name__,
                       "instance groups and instance fleets cannot be mixed: use the same kind as master")
                return
    if fleets:
        _check_fleet(c, "master", props.master, release, master=True)
        if props.core is not None:
            _check_fleet(c, "core", props.core, release, core=True)
        if isinstance(props.task, InstanceFleet):
            _check_fleet(c, "task", props.task, release)
        elif props.task not in ((), None):
            c.fail("task", type(props.task).__name__, "instance fleets take one task fleet (task=InstanceFleet(...))")
        return
    if not isinstance(props.task, (tuple, list)):
        c.fail("task", type(props.task).__name__,
               "instance groups take a tuple of task groups, e.g. task=(InstanceGroup(...),)")
        return
    master = props.master
    _check_group(c, "master", master)
    # MG emr-plan-ha: one or three primary nodes.
    c.check(master.instance_count in facts.PRIMARY_NODE_COUNTS, "master.instance_count", master.instance_count,
            "must be 1 or 3 (MG emr-plan-ha)")
    if master.instance_count == 3 and release is not None:
        _gate(c, "master.instance_count", 3, "three_masters_groups", release)
    if props.core is not None:
        _check_group(c, "core", props.core, core=True)
    c.check(len(props.task) <= MAX_TASK_GROUPS, "task", len(props.task),
            f"at most {MAX_TASK_GROUPS} task instance groups (MG emr-instance-group-configuration)")
    names = [g.name for g in props.task if isinstance(g, InstanceGroup) and g.name]
    for i, group in enumerate(props.task):
        # A task group may start empty (managed scaling or autoscaling fills it); hashicorp/aws's
        # aws_emr_instance_group has no EBS throughput, so a task group cannot take one.
        _check_group(c, f"task[{i}]", group, min_count=0, throughput=False)
        c.check(not group.name or names.count(group.name) == 1, f"task[{i}].name", group.name,
                "task group names must be unique")
    if props.task and props.core is None:
        c.fail("core", None, "task groups need a core group")


def _check_group(c: Checker, where: str, group: InstanceGroup, *, min_count: int = 1, throughput: bool = True,
                 core: bool = False) -> None:
    c.matches(f"{where}.instance_type", group.instance_type, INSTANCE_TYPE_PATTERN,
              "must be an EC2 instance type such as m5.xlarge")
    # IGC InstanceCount: required Integer; EC2 quotas bound it, no page gives a largest count.
    c.int_range(f"{where}.instance_count", group.instance_count, min_count)
    # IGC BidPrice: OnDemandPrice, or an amount in USD.
    c.check(lambda: facts.bid_price_valid(group.bid_price), f"{where}.bid_price", group.bid_price,
            "must be a price in USD such as 0.25, or OnDemandPrice (InstanceGroupConfig BidPrice)")
    c.check(facts.xml_string_ok(group.name), f"{where}.name", group.name, "must be at most 256 characters")
    _check_volumes(c, where, group.ebs_volumes, throughput_allowed=throughput, core=core)


def _check_fleet(c: Checker, where: str, fleet: InstanceFleet, release: Optional[facts.Release], *,
                 master: bool = False, core: bool = False) -> None:
    c.int_range(f"{where}.target_on_demand_capacity", fleet.target_on_demand_capacity, 0)
    c.int_range(f"{where}.target_spot_capacity", fleet.target_spot_capacity, 0)
    on_demand, spot = fleet.target_on_demand_capacity, fleet.target_spot_capacity
    if not (isinstance(on_demand, int) and isinstance(spot, int)):
        return
    total = on_demand + spot
    if master:
        # IFC: a master fleet sets one of the two targets, to 1; MG emr-plan-ha: 3 primaries on releases
        # with high availability for fleets, On-Demand only (emr-plan-ha-considerations).
        if total == facts.MASTER_FLEET_TARGET_HA:
            c.check(spot == 0, f"{where}.target_spot_capacity", spot,
                    "three primary nodes launch On-Demand only: use target_on_demand_capacity=3 (MG emr-plan-ha)")
            if release is not None:
                _gate(c, f"{where}.target_on_demand_capacity", on_demand, "three_masters_fleets", release)
        else:
            c.check(total == facts.MASTER_FLEET_TARGET and 0 in (on_demand, spot), f"{where}.target_capacity", total,
                    "the master fleet takes 1 unit of On-Demand or Spot capacity (or 3 On-Demand for high "
                    "availability) (InstanceFleetConfig, MG emr-plan-ha)")
    else:
        c.check(total >= 1, f"{where}.target_capacity", total,
                "at least one of target_on_demand_capacity and target_spot_capacity must be above 0 "
                "(InstanceFleetConfig)")
    # ITC: at most 5 instance types, 30 with an allocation strategy (which this construct always sets
    # where the release has them: FLEET_ALLOCATION_STRATEGY).
    strategies = release is None or facts.gate_allows("fleet_allocation_strategy", release) is not False
    limit = facts.MAX_FLEET_INSTANCE_TYPES_WITH_ALLOCATION_STRATEGY if strategies else facts.MAX_FLEET_INSTANCE_TYPES
    c.check(1 <= len(fleet.instance_types) <= limit, f"{where}.instance_types", len(fleet.instance_types),
            f"must list 1 to {limit} instance types (InstanceTypeConfig)")
    c.one_of(f"{where}.on_demand_allocation_strategy", fleet.on_demand_allocation_strategy,
             facts.ON_DEMAND_ALLOCATION_STRATEGIES)
    c.one_of(f"{where}.spot_allocation_strategy", fleet.spot_allocation_strategy, facts.SPOT_ALLOCATION_STRATEGIES)
    c.one_of(f"{where}.spot_timeout_action", fleet.spot_timeout_action, facts.SPOT_TIMEOUT_ACTIONS)
    c.int_range(f"{where}.spot_timeout_minutes", fleet.spot_timeout_minutes, *facts.SPOT_PROVISIONING_TIMEOUT_MINUTES)
    c.check(facts.xml_string_ok(fleet.name), f"{where}.name", fleet.name, "must be at most 256 characters")
    types = [cfg.instance_type for cfg in fleet.instance_types]
    for i, cfg in enumerate(fleet.instance_types):
        item = f"{where}.instance_types[{i}]"
        c.matches(f"{item}.instance_type", cfg.instance_type, INSTANCE_TYPE_PATTERN,
                  "must be an EC2 instance type such as m5.xlarge")
        c.check(types.count(cfg.instance_type) == 1, f"{item}.instance_type", cfg.instance_type,
                "is listed twice in this fleet")
        if master:
            c.check(cfg.weighted_capacity == facts.MASTER_WEIGHTED_CAPACITY, f"{item}.weighted_capacity",
                    cfg.weighted_capacity, "is 1 for a master fleet (InstanceTypeConfig WeightedCapacity)")
        else:
            c.int_range(f"{item}.weighted_capacity", cfg.weighted_capacity, facts.MIN_WEIGHTED_CAPACITY)
        pct = cfg.bid_price_as_percentage_of_on_demand_price
        # ITC BidPriceAsPercentageOfOnDemandPrice: NonNegativeDouble, no documented maximum (EC2 takes
        # Spot prices above On-Demand).
        c.check(lambda: isinstance(pct, (int, float)) and not isinstance(pct, bool) and pct >= 0,
                f"{item}.bid_price_as_percentage_of_on_demand_price", pct,
                "must be a non-negative percentage, e.g. 60 (InstanceTypeConfig)")
        _check_volumes(c, item, cfg.ebs_volumes, throughput_allowed=False, core=core)


def _check_volumes(c: Checker, where: str, volumes: Sequence[EbsVolume], *, throughput_allowed: bool,
                   core: bool) -> None:
    total = 0
    for i, volume in enumerate(volumes):
        _check_ebs(c, f"{where}.ebs_volumes[{i}]", volume, throughput_allowed=throughput_allowed, core=core)
        if isinstance(volume.volumes_per_instance, int):
            total += volume.volumes_per_instance
    # MG emr-plan-storage: "There is a limit of 25 volumes per instance."
    c.check(total <= facts.MAX_EBS_VOLUMES_PER_INSTANCE, f"{where}.ebs_volumes", total,
            f"at most {facts.MAX_EBS_VOLUMES_PER_INSTANCE} EBS volumes per instance in all (MG emr-plan-storage)")


def _check_ebs(c: Checker, where: str, volume: EbsVolume, *, throughput_allowed: bool, core: bool) -> None:
    if not throughput_allowed:
        c.check(volume.throughput is None, f"{where}.throughput", volume.throughput,
                "cannot be set here: hashicorp/aws has EBS throughput only for the master and core instance groups "
                "of aws_emr_cluster (not aws_emr_instance_group, not instance fleets); such volumes get gp3's baseline")
    # VOLSPEC VolumeType: "Volume types supported are gp3, gp2, io1, st1, sc1, and standard."
    ok = c.check(volume.type in facts.EMR_VOLUME_TYPES, f"{where}.type", volume.type,
                 f"must be one of {', '.join(facts.EMR_VOLUME_TYPES)}: EMR does not take {volume.type} volumes "
                 "(API VolumeSpecification)")
    ok = c.int_range(f"{where}.size_gb", volume.size_gb, 1) and ok
    c.int_range(f"{where}.volumes_per_instance", volume.volumes_per_instance, 1, facts.MAX_EBS_VOLUMES_PER_INSTANCE)
    ok = c.int_range(f"{where}.iops", volume.iops, 1) and ok
    ok = c.int_range(f"{where}.throughput", volume.throughput, 1) and ok
    if not ok or any(is_token(v) for v in (volume.size_gb, volume.iops, volume.throughput)):
        return
    # VOLSPEC (EMR's sizes and types) and EC2 CreateVolume (each type's size, iops and throughput).
    problems = facts.ebs_volume_problems(volume.type, volume.size_gb, volume.iops, volume.throughput)
    for parameter, problem in problems:
        field = _EBS_FIELDS[parameter]
        c.fail(f"{where}.{field}", getattr(volume, field), problem + " (EMR VolumeSpecification, EC2 CreateVolume)")
    if core:
        c.check(volume.size_gb >= facts.MIN_CORE_EBS_VOLUME_GB, f"{where}.size_gb", volume.size_gb,
                f"core nodes' EBS volumes are at least {facts.MIN_CORE_EBS_VOLUME_GB} GB (MG emr-plan-storage)")


# facts.ebs_volume_problems names the parameter at fault; EbsVolume's field of it
_EBS_FIELDS = {"volume_type": "type", "size_gib": "size_gb", "iops": "iops", "throughput": "throughput"}


def _check_root_volume(c: Checker, size: Any, release: Optional[facts.Release]) -> None:
    # MG emr-custom-ami-root-volume-size: up to 100 GiB, no smaller than the release's default.
    low, high = (release and facts.root_volume_size_range(release)) or (10, facts.ROOT_VOLUME_MAX_GIB)
    c.int_range("ebs_root_volume_size_gb", size, low, high)


def _check_network(c: Checker, network: Network, fleets: bool) -> None:
    for i, subnet in enumerate(network.subnet_ids):
        c.matches(f"network.subnet_ids[{i}]", subnet, r"subnet-[0-9a-f]{8,17}", "must be a subnet id like subnet-0abc1234")
    if not fleets:
        # JFIC Ec2SubnetId (one subnet) for instance groups; Ec2SubnetIds only for instance fleets.
        c.check(len(network.subnet_ids) <= 1, "network.subnet_ids", network.subnet_ids,
                "instance groups take exactly one subnet; list several only with instance fleets")
    names = [s for s in network.subnet_ids if isinstance(s, str)]
    for i, subnet in enumerate(network.subnet_ids):
        c.check(names.count(subnet) == 1, f"network.subnet_ids[{i}]", subnet, "is listed twice")
    sg_fields = ("emr_managed_master_security_group", "emr_managed_slave_security_group",
                 "service_access_security_group")
    for name in sg_fields:
        c.matches(f"network.{name}", getattr(network, name), r"sg-[0-9a-f]{8,17}",
                  "must be a security group id like sg-0abc1234")
    for name in ("additional_master_security_groups", "additional_slave_security_groups"):
        groups = getattr(network, name)
        # JFIC AdditionalMasterSecurityGroups / AdditionalSlaveSecurityGroups: at most 5 (EC2's per-ENI limit).
        c.check(len(groups) <= 5, f"network.{name}", len(groups), "at most 5 additional security groups")
        for i, sg in enumerate(groups):
            c.matches(f"network.{name}[{i}]", sg, r"sg-[0-9a-f]{8,17}", "must be a security group id like sg-0abc1234")
    c.check(network.key_name != "", "network.key_name", network.key_name, "must not be empty (leave it unset for no SSH key)")


def _check_bootstrap_actions(c: Checker, props: ClusterProps) -> None:
    for i, action in enumerate(props.bootstrap_actions):
        _check_bootstrap(c, f"bootstrap_actions[{i}]", action)
    added = 1 if props.step_logs is not None else 0
    total = len(props.bootstrap_actions) + added
    c.check(total <= facts.MAX_BOOTSTRAP_ACTIONS, "bootstrap_actions", len(props.bootstrap_actions),
            f"EMR takes at most {facts.MAX_BOOTSTRAP_ACTIONS} bootstrap actions per cluster (MG emr-plan-bootstrap)"
            + ("; step_logs adds one" if added else ""))


def _check_bootstrap(c: Checker, where: str, action: BootstrapAction) -> None:
    c.check(facts.xml_string_ok(action.name, facts.MAX_NAME_CHARS, 1), f"{where}.name", action.name,
            "must be 1-256 characters (BootstrapActionConfig Name)")
    # ScriptBootstrapActionConfig.Path: "Location in Amazon S3 of the script", or a file already on the
    # node's image, as EMR's own examples do (file:/usr/share/aws/emr/scripts/...).
    c.matches(f"{where}.path", action.path, r"s3://[a-z0-9.\-]{3,63}/.+|file:/.+",
              "must be the s3:// URI of a script, or a file:/ path on the node")
    for i, arg in enumerate(action.args):
        c.check(isinstance(arg, str), f"{where}.args[{i}]", arg, "must be a string")


def _check_configurations(c: Checker, where: str, configurations: Sequence[Configuration],
                          release: Optional[facts.Release], *, top: bool = True) -> None:
    seen: set[str] = set()
    for i, cfg in enumerate(configurations):
        item = f"{where}[{i}]"
        ok = c.matches(f"{item}.classification", cfg.classification, r"[A-Za-z0-9][A-Za-z0-9._-]*",
                       "must be a classification name such as spark-defaults")
        c.check(cfg.classification not in seen, f"{item}.classification", cfg.classification,
                "is listed twice: merge its properties into one entry")
        seen.add(cfg.classification)
        if ok and top and release is not None and facts.classification_available(cfg.classification, release) is False:
            c.fail(f"{item}.classification", cfg.classification,
                   f"{release} has no such configuration classification (RG emr-{release.major}{release.minor}"
                   f"{release.patch}-release, 'classifications'; classifications are case-sensitive)")
        for key, value in dict(cfg.properties).items():
            if value is None:
                c.fail(f"{item}.properties[{key}]", None, "must be a string: EMR refuses a null property "
                       "(leave the key out to keep EMR's default)")
            c.check(isinstance(value, str), f"{item}.properties[{key}]", value,
                    "must be a string (EMR properties are strings: write '2', 'true')")
        _check_configurations(c, f"{item}.configurations", cfg.configurations, release, top=False)


def _check_configurations_json(c: Checker, props: ClusterProps, release: Optional[facts.Release]) -> None:
    if check_configurations_json(c, "configurations_json", props.configurations_json) is None:
        return
    raw = raw_configurations(props)
    typed = {cfg.classification for cfg in props.configurations}
    for i, cfg in enumerate(raw):
        c.check(cfg.classification != "", f"configurations_json[{i}].Classification", "(missing)",
                "every configuration names its classification")
        c.check(cfg.classification not in typed, f"configurations_json[{i}].Classification", cfg.classification,
                "is also in configurations: give each classification in one place")
    _check_configurations(c, "configurations_json", [cfg for cfg in raw if cfg.classification], release)


def _check_release_features(c: Checker, props: ClusterProps, release: Optional[facts.Release]) -> None:
    ok = c.int_range("step_concurrency_level", props.step_concurrency_level, *facts.STEP_CONCURRENCY_LEVEL)
    if ok and release and props.step_concurrency_level is not None and props.step_concurrency_level > 1:
        _gate(c, "step_concurrency_level", props.step_concurrency_level, "step_concurrency", release)
    ok = c.int_range("idle_timeout_seconds", props.idle_timeout_seconds, *facts.IDLE_TIMEOUT_SECONDS)
    if ok and release and props.idle_timeout_seconds is not None:
        _gate(c, "idle_timeout_seconds", props.idle_timeout_seconds, "auto_termination", release)


def _check_scaling(c: Checker, props: ClusterProps, release: Optional[facts.Release]) -> None:
    fleets = props.uses_fleets
    if isinstance(props.master, InstanceGroup) and props.master.scales:
        field = "master.autoscaling" if props.master.autoscaling is not None else "master.autoscaling_json"
        c.fail(field, "AutoScalingPolicy", "the primary node cannot scale; use core or task groups "
               "(MG emr-automatic-scaling: core and task groups only)")
    groups = {"core": props.core} if not fleets else {}
    if not fleets and isinstance(props.task, (tuple, list)):
        groups.update({f"task[{i}]": g for i, g in enumerate(props.task)})
    for where, group in groups.items():
        if not isinstance(group, InstanceGroup) or not group.scales:
            continue
        if group.autoscaling is not None and group.autoscaling_json is not None:
            c.fail(f"{where}.autoscaling_json", "JSON", "pass autoscaling (typed) or autoscaling_json, not both")
            continue
        if group.autoscaling is not None:
            check_autoscaling_policy(c, f"{where}.autoscaling", group.autoscaling)
        elif check_autoscaling_json(c, f"{where}.autoscaling_json", group.autoscaling_json) is None:
            continue
        limits = group.autoscaling_limits
        if limits and all(isinstance(v, int) for v in (*limits, group.instance_count)):
            low, high = limits
            field = f"{where}.autoscaling" if group.autoscaling is not None else f"{where}.autoscaling_json"
            c.check(low <= high, f"{field}.min_capacity", low, f"must not exceed max_capacity ({high})")
            c.check(low <= group.instance_count <= high, f"{where}.instance_count", group.instance_count,
                    f"must lie within the autoscaling limits {low}..{high}")
    if props.autoscaled_groups and release is not None:
        _gate(c, "core.autoscaling", "AutoScalingPolicy", "custom_autoscaling", release)
    scaling = props.managed_scaling
    if scaling is not None:
        check_managed_scaling(c, "managed_scaling", scaling, fleets=fleets)
        if release is not None:
            _gate(c, "managed_scaling", scaling.unit_type, "managed_scaling", release)
        if props.autoscaled_groups:
            c.fail("managed_scaling", scaling.unit_type,
                   "managed scaling and custom autoscaling policies cannot be used on the same cluster "
                   "(MG emr-managed-scaling)")
    if props.scale_in is not None:
        check_scale_in(c, "scale_in", props.scale_in)
    minimum = min_core_nodes(props)
    replication = explicit_replication(props)
    origin = "configurations hdfs-site dfs.replication"
    if replication is None and props.scale_in is None and isinstance(props.core, InstanceGroup) \
            and isinstance(props.core.instance_count, int):
        replication = replication_for(props.core.instance_count)
        origin = f"EMR's default for {props.core.instance_count} core nodes at launch"
    if isinstance(minimum, int) and replication is not None and minimum < replication:
        field, value = _core_minimum_field(props, minimum)
        c.fail(field, value, f"lets the core group shrink to {minimum} node(s), below dfs.replication "
               f"({replication}, {origin}): HDFS cannot keep its copies on fewer nodes; raise the minimum, or "
               "set dfs.replication (or use scale_in=ScaleIn(), which sets it for the minimum)")


def _core_minimum_field(props: ClusterProps, minimum: int) -> tuple[str, Any]:
    """The field that sets the core group's smallest size."""
    core = props.core
    if isinstance(core, InstanceGroup) and core.autoscaling is not None:
        return "core.autoscaling.min_capacity", core.autoscaling.min_capacity
    if isinstance(core, InstanceGroup) and core.autoscaling_json is not None:
        return "core.autoscaling_json.Constraints.MinCapacity", minimum
    if props.managed_scaling is not None and isinstance(core, InstanceGroup) and minimum < core.instance_count:
        return "managed_scaling.minimum_units", props.managed_scaling.minimum_units
    return "core.instance_count", minimum


def primary_count(props: ClusterProps) -> Optional[int]:
    master = props.master
    if isinstance(master, InstanceGroup):
        return master.instance_count if isinstance(master.instance_count, int) else None
    if isinstance(master, InstanceFleet):
        counts = (master.target_on_demand_capacity, master.target_spot_capacity)
        return sum(counts) if all(isinstance(n, int) for n in counts) else None
    return None


def _check_placement(c: Checker, props: ClusterProps, release: Optional[facts.Release]) -> None:
    strategy = props.placement_strategy
    if strategy is None or is_token(strategy):
        return
    # PGC: "the only supported placement strategy is SPREAD for the MASTER instance role".
    if not c.one_of("placement_strategy", strategy, facts.PLACEMENT_GROUP_STRATEGIES):
        return
    # MG emr-plan-ha-placementgroup: "an option for multiple primary node clusters", from 5.23.0.
    count = primary_count(props)
    c.check(count is None or count == 3, "placement_strategy", strategy,
            f"places the primary nodes of a cluster with 3 of them; this one has {count} "
            "(MG emr-plan-ha-placementgroup)")
    if release is not None:
        _gate(c, "placement_strategy", strategy, "placement_groups", release)


def kerberos_in_security_configuration(props: ClusterProps) -> Optional[bool]:
    """Whether the cluster's security configuration sets up Kerberos; None when it is one we cannot read."""
    if props.security_configuration is not None:
        return None
    if props.security_configuration_json is not None:
        try:
            document = json.loads(props.security_configuration_json)
        except (TypeError, ValueError):
            return None
        auth = document.get("AuthenticationConfiguration") if isinstance(document, dict) else None
        return isinstance(auth, dict) and "KerberosConfiguration" in auth
    return props.security.kerberos_ticket_lifetime_hours is not None


def _check_kerberos(c: Checker, props: ClusterProps, release: Optional[facts.Release]) -> None:
    kerberized = kerberos_in_security_configuration(props)
    attrs = props.kerberos
    # MG emr-kerberos-configure-settings: "you specify the security configuration together with Kerberos
    # attributes that are specific to the cluster. You can't specify one set without the other, or an error
    # occurs."
    if attrs is None:
        if kerberized:
            field = ("security.kerberos_ticket_lifetime_hours" if props.security_configuration_json is None
                     else "security_configuration_json")
            c.fail(field, "Kerberos", "a Kerberos security configuration needs the cluster's kerberos attributes "
                   "(ClusterProps.kerberos: realm, KDC admin password) (MG emr-kerberos-configure-settings)")
        return
    if kerberized is False:
        c.fail("kerberos", "KerberosAttributes", "needs a security configuration with Kerberos: set "
               "security.kerberos_ticket_lifetime_hours, or an AuthenticationConfiguration in "
               "security_configuration_json (MG emr-kerberos-configure-settings)")
    if release is not None:
        _gate(c, "kerberos", "KerberosAttributes", "kerberos", release)
    _check_kerberos_attributes(c, attrs)


def _check_kerberos_attributes(c: Checker, attrs: KerberosAttributes) -> None:
    # API KerberosAttributes: Realm and KdcAdminPassword required; every field XmlStringMaxLen256.
    c.check(facts.xml_string_ok(attrs.realm, facts.MAX_NAME_CHARS, 1), "kerberos.realm", attrs.realm,
            "must be 1-256 characters, e.g. EC2.INTERNAL (KerberosAttributes Realm)")
    for name in ("kdc_admin_password", "cross_realm_trust_principal_password", "ad_domain_join_user",
                 "ad_domain_join_password"):
        value = getattr(attrs, name)
        required = name == "kdc_admin_password"
        if (value is None and not required) or is_token(value):
            continue
        if not facts.xml_string_ok(value, facts.MAX_NAME_CHARS, 1 if required else 0):
            c.fail(f"kerberos.{name}", "(hidden)" if "password" in name else value,
                   "must be a string of at most 256 characters" + (", not empty" if required else ""))
    # KerberosAttributes ADDomainJoinPassword: "The Active Directory password for ADDomainJoinUser".
    if (attrs.ad_domain_join_user is None) != (attrs.ad_domain_join_password is None):
        c.fail("kerberos.ad_domain_join_password", None if attrs.ad_domain_join_password is None else "(hidden)",
               "ad_domain_join_user and ad_domain_join_password go together")
    if attrs.ad_domain_join_user is not None:
        c.check(attrs.cross_realm_trust_principal_password is not None, "kerberos.cross_realm_trust_principal_password",
                "unset", "an Active Directory join is a cross-realm trust: it needs the trust principal's password")


def _check_additional_info(c: Checker, text: Any) -> None:
    # RJF AdditionalInfo: "A JSON string for selecting additional features", XmlString (10280 characters).
    value = parse(c, "additional_info", text)
    if value is None:
        return
    c.check(isinstance(value, dict), "additional_info", type(value).__name__, "must be a JSON object")
    c.check(len(text) <= facts.MAX_XML_STRING_CHARS, "additional_info", len(text),
            f"at most {facts.MAX_XML_STRING_CHARS} characters (RunJobFlow AdditionalInfo)")

__all__ = ["INSTANCE_TYPE_PATTERN", "MAX_TASK_GROUPS", "check_tags", "kerberos_in_security_configuration",
           "primary_count", "validate_cluster_props"]
