"""Richer EMR models layered on moto's ``Cluster`` and ``Step`` objects.

moto creates clusters and steps; we switch each new object to one of these subclasses
(``adopt_*``) so moto's own serializer returns what real EMR returns: FailureDetails,
StateChangeReason codes, CANCEL_PENDING, TERMINATING, and fields moto does not parse.
Only state lives here; ``lifecycle`` decides transitions.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from moto.core.utils import utcnow
from moto.emr.exceptions import ValidationException
from moto.emr.models import Cluster, Ec2InstanceAttributes, Step

ACTIVE_CLUSTER_STATES = frozenset({"STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"})
ENDED_CLUSTER_STATES = frozenset({"TERMINATED", "TERMINATED_WITH_ERRORS"})
ENDED_STEP_STATES = frozenset({"COMPLETED", "CANCELLED", "FAILED", "INTERRUPTED"})
SHUTDOWN_MESSAGE = "A job flow that is shutting down, terminated, or finished may not be modified."

# Request fields moto's RunJobFlow ignores; we keep them so reads return what was written.
EXTRA_RUN_JOB_FLOW_FIELDS = {
    "ScaleDownBehavior": "scale_down_behavior",
    "LogEncryptionKmsKeyId": "log_encryption_kms_key_id",
    "UnhealthyNodeReplacement": "unhealthy_node_replacement",
    "OSReleaseLabel": "os_release_label",
    "PlacementGroupConfigs": "placement_groups",
    "EbsRootVolumeSize": "ebs_root_volume_size",
}


class EmulatedStep(Step):
    """A moto Step with FailureDetails and the full StepStatus shape."""

    failure_details: dict[str, str] | None
    process: Any  # StepProcess while it runs
    cancel_option: str | None
    exit_info: dict[str, Any]

    @property
    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "State": self.state,
            "StateChangeReason": {"Message": getattr(self, "last_state_change_reason", None)},
            "Timeline": {
                "CreationDateTime": self.creation_date_time,
                "StartDateTime": self.start_date_time,
                "EndDateTime": self.end_date_time,
            },
        }
        if self.failure_details:
            status["FailureDetails"] = self.failure_details
        return status

    def set_state(self, state: str, message: str | None = None) -> None:
        self.state = state
        if message is not None:
            self.last_state_change_reason = message
        if state == "RUNNING":
            self.start_date_time = utcnow()
        if state in ENDED_STEP_STATES:
            self.end_date_time = utcnow()


class EmulatedCluster(Cluster):
    """A moto Cluster whose state is driven by the emulator's scheduler, not set instantly."""

    state_change_code: str | None
    phase_started: float
    managed_scaling_policy: dict[str, Any] | None
    auto_termination_policy: dict[str, Any] | None
    idle_since: float
    requested_fleets: list[dict[str, Any]]
    fleet_ids: list[str]
    requested_subnet_ids: list[str]
    requested_availability_zones: list[str]
    terminate_with_errors: bool

    @property
    def status(self) -> dict[str, Any]:
        reason: dict[str, Any] = {"Message": getattr(self, "last_state_change_reason", None)}
        if self.state_change_code:
            reason["Code"] = self.state_change_code
        return {
            "State": self.state,
            "StateChangeReason": reason,
            "Timeline": {
                "CreationDateTime": self.creation_datetime,
                "ReadyDateTime": self.ready_datetime,
                "EndDateTime": self.end_datetime,
            },
            "ErrorDetails": [],
        }

    @property
    def ec2_instance_attributes(self) -> Ec2InstanceAttributes:
        """moto's attributes plus the subnets / zones a fleet cluster asked for (EMR picks the first)."""
        attributes = Ec2InstanceAttributes(self)
        attributes.requested_ec2_subnet_ids = list(self.requested_subnet_ids)  # type: ignore[attr-defined]
        attributes.requested_ec2_availability_zones = list(self.requested_availability_zones)  # type: ignore[attr-defined]
        if not attributes.ec2_subnet_id and self.requested_subnet_ids:
            attributes.ec2_subnet_id = self.requested_subnet_ids[0]
        return attributes

    @property
    def instance_collection_type(self) -> str:
        return "INSTANCE_FLEET" if self.requested_fleets else "INSTANCE_GROUP"

    @property
    def master_instance_type(self) -> str | None:  # type: ignore[override]
        return super().master_instance_type if self.master_instance_group_id else None

    @property
    def slave_instance_type(self) -> str | None:  # type: ignore[override]
        return super().slave_instance_type if self.core_instance_group_id else None

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_CLUSTER_STATES

    def set_state(self, state: str, now: float, code: str | None = None, message: str | None = None) -> None:
        self.state = state
        self.phase_started = now
        if code is not None:
            self.state_change_code = code
        if message is not None:
            self.last_state_change_reason = message
        if state == "WAITING" and self.ready_datetime is None:
            self.ready_datetime = utcnow()
        if state in ENDED_CLUSTER_STATES:
            self.end_datetime = utcnow()
            for group in self.instance_groups:
                group.state = "TERMINATED"
                group.end_date_time = self.end_datetime

    def terminate(self) -> None:
        """Called by moto's TerminateJobFlows: start shutting down; the scheduler finishes it."""
        if self.is_active:
            self.begin_termination("USER_REQUEST", "Terminated by user request")

    def begin_termination(self, code: str, message: str, with_errors: bool = False) -> None:
        """TERMINATING now; TERMINATED once step processes are gone (see lifecycle)."""
        self.terminate_with_errors = with_errors
        self.set_state("TERMINATING", time.monotonic(), code, message)

    def add_steps(self, steps: list[dict[str, Any]]) -> list[Step]:
        """moto marks the first step RUNNING and the cluster RUNNING at once; we queue them."""
        if not self.is_active:
            raise ValidationException(SHUTDOWN_MESSAGE)
        previous = self.state
        added = super().add_steps(steps)
        self.state = previous
        for step in added:
            adopt_step(step)
        return added


