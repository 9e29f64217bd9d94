"""Instance groups, instance fleets, Spot and the cluster-wide limits RunJobFlow sets. The pages the comments cite are
listed in the package docstring."""
from __future__ import annotations

import re

from emr_contract.steps import MAX_STEP_CONCURRENCY, MIN_STEP_CONCURRENCY

# MG emr-plan-bootstrap: "You can specify up to 16 bootstrap actions per cluster".
MAX_BOOTSTRAP_ACTIONS = 16

# MG emr-instance-group-configuration: "Each Amazon EMR cluster can include up to 50 instance groups: one
# master instance group ..., a core instance group ..., and up to 48 optional task instance groups."
MAX_INSTANCE_GROUPS = 50
MAX_TASK_INSTANCE_GROUPS = 48
# MG emr-plan-ha: "you can choose to have one or three primary nodes" (see THREE_MASTERS_* gates).
PRIMARY_NODE_COUNTS = (1, 3)
# guess: no page gives a largest instance count for a group; EC2 quotas bound it per account.

# MG emr-instance-group-configuration / emr-instance-fleet: "Each node type has a single instance fleet, and
# using a task instance fleet is optional" - at most one fleet per node type, so at most one task fleet.
MAX_FLEETS_PER_NODE_TYPE = 1
# ITC / MG emr-instance-fleet: up to five instance types per fleet; "When you use an allocation strategy,
# you can include a maximum of 30 instance type configurations for a fleet" (CLI/API). The (old) console
# allowed 15 for task fleets with an allocation strategy.
MAX_FLEET_INSTANCE_TYPES = 5
MAX_FLEET_INSTANCE_TYPES_WITH_ALLOCATION_STRATEGY = 30
# IFC TargetOnDemandCapacity/TargetSpotCapacity: "For a master instance fleet, only one of
# TargetSpotCapacity and TargetOnDemandCapacity can be specified, and its value must be 1." With three
# primary nodes (THREE_MASTERS_FLEETS) the target is 3; MG emr-plan-ha-considerations: "On
# high-availability clusters, Amazon EMR only supports the launch of primary nodes with On Demand
# instances." IFC: "At least one of TargetSpotCapacity and TargetOnDemandCapacity should be greater than 0."
MASTER_FLEET_TARGET = 1
MASTER_FLEET_TARGET_HA = 3
# ITC WeightedCapacity: "This value is 1 for a master instance fleet, and must be 1 or greater for core and
# task instance fleets. Defaults to 1". guess: no upper bound is documented (the API shape is WholeNumber,
# min 0, no max).
MASTER_WEIGHTED_CAPACITY = 1
MIN_WEIGHTED_CAPACITY = 1

# IGC BidPrice: "Specify OnDemandPrice to set the amount equal to the On-Demand price, or specify an amount
# in USD." (a string of at most 256 characters). guess: the USD amount is a plain decimal number.
BID_PRICE_ON_DEMAND = "OnDemandPrice"
BID_PRICE_USD = re.compile(r"\d+(\.\d+)?")


def bid_price_valid(value: str, *, fleets: bool = False) -> bool:
    """IGC: groups take OnDemandPrice or a USD amount; ITC: fleets take a USD amount (their on-demand
    default is BidPriceAsPercentageOfOnDemandPrice)."""
    if not isinstance(value, str) or len(value) > 256:
        return False
    if value == BID_PRICE_ON_DEMAND:
        return not fleets
    return BID_PRICE_USD.fullmatch(value) is not None


# SPOT / IFC enums.
SPOT_ALLOCATION_STRATEGIES = ("capacity-optimized", "price-capacity-optimized", "lowest-price", "diversified",
                              "capacity-optimized-prioritized")
ON_DEMAND_ALLOCATION_STRATEGIES = ("lowest-price", "prioritized")
SPOT_TIMEOUT_ACTIONS = ("SWITCH_TO_ON_DEMAND", "TERMINATE_CLUSTER")
# SPOT TimeoutDurationMinutes: "Minimum value is 5 and maximum value is 1440" (initial provisioning only).
SPOT_PROVISIONING_TIMEOUT_MINUTES = (5, 1440)
# RESIZE TimeoutDurationMinutes: "The minimum value is 5 minutes, and the maximum value is 10,080 minutes".
RESIZE_TIMEOUT_MINUTES = (5, 10080)
# PGC: "Starting with Amazon EMR release 5.23.0, the only supported instance role is MASTER"; "the only
# supported placement strategy is SPREAD for the MASTER instance role."
PLACEMENT_GROUP_ROLES = ("MASTER",)
PLACEMENT_GROUP_STRATEGIES = ("SPREAD",)

# RJF StepConcurrencyLevel: "The default value is 1. The maximum value is 256." (emr_contract.steps)
STEP_CONCURRENCY_LEVEL = (MIN_STEP_CONCURRENCY, MAX_STEP_CONCURRENCY)
# ATP IdleTimeout: "a minimum of 60 seconds and a maximum of 604800 seconds (seven days)"; MG
# emr-auto-termination-policy: "Idle timeout defaults to 60 minutes".
IDLE_TIMEOUT_SECONDS = (60, 604800)
# RJF ScaleDownBehavior enum (gates above).
SCALE_DOWN_BEHAVIORS = ("TERMINATE_AT_INSTANCE_HOUR", "TERMINATE_AT_TASK_COMPLETION")
