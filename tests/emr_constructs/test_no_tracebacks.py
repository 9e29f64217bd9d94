"""No input ends in a traceback: every field of every props object reachable from ClusterProps, given hostile
values of every kind, is either accepted or refused with a ConfigError (issue 11: "zero tracebacks")."""
from __future__ import annotations

import dataclasses
import json
from dataclasses import replace
from typing import Any, Iterator

import pytest
from cdktf import Testing, TerraformStack

from emr_constructs import (ClusterProps, ConfigError, EmrCluster, IamProps, InstanceFleet, InstanceGroup,
                            InstanceTypeConfig, KerberosAttributes, Network, SecurityGroupRule, SecurityProps)
from emr_constructs.scaling.automatic import task_policy
from emr_constructs.scaling.managed import ManagedScaling
from emr_constructs.scaling.scale_in import ScaleIn
from emr_constructs.logs.step_logs import StepLogsProps

IAM = IamProps(name_prefix="c", account_id="123456789012", region="eu-west-1")
HOSTILE = (None, "${var.x}", -1, float("nan"), True, {"a": None}, ("x",), object(),
           json.dumps([{"Classification": 1}]))
# Every optional part set, so each nested props object is reached.
FULL = ClusterProps(
    name="c",
    task=(InstanceGroup(instance_count=0, autoscaling=task_policy(0, 4)),),
    network=Network(subnet_ids=("subnet-0a1b2c3d",), vpc_id="vpc-0a1b2c3d", security_group_rules=(
        SecurityGroupRule(group="master", direction="egress", prefix_list_id="pl-63a5400a", from_port=443, to_port=443),)),
    kerberos=KerberosAttributes(realm="EC2.INTERNAL", kdc_admin_password="${var.p}"),
    security=SecurityProps(kerberos_ticket_lifetime_hours=24),
    scale_in=ScaleIn(), step_logs=StepLogsProps(),
)
FLEETS = replace(FULL, task=None, master=InstanceFleet(target_on_demand_capacity=1, instance_types=(
    InstanceTypeConfig(instance_type="m5.xlarge"),)), core=InstanceFleet(target_spot_capacity=2, instance_types=(
        InstanceTypeConfig(instance_type="m5.xlarge"),)), managed_scaling=ManagedScaling(
            minimum_units=2, maximum_units=4, unit_type="InstanceFleetUnits"), scale_in=None)


def paths(obj: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every field path (names and tuple indexes) inside a props dataclass."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        yield (*prefix, f.name)
        if dataclasses.is_dataclass(value):
            yield from paths(value, (*prefix, f.name))
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if dataclasses.is_dataclass(item):
                    yield from paths(item, (*prefix, f.name, i))


def get(obj: Any, path: tuple) -> Any:
    for head in path:
        obj = obj[head] if isinstance(head, int) else getattr(obj, head)
    return obj


def put(obj: Any, path: tuple, value: Any) -> Any:
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(obj)
        items[head] = put(items[head], rest, value) if rest else value
        return tuple(items)
    inner = put(getattr(obj, head), rest, value) if rest else value
    return replace(obj, **{head: inner})


# The fleet variant adds only what differs: its master, core and managed scaling.
CASES = [(FULL, path) for path in paths(FULL)] + [
    (FLEETS, path) for path in paths(FLEETS) if path[0] in ("master", "core", "managed_scaling")]


@pytest.mark.parametrize("base,path", CASES, ids=[f"{'fleet' if b is FLEETS else 'group'}:{'.'.join(map(str, p))}"
                                                  for b, p in CASES])
def test_hostile_values_are_accepted_or_refused_never_a_traceback(base, path):
    stack = TerraformStack(Testing.app(), "s")
    current = get(base, path)
    for i, value in enumerate(HOSTILE):
        if value is current:
            continue  # the base itself: built by other cases
        try:
            props = put(base, path, value)
        except TypeError:
            continue  # the dataclass itself refused it (frozen/kw-only construction)
        try:
            EmrCluster(stack, f"emr-{i}", props, iam_props=IAM)
        except ConfigError:
            pass
