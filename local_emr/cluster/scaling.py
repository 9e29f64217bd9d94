"""The emulator's clusters scale: emr-scaling's engine runs each cluster on model time, fed the steps the
emulator runs, and what it decides shows through the EMR and CloudWatch APIs.

- Model time is the scheduler's clock since the cluster first became WAITING, times ``clock_factor`` (60 by
  default: a five-minute metric period passes in five seconds, a six-minute provisioning in six). Timestamps in
  the APIs stay real: an event at model second m is dated the cluster's ready time plus m / clock_factor.
- Each running step is a YARN application whose containers are read from its spark-submit command (the same
  reader as `emr-scaling simulate --from-run`; sizes it leaves out are the model's defaults); it ends when the
  step's process does.
- The cluster's policies are the engine's: the instance groups' AutoScalingPolicy (PENDING, then ATTACHED once
  the engine has it) and PutManagedScalingPolicy, with the rules of emr_scaling (docs/scaling.md says which are
  EMR's documented behaviour and which the model's).
- What the engine decides is written back: groups are RESIZING while nodes join or leave, with
  RequestedInstanceCount and RunningInstanceCount apart; fleets' Target and Provisioned capacities likewise;
  ListInstances gains and ends instances with their timelines (so emr-cost and the step runner price the
  resize); the AWS/ElasticMapReduce metrics go to CloudWatch (namespace, JobFlowId dimension) at EMR's cadence;
  each custom rule's alarm is a CloudWatch alarm (named ``<cluster>-<group>-<rule>_EMR_Auto_Scaling``: the
  suffix is the one EMR's managed service policy allows, the rest a guess) whose state follows the engine's.
- ModifyInstanceGroups and ModifyInstanceFleet go through the engine too: a new size is reached as a resize is.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.core.utils import utcnow

from emr_contract.scaling import AUTOSCALING_NAMESPACE, METRICS
from emr_cost.stack_model import Stack, cluster_from_api
from emr_scaling.cluster.metrics import published
from emr_scaling.cluster.shape import cluster_shape
from emr_scaling.cluster.state import DECOMMISSIONING, ENDED, RUNNING, Node, PoolState
from emr_scaling.cluster.yarn import App
from emr_scaling.engine import Engine
from emr_scaling.errors import InputError
from emr_scaling.params import ModelParams
from emr_scaling.policies.custom import parse_policy
from emr_scaling.workload.model import Application
from emr_scaling.workload.spark import parse_submit

from . import instances
from .models import EmulatedCluster

# AmazonEMRServicePolicy_v2, statement AutoScalingCloudWatch: EMR may PutMetricAlarm/DeleteAlarms only on
# "arn:aws:cloudwatch:*:*:alarm:*_EMR_Auto_Scaling". What precedes the suffix is our guess.
ALARM_SUFFIX = "_EMR_Auto_Scaling"
# EMR's enums (CloudWatchAlarmDefinition) as CloudWatch's PutMetricAlarm spells them.
_STATISTICS = {"AVERAGE": "Average", "SUM": "Sum", "MINIMUM": "Minimum", "MAXIMUM": "Maximum",
               "SAMPLE_COUNT": "SampleCount"}
_COMPARISONS = {"GREATER_THAN_OR_EQUAL": "GreaterThanOrEqualToThreshold", "GREATER_THAN": "GreaterThanThreshold",
                "LESS_THAN": "LessThanThreshold", "LESS_THAN_OR_EQUAL": "LessThanOrEqualToThreshold"}


def camel_keys(value: Any) -> Any:
    """moto keeps an AutoScalingPolicy with underscored keys (CamelToUnderscoresWalker); EMR's shape is Camel."""
    if isinstance(value, Mapping):
        return {"".join(part[:1].upper() + part[1:] for part in str(k).split("_")): camel_keys(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [camel_keys(v) for v in value]
    return value


class ClusterScaling:
    """One cluster's engine on model time, and what it last wrote to moto."""

    def __init__(self, cluster: EmulatedCluster, factor: float, params: ModelParams, now: float) -> None:
        self.cluster, self.factor, self.params = cluster, factor, params
        # Model second 0 is the cluster's ReadyDateTime: the nodes it started with were ready then.
        self.origin_wall = cluster.ready_datetime or utcnow()
        self.origin = now - max(0.0, (utcnow() - self.origin_wall).total_seconds())
        self.model_t = 0.0
        self.apps: dict[str, App] = {}
        self.records: dict[str, instances.InstanceRecord] = {}
        self.expected: dict[str, Any] = {}  # what we last wrote to each group or fleet (a change is a request)
        self.policies: dict[str, str] = {}  # each group's policy as we last gave it to the engine
        self.alarm_states: dict[str, str] = {}
        self.provisioning: set[str] = set()  # groups added later whose first nodes are not running yet
        self.engine = Engine(self._shape(), params)
        self._adopt_records()
        self.engine.step(0.0, 0.0)
        self._reconcile_policies(force=True)
        self._write()

    # ---- model time ------------------------------------------------------------------------------------

    def model_now(self, now: float) -> float:
        return max(0.0, (now - self.origin) * self.factor)

    def wall(self, model_seconds: float) -> datetime:
        return self.origin_wall + timedelta(seconds=model_seconds / self.factor)

    def advance(self, now: float) -> None:
        """Run the engine's ticks up to now, then write what it decided."""
        target = self.model_now(now)
        self._reconcile_pools()
        self._reconcile_policies()
        self._reconcile_requests(target)
        tick = self.engine.tick
        stepped = False
        while self.model_t + tick <= target:
            prev, self.model_t = self.model_t, self.model_t + tick
            self.engine.step(prev, self.model_t)
            self._publish(self.model_t)
            stepped = True
        if stepped:
            self._write()

    # ---- steps as applications -------------------------------------------------------------------------

    def step_started(self, step_id: str, jar_step: dict[str, Any], now: float) -> None:
        submit = parse_submit(list(jar_step.get("Args") or []))
        if submit is None:
            return  # not a spark-submit: no YARN demand the model can read
        when = max(self.model_now(now), self.model_t)
        self.apps[step_id] = self.engine.add(Application(step_id, when, tuple(sorted(submit.conf.items())),
                                                         submit.deploy_mode))

    def step_ended(self, step_id: str, now: float) -> None:
        app = self.apps.pop(step_id, None)
        if app is not None:
            self.engine.finish(app, self.model_t)

    # ---- reading the cluster as EMR's API shows it -----------------------------------------------------

    def _api_views(self) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:

        c = self.cluster
        describe = {"Name": c.id, "ReleaseLabel": c.release_label, "Configurations": list(c.configurations or []),
                    "ScaleDownBehavior": getattr(c, "scale_down_behavior", None),
                    "EbsRootVolumeSize": getattr(c, "ebs_root_volume_size", None)}
        groups = [{"Id": g.id, "Name": g.id, "InstanceGroupType": g.role, "InstanceType": g.instance_type,
                   "RequestedInstanceCount": int(g.num_instances), "Market": g.market, "BidPrice": g.bid_price,
                   "EbsBlockDevices": g.ebs_block_devices,
                   "AutoScalingPolicy": camel_keys(g.auto_scaling_policy) if g.auto_scaling_policy else None}
                  for g in c.instance_groups]
        fleets = [{"Id": fid, "Name": fid, "InstanceFleetType": req.get("InstanceFleetType"),
                   "TargetOnDemandCapacity": req.get("TargetOnDemandCapacity", 0),
                   "TargetSpotCapacity": req.get("TargetSpotCapacity", 0),
                   "InstanceTypeSpecifications": [
                       {**cfg, "EbsBlockDevices": instances.ebs_block_devices(cfg.get("EbsConfiguration"))}
                       for cfg in req.get("InstanceTypeConfigs") or []]}
                  for fid, req in zip(c.fleet_ids, c.requested_fleets)]
        return describe, groups, fleets

    def _shape(self):  # type: ignore[no-untyped-def]
        describe, groups, fleets = self._api_views()
        for g in groups:
            g["AutoScalingPolicy"] = None  # policies reach the engine through _reconcile_policies
        model = cluster_from_api(describe, groups, fleets, None)
        region = self.cluster.emr_backend.region_name
        return cluster_shape(Stack(self.cluster.id, region, (model,)), model,
                             published(bool(fleets), None))

    # ---- requests that arrived through the API ---------------------------------------------------------

    def _reconcile_policies(self, force: bool = False) -> None:
        """PutAutoScalingPolicy, RemoveAutoScalingPolicy, Put/RemoveManagedScalingPolicy since the last look."""
        c = self.cluster
        custom: dict[str, Any] = {}
        for g in c.instance_groups:
            policy = camel_keys(g.auto_scaling_policy) if g.auto_scaling_policy else None
            doc = {k: v for k, v in policy.items() if k != "Status"} if policy else None
            key = json.dumps(doc, sort_keys=True)
            if g.role == "MASTER" or (self.policies.get(g.id) == key and not force):
                continue
            self.policies[g.id] = key
            readable = published(bool(c.requested_fleets), None)
            custom[g.id] = parse_policy(doc, f"{g.id}.AutoScalingPolicy", readable) if doc else None
            if doc:
                g.auto_scaling_policy["status"] = {"state": "ATTACHED"}
                self._put_alarms(g.id, doc)
        managed = (c.managed_scaling_policy or {}).get("ComputeLimits")
        key = json.dumps(managed, sort_keys=True)
        if custom or self.policies.get("managed") != key or force:
            self.policies["managed"] = key
            limits = cluster_from_api({}, [], [], c.managed_scaling_policy).managed
            self.engine.set_policies(custom, limits)

    def _reconcile_pools(self) -> None:
        """Groups and fleets added since (AddInstanceGroups, AddInstanceFleet) join the engine empty; their size is
        then a request like any other."""
        known = {p.name for p in self.engine.state.pools}
        ids = [g.id for g in self.cluster.instance_groups if g.role != "MASTER"] + [
            fid for fid, req in zip(self.cluster.fleet_ids, self.cluster.requested_fleets)
            if req.get("InstanceFleetType") != "MASTER"]
        new = [i for i in ids if i not in known]
        if not new:
            return
        shape = self._shape()
        for pool in shape.pools:
            if pool.name in new:
                self.engine.add_pool(pool)
                self.expected[pool.name] = (0, 0) if pool.fleet else 0
                self.cluster.scaled_pool_ids.add(pool.name)
                self.provisioning.add(pool.name)

    def _reconcile_requests(self, now: float) -> None:
        """A size set through ModifyInstanceGroups or ModifyInstanceFleet: resize to it through the engine, from
        the moment it was asked."""
        for g in self.cluster.instance_groups:
            if g.role != "MASTER" and int(g.num_instances) != self.expected.get(g.id, int(g.num_instances)):
                self.engine.resize(g.id, g.market, int(g.num_instances), now, "ModifyInstanceGroups")
        for fid, req in zip(self.cluster.fleet_ids, self.cluster.requested_fleets):
            asked = (int(req.get("TargetOnDemandCapacity") or 0), int(req.get("TargetSpotCapacity") or 0))
            if fid in self.expected and asked != self.expected[fid]:
                for market, units in zip(("ON_DEMAND", "SPOT"), asked):
                    self.engine.resize(fid, market, units, now, "ModifyInstanceFleet")

    # ---- writing what the engine decided ---------------------------------------------------------------

    def _adopt_records(self) -> None:
        """The nodes the cluster started with are the instances ListInstances already shows."""
        for pool in self.engine.state.pools:
            mine = [r for r in self.cluster.instance_records if pool.name in (r.group_id, r.fleet_id)
                    and r.ended is None]
            for node, record in zip(pool.nodes, mine):
                record.scaled = True
                record.ready = record.ready or self.origin_wall
                self.records[node.id] = record
        self.cluster.scaled_pool_ids |= {p.name for p in self.engine.state.pools}
        self.cluster.scaling_active = True

    def _write(self) -> None:
        c = self.cluster
        groups = {g.id: g for g in c.instance_groups}
        for pool in self.engine.state.pools:
            for node in (*pool.ended, *pool.nodes):
                self._record(pool, node)
            running = sum(1 for n in pool.nodes if n.state in (RUNNING, DECOMMISSIONING))
            group = groups.get(pool.name)
            if group is not None:
                group.num_instances = pool.units()
                group.running_count = running
                if running or pool.activity is None:
                    self.provisioning.discard(group.id)
                group.state = "PROVISIONING" if group.id in self.provisioning else \
                    "RESIZING" if pool.activity is not None else "RUNNING"
                self.expected[group.id] = group.num_instances
            elif pool.name in c.fleet_ids:
                req = c.requested_fleets[c.fleet_ids.index(pool.name)]
                req["TargetOnDemandCapacity"] = pool.units("InstanceFleetUnits", "ON_DEMAND")
                req["TargetSpotCapacity"] = pool.units("InstanceFleetUnits", "SPOT")
                c.fleet_progress[pool.name] = {
                    "State": "RESIZING" if pool.activity is not None else "RUNNING",
                    "ProvisionedOnDemandCapacity": sum(n.kind.weight for n in pool.nodes if n.market == "ON_DEMAND"
                                                       and n.state in (RUNNING, DECOMMISSIONING)),
                    "ProvisionedSpotCapacity": sum(n.kind.weight for n in pool.nodes if n.market == "SPOT"
                                                   and n.state in (RUNNING, DECOMMISSIONING))}
                self.expected[pool.name] = (req["TargetOnDemandCapacity"], req["TargetSpotCapacity"])
        self._alarm_states()

    def _record(self, pool: PoolState, node: Node) -> None:
        record = self.records.get(node.id)
        if record is None:
            if node.state == ENDED and node.ended_at is not None and node.ended_at <= node.requested_at:
                return  # a launch cancelled within the tick it was asked for
            fleet = pool.shape.fleet
            record = instances.new_record(self.cluster, node.kind.instance_type, node.market,
                                          self.wall(node.requested_at), group_id=None if fleet else pool.name,
                                          fleet_id=pool.name if fleet else None)
            record.scaled = True
            self.records[node.id] = record
            self.cluster.instance_records.append(record)
        if record.ready is None and node.ready_at <= self.model_t and node.state != "PROVISIONING" \
                and (node.ended_at is None or node.ended_at > node.ready_at):
            record.ready = self.wall(node.ready_at)
        if node.state == ENDED and node.ended_at is not None and node.ended_at <= self.model_t and record.ended is None:
            record.ended = self.wall(node.ended_at)

    def _publish(self, t: float) -> None:
        """The metrics the engine published at ``t``, to CloudWatch, dated in real time."""
        data = []
        for name, series in self.engine.series.items():
            if series.times and series.times[-1] == t:
                data.append({"MetricName": name, "Value": series.values[-1], "Timestamp": self.wall(t),
                             "Unit": METRICS[name].unit if name in METRICS and METRICS[name].unit != "Boolean"
                             else "None",
                             "Dimensions": [{"Name": "JobFlowId", "Value": self.cluster.id}]})
        if data:
            self._cloudwatch().put_metric_data(AUTOSCALING_NAMESPACE, data)

    def _put_alarms(self, group_id: str, doc: dict[str, Any]) -> None:
        """Each rule's alarm, as CloudWatch would hold it (starting without data)."""
        cw = self._cloudwatch()
        for rule in doc.get("Rules") or []:
            alarm = (rule.get("Trigger") or {}).get("CloudWatchAlarmDefinition") or {}
            name = self._alarm_name(group_id, rule.get("Name", ""))
            cw.put_metric_alarm(
                name=name, namespace=alarm.get("Namespace", AUTOSCALING_NAMESPACE),
                metric_name=alarm.get("MetricName", ""), comparison_operator=_COMPARISONS.get(
                    alarm.get("ComparisonOperator", ""), ""), evaluation_periods=int(alarm.get("EvaluationPeriods", 1)),
                period=int(alarm.get("Period", 300)), threshold=float(alarm.get("Threshold", 0)),
                statistic=_STATISTICS[alarm.get("Statistic", "AVERAGE")],
                description=f"EMR automatic scaling rule {rule.get('Name')} of {group_id}",
                dimensions=[{"Name": "JobFlowId", "Value": self.cluster.id}], alarm_actions=[])
            cw.set_alarm_state(name, "no data yet", None, "INSUFFICIENT_DATA")
            self.alarm_states[name] = "INSUFFICIENT_DATA"

    def _alarm_states(self) -> None:
        cw = self._cloudwatch()
        for pool in self.engine.state.pools:
            for rule, state in pool.alarms.items():
                name = self._alarm_name(pool.name, rule)
                if self.alarm_states.get(name) != state and name in cw.alarms:
                    self.alarm_states[name] = state
                    cw.set_alarm_state(name, f"emr-scaling model: {state} at model minute {self.model_t / 60:g}",
                                       None, state)

    def _alarm_name(self, group_id: str, rule: str) -> str:
        return f"{self.cluster.id}-{group_id}-{rule}{ALARM_SUFFIX}"

    def _cloudwatch(self):  # type: ignore[no-untyped-def]
        backend = self.cluster.emr_backend
        return cloudwatch_backends[backend.account_id][backend.region_name]


class EmulatorScaling:
    """Every cluster's scaling; the lifecycle calls it under its lock."""

    def __init__(self, factor: float, params: ModelParams | None = None) -> None:
        self.factor = factor
        self.params = params or ModelParams()
        self.clusters: dict[str, ClusterScaling] = {}
        self.unmodelled: dict[str, tuple[str, ...]] = {}  # clusters the model cannot run, as they were

    def advance(self, cluster: EmulatedCluster, now: float) -> None:
        scaling = self.clusters.get(cluster.id)
        if cluster.state not in ("WAITING", "RUNNING"):
            if scaling is not None and not cluster.is_active:
                del self.clusters[cluster.id]
            return
        if scaling is None:
            pools = tuple(g.id for g in cluster.instance_groups) + tuple(cluster.fleet_ids)
            if self.unmodelled.get(cluster.id) == pools:
                return  # nothing changed since the model could not take this cluster
            try:
                scaling = self.clusters[cluster.id] = ClusterScaling(cluster, self.factor, self.params, now)
            except InputError:  # a primary node alone, say: no YARN the model can run
                self.unmodelled[cluster.id] = pools
                return
        scaling.advance(now)

    def step_started(self, cluster: EmulatedCluster, step_id: str, jar_step: dict[str, Any], now: float) -> None:
        scaling = self.clusters.get(cluster.id)
        if scaling is not None:
            scaling.step_started(step_id, jar_step, now)

    def step_ended(self, cluster: EmulatedCluster, step_id: str, now: float) -> None:
        scaling = self.clusters.get(cluster.id)
        if scaling is not None:
            scaling.step_ended(step_id, now)