def adopt_step(step: Step) -> EmulatedStep:
    """Switch a fresh moto Step to PENDING and to the emulated class."""
    step.__class__ = EmulatedStep
    assert isinstance(step, EmulatedStep)
    step.state = "PENDING"
    step.start_date_time = None
    step.end_date_time = None
    step.failure_details = None
    step.process = None
    step.cancel_option = None
    step.exit_info = {}
    return step


def adopt_cluster(cluster: Cluster, request: Mapping[str, Any], now: float) -> EmulatedCluster:
    """Reset a cluster moto just created to STARTING and remember what moto dropped from the request."""
    cluster.__class__ = EmulatedCluster
    assert isinstance(cluster, EmulatedCluster)
    cluster.state_change_code = None
    cluster.last_state_change_reason = None
    cluster.ready_datetime = None
    cluster.end_datetime = None
    cluster.managed_scaling_policy = request.get("ManagedScalingPolicy") or None
    cluster.auto_termination_policy = request.get("AutoTerminationPolicy") or None
    cluster.idle_since = now
    cluster.terminate_with_errors = False
    cluster.requested_fleets = [dict(f) for f in (request.get("Instances") or {}).get("InstanceFleets") or []]
    cluster.fleet_ids = []
    instances = request.get("Instances") or {}
    cluster.requested_subnet_ids = list(instances.get("Ec2SubnetIds") or [])
    cluster.requested_availability_zones = list((instances.get("Placement") or {}).get("AvailabilityZones") or [])
    for field, attr in EXTRA_RUN_JOB_FLOW_FIELDS.items():
        if field in request:
            setattr(cluster, attr, request[field])
        elif field in instances:  # UnhealthyNodeReplacement lives in JobFlowInstancesConfig
            setattr(cluster, attr, instances[field])
    cluster.set_state("STARTING", now)
    for step in cluster.steps:
        adopt_step(step)
    return cluster


def emr_timestamp(value: datetime | None) -> float | None:
    """EMR's JSON protocol sends epoch seconds."""
    return value.timestamp() if value is not None else None
