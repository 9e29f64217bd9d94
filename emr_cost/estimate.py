"""The hourly cost of a stack's clusters before deploy: at the initial size, and at the minimum and maximum
its scaling allows, split EC2 on-demand / EC2 spot / EMR fee / EBS.

EMR bills each instance its EC2 price plus the EMR fee, and its EBS volumes
(https://aws.amazon.com/emr/pricing/). Managed scaling limits count core and task nodes only, in
Instances, InstanceFleetUnits or VCPU; MaximumCoreCapacityUnits caps core, the rest goes to task nodes;
MaximumOnDemandCapacityUnits caps on-demand, the rest is spot
(https://docs.aws.amazon.com/emr/latest/ManagementGuide/managed-scaling-allocation-strategy.html,
https://docs.aws.amazon.com/emr/latest/APIReference/API_ComputeLimits.html). A fleet launches whole
instances and may pass its target (https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-instance-fleet.html),
so a fleet's cost is ceil(units / weight) instances of one type: its cheapest and its dearest type give the
low and high figures. EBS is per GB-month; a month is 730 hours, the AWS Pricing Calculator's
(https://docs.aws.amazon.com/pricing-calculator/latest/userguide/pricing-assumptions.html).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from .prices import PriceBook, PriceNotFound
from .stack_model import Cluster, ManagedLimits, Option, Pool, Stack, Volume

HOURS_PER_MONTH = Decimal(730)
GP3_FREE_IOPS, GP3_FREE_THROUGHPUT = 3000, 125  # https://aws.amazon.com/ebs/pricing/
SCENARIOS = ("initial", "minimum", "maximum")
# vCPUs by size for the m/r/c families (https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html).
_SIZE_VCPU = re.compile(r"^[a-z0-9-]+\.(?:(\d*)xlarge|large|medium)$")


def vcpus(instance_type: str) -> int:
    m = _SIZE_VCPU.match(instance_type)
    if not m:
        raise PriceNotFound(f"vCPU count of {instance_type}")
    size = instance_type.split(".")[1]
    return {"medium": 1, "large": 2}.get(size) or 4 * int(m.group(1) or 1)


@dataclass(frozen=True)
class Cost:
    ec2_on_demand: Decimal = Decimal(0)
    ec2_spot: Decimal = Decimal(0)
    emr: Decimal = Decimal(0)
    ebs: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return self.ec2_on_demand + self.ec2_spot + self.emr + self.ebs

    def __add__(self, o: "Cost") -> "Cost":
        return Cost(self.ec2_on_demand + o.ec2_on_demand, self.ec2_spot + o.ec2_spot, self.emr + o.emr, self.ebs + o.ebs)

    def times(self, n: int | Decimal) -> "Cost":
        n = Decimal(n)
        return Cost(self.ec2_on_demand * n, self.ec2_spot * n, self.emr * n, self.ebs * n)


@dataclass(frozen=True)
class PoolCost:
    pool: str
    on_demand_units: int
    spot_units: int
    low: Cost
    high: Cost
    low_type: str
    high_type: str
    instances_low: int
    instances_high: int


@dataclass(frozen=True)
class Scenario:
    name: str
    low: Cost
    high: Cost
    pools: tuple[PoolCost, ...]


@dataclass(frozen=True)
class ClusterEstimate:
    name: str
    scaling: str
    scenarios: tuple[Scenario, ...]
    idle_timeout_seconds: int | None
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class StackEstimate:
    stack: str
    region: str
    clusters: tuple[ClusterEstimate, ...]
    source: str = ""

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(m for c in self.clusters for m in c.missing)


def monthly(hourly: Decimal, hours_per_day: Decimal) -> Decimal:
    """A month of ``hours_per_day`` hours a day: 730 hours a month at 24."""
    return hourly * hours_per_day * HOURS_PER_MONTH / Decimal(24)


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ---- estimating ---------------------------------------------------------------------------------------

def estimate_stack(stack: Stack, book: PriceBook) -> StackEstimate:
    return StackEstimate(stack.name, stack.region,
                         tuple(estimate_cluster(c, stack.region, book) for c in stack.clusters), stack.source)


def estimate_cluster(cluster: Cluster, region: str, book: PriceBook) -> ClusterEstimate:
    pricer = _Pricer(book, region)
    scenarios = []
    for name in SCENARIOS:
        sizes = scenario_units(cluster, name)
        costs = tuple(pricer.pool(pool, od, spot, cluster.managed) for pool, (od, spot) in zip(cluster.pools, sizes))
        scenarios.append(Scenario(name, sum((p.low for p in costs), Cost()), sum((p.high for p in costs), Cost()), costs))
    return ClusterEstimate(cluster.name, scaling_label(cluster), tuple(scenarios), cluster.idle_timeout_seconds,
                           tuple(sorted(set(pricer.missing))))


def scaling_label(cluster: Cluster) -> str:
    if cluster.managed:
        m = cluster.managed
        return f"managed scaling {m.minimum}-{m.maximum} {m.unit_type}"
    bounds = [p for p in cluster.pools if p.autoscaling_min is not None]
    if bounds:
        return "custom autoscaling " + ", ".join(f"{p.name} {p.autoscaling_min}-{p.autoscaling_max}" for p in bounds)
    return "fixed size"


def scenario_units(cluster: Cluster, scenario: str) -> list[tuple[int, int]]:
    """(on-demand units, spot units) of each pool in ``scenario``; units are instances for groups."""
    initial = [(p.on_demand_units, p.spot_units) for p in cluster.pools]
    if scenario == "initial":
        return initial
    if cluster.managed is None:
        out = []
        for p, (od, spot) in zip(cluster.pools, initial):
            if p.autoscaling_min is None:
                out.append((od, spot))
                continue
            n = p.autoscaling_min if scenario == "minimum" else p.autoscaling_max
            out.append((0, n) if spot and not od else (n, 0))
        return out
    return _managed_units(cluster.pools, cluster.managed, scenario)


def _managed_units(pools: tuple[Pool, ...], limits: ManagedLimits, scenario: str) -> list[tuple[int, int]]:
    """Core first, then task; on-demand first up to the on-demand limit. Units here are the policy's units,
    converted to each pool's own units (instances for groups, weighted capacity for fleets)."""
    total = limits.minimum if scenario == "minimum" else limits.maximum
    core_cap = total if limits.maximum_core is None else min(total, limits.maximum_core)
    od_left = total if limits.maximum_on_demand is None else min(total, limits.maximum_on_demand)
    out: list[tuple[int, int]] = []
    left = total
    task_seen = False
    for p in pools:
        if p.role == "MASTER":
            out.append((p.on_demand_units, p.spot_units))
            continue
        if p.role == "TASK":
            if task_seen:
                out.append((0, 0))  # the first task pool takes what is left
                continue
            task_seen = True
        share = min(left, core_cap) if p.role == "CORE" else left
        spot_only = not p.fleet and p.spot_units and not p.on_demand_units
        od_only = not p.fleet and not spot_only
        od = 0 if spot_only else min(share, od_left)
        spot = share - od if not od_only else 0
        od_left -= od
        left -= od + spot
        out.append((_to_pool_units(p, od, limits), _to_pool_units(p, spot, limits)))
    return out


