"""EMR managed scaling: EMR sizes the cluster itself between the limits you give.

Compute limits are in Instances or VCPU for instance groups and InstanceFleetUnits for fleets.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from emr_contract.scaling import MANAGED_SCALING_FLEET_UNITS, MANAGED_SCALING_GROUP_UNITS

from ..validation.checker import Checker

GROUP_UNIT_TYPES = MANAGED_SCALING_GROUP_UNITS
(FLEET_UNIT_TYPE,) = MANAGED_SCALING_FLEET_UNITS


@dataclass(frozen=True, kw_only=True)
class ManagedScaling:
    minimum_units: int
    maximum_units: int
    unit_type: str = "Instances"
    maximum_on_demand_units: Optional[int] = None
    maximum_core_units: Optional[int] = None

    @classmethod
    def task_nodes_only(cls, *, core_nodes: int, max_task_nodes: int, unit_type: str = "Instances") -> "ManagedScaling":
        """Core stays fixed (HDFS never shrinks); only task nodes come and go."""
        return cls(minimum_units=core_nodes, maximum_units=core_nodes + max_task_nodes,
                   maximum_core_units=core_nodes, unit_type=unit_type)

    @classmethod
    def on_demand_core_spot_task(cls, *, core_nodes: int, max_nodes: int, unit_type: str = "Instances") -> "ManagedScaling":
        """On-demand core nodes only; everything above them is spot task capacity."""
        return cls(minimum_units=core_nodes, maximum_units=max_nodes, maximum_core_units=core_nodes,
                   maximum_on_demand_units=core_nodes, unit_type=unit_type)

    def compute_limits(self) -> dict:
        return {
            "unit_type": self.unit_type,
            "minimum_capacity_units": self.minimum_units,
            "maximum_capacity_units": self.maximum_units,
            "maximum_ondemand_capacity_units": self.maximum_on_demand_units,
            "maximum_core_capacity_units": self.maximum_core_units,
        }


def check_managed_scaling(c: Checker, where: str, scaling: ManagedScaling, *, fleets: bool) -> None:
    if fleets:
        c.check(scaling.unit_type == FLEET_UNIT_TYPE, f"{where}.unit_type", scaling.unit_type,
                f"instance fleets scale in {FLEET_UNIT_TYPE}")
    else:
        c.check(scaling.unit_type in GROUP_UNIT_TYPES, f"{where}.unit_type", scaling.unit_type,
                "instance groups scale in Instances or VCPU (InstanceFleetUnits is for fleets)")
    c.int_range(f"{where}.minimum_units", scaling.minimum_units, 1)
    c.int_range(f"{where}.maximum_units", scaling.maximum_units, 1)
    bounded = isinstance(scaling.maximum_units, int)
    if bounded and isinstance(scaling.minimum_units, int):
        c.check(scaling.minimum_units <= scaling.maximum_units, f"{where}.minimum_units", scaling.minimum_units,
                f"must not exceed maximum_units ({scaling.maximum_units})")
    for name in ("maximum_on_demand_units", "maximum_core_units"):
        value = getattr(scaling, name)
        c.int_range(f"{where}.{name}", value, 1)
        if bounded and isinstance(value, int):
            c.check(value <= scaling.maximum_units, f"{where}.{name}", value,
                    f"must not exceed maximum_units ({scaling.maximum_units})")