def _to_pool_units(pool: Pool, units: int, limits: ManagedLimits) -> int:
    if limits.unit_type == "VCPU" and not pool.fleet:
        return units // vcpus(pool.options[0].instance_type)
    return units


class _Pricer:
    def __init__(self, book: PriceBook, region: str) -> None:
        self.book, self.region = book, region
        self.missing: list[str] = []

    def pool(self, pool: Pool, od_units: int, spot_units: int, limits: ManagedLimits | None) -> PoolCost:
        priced: list[tuple[Cost, str, int]] = []
        for option in pool.options:
            weight = vcpus(option.instance_type) if (pool.fleet and limits and limits.unit_type == "VCPU") else option.weight
            n_od, n_spot = (math.ceil(od_units / weight), math.ceil(spot_units / weight)) if pool.fleet \
                else (od_units, spot_units)
            if n_od + n_spot == 0:
                priced.append((Cost(), option.instance_type, 0))
                continue
            try:
                cost = self.instance(option, "ON_DEMAND").times(n_od) + self.instance(option, "SPOT").times(n_spot)
            except PriceNotFound as e:
                self.missing.append(str(e))
                continue
            priced.append((cost, option.instance_type, n_od + n_spot))
        if not priced:
            return PoolCost(pool.name, od_units, spot_units, Cost(), Cost(), "?", "?", 0, 0)
        low = min(priced, key=lambda x: x[0].total)
        high = max(priced, key=lambda x: x[0].total)
        return PoolCost(pool.name, od_units, spot_units, low[0], high[0], low[1], high[1], low[2], high[2])

    def instance(self, option: Option, market: str) -> Cost:
        """One instance for one hour."""
        on_demand = self.book.ec2_hourly(self.region, option.instance_type, "ON_DEMAND").usd
        if market == "SPOT":
            ec2 = self.book.ec2_hourly(self.region, option.instance_type, "SPOT").usd
            cap = option.bid_price if option.bid_price is not None else \
                on_demand * (option.bid_percent if option.bid_percent is not None else Decimal(100)) / Decimal(100)
            ec2 = min(ec2, cap)
        else:
            ec2 = on_demand
        emr = self.book.emr_fee_hourly(self.region, option.instance_type).usd
        ebs = sum((self.volume_hourly(v) for v in option.volumes), Decimal(0))
        return Cost(ec2 if market == "ON_DEMAND" else Decimal(0), ec2 if market == "SPOT" else Decimal(0), emr, ebs)

    def volume_hourly(self, v: Volume) -> Decimal:
        monthly_usd = Decimal(v.size_gb) * self.book.ebs_monthly(self.region, v.type, "storage").usd
        if v.type == "gp3":
            if v.iops and v.iops > GP3_FREE_IOPS:
                monthly_usd += (v.iops - GP3_FREE_IOPS) * self.book.ebs_monthly(self.region, "gp3", "iops").usd
            if v.throughput and v.throughput > GP3_FREE_THROUGHPUT:
                monthly_usd += (v.throughput - GP3_FREE_THROUGHPUT) * \
                    self.book.ebs_monthly(self.region, "gp3", "throughput").usd
        elif v.type in ("io1", "io2") and v.iops:
            monthly_usd += v.iops * self.book.ebs_monthly(self.region, v.type, "iops").usd
        return monthly_usd * v.count / HOURS_PER_MONTH
