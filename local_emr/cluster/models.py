"""A richer EMR cluster layered on moto's ``Cluster``.

moto creates clusters; we switch each new one to ``EmulatedCluster`` (``adopt_cluster``) so moto's
own serializer returns what real EMR returns: StateChangeReason codes, TERMINATING, and fields moto
does not parse. A cluster's steps live in its ``book``, the strict step model (``steps.model``) the
in-process fake uses too; moto's own step objects are not used. Only state lives here;
``lifecycle`` decides transitions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from moto.core.utils import utcnow
from moto.emr.models import Application, Cluster, Ec2InstanceAttributes
from moto.emr.utils import random_step_id

from emr_contract import s3_layout
from emr_contract.steps import CLUSTER_ACCEPTS_STEPS, CLUSTER_ENDED, ERR_CLUSTER_SHUTTING_DOWN

from .release_applications import described_applications
from ..steps.model import StepBook

ACTIVE_CLUSTER_STATES = CLUSTER_ACCEPTS_STEPS
ENDED_CLUSTER_STATES = CLUSTER_ENDED
SHUTDOWN_MESSAGE = ERR_CLUSTER_SHUTTING_DOWN[1]

# Request fields moto's RunJobFlow ignores; we keep them so reads return what was written.
EXTRA_RUN_JOB_FLOW_FIELDS = {
    "ScaleDownBehavior": "scale_down_behavior",
    "LogEncryptionKmsKeyId": "log_encryption_kms_key_id",
    "UnhealthyNodeReplacement": "unhealthy_node_replacement",
    "OSReleaseLabel": "os_release_label",
    "PlacementGroupConfigs": "placement_groups",
    "EbsRootVolumeSize": "ebs_root_volume_size",
}


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
    book: StepBook
    instance_records: list[Any]  # local_emr.cluster.instances.InstanceRecord, what ListInstances shows
    scaled_pool_ids: set[str]  # groups and fleets the scaling engine sizes (local_emr/cluster/scaling.py)
    fleet_progress: dict[str, dict[str, Any]]  # per fleet: State and Provisioned*Capacity, from the engine
    scaling_active: bool  # the scaling engine runs this cluster: groups and fleets added later are its too
    clock: Callable[[], float]  # the scheduler's clock (tests tick a fake one)

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
    def log_uri(self) -> str | None:  # type: ignore[override]
        """As DescribeCluster shows it (s3_layout.as_described); moto keeps what RunJobFlow was given."""
        given = self.__dict__.get("log_uri")
        return s3_layout.as_described(given) if given else given

    @log_uri.setter
    def log_uri(self, value: str | None) -> None:
        self.__dict__["log_uri"] = value

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_CLUSTER_STATES

    @property
    def keep_alive(self) -> bool:
        """KeepJobFlowAliveWhenNoSteps (steps.model.ClusterPort)."""
        return bool(self.keep_job_flow_alive_when_no_steps)

    def end(self, code: str, message: str, with_errors: bool) -> None:
        """steps.model.ClusterPort: the step rules end the cluster (STEP_FAILURE, ALL_STEPS_COMPLETED)."""
        if self.is_active:
            self.begin_termination(code, message, with_errors)

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
        """TERMINATING now, PENDING steps CANCELLED; TERMINATED once step processes are gone (see lifecycle)."""
        self.terminate_with_errors = with_errors
        self.set_state("TERMINATING", self.clock(), code, message)
        self.book.on_cluster_end(code)


def adopt_cluster(cluster: Cluster, request: Mapping[str, Any], now: float,
                  clock: Callable[[], float] = time.monotonic) -> EmulatedCluster:
    """Reset a cluster moto just created to STARTING and remember what moto dropped from the request;
    ``clock`` is the scheduler's, so termination starts on the same time line as the boot phases."""
    cluster.__class__ = EmulatedCluster
    assert isinstance(cluster, EmulatedCluster)
    cluster.state_change_code = None
    cluster.last_state_change_reason = None
    cluster.ready_datetime = None
    cluster.end_datetime = None
    cluster.managed_scaling_policy = request.get("ManagedScalingPolicy") or None
    cluster.auto_termination_policy = request.get("AutoTerminationPolicy") or None
    cluster.clock = clock
    cluster.idle_since = now
    cluster.terminate_with_errors = False
    cluster.requested_fleets = [dict(f) for f in (request.get("Instances") or {}).get("InstanceFleets") or []]
    cluster.fleet_ids = []
    cluster.instance_records = []
    cluster.scaled_pool_ids = set()
    cluster.fleet_progress = {}
    cluster.scaling_active = False
    instances = request.get("Instances") or {}
    cluster.requested_subnet_ids = list(instances.get("Ec2SubnetIds") or [])
    cluster.requested_availability_zones = list((instances.get("Placement") or {}).get("AvailabilityZones") or [])
    for field, attr in EXTRA_RUN_JOB_FLOW_FIELDS.items():
        if field in request:
            setattr(cluster, attr, request[field])
        elif field in instances:  # UnhealthyNodeReplacement lives in JobFlowInstancesConfig
            setattr(cluster, attr, instances[field])
    cluster.applications = [_application(a) for a in described_applications(cluster.release_label,
                                                                           request.get("Applications") or [])]
    cluster.set_state("STARTING", now)
    cluster.book = StepBook(cluster, now=time.time, new_id=random_step_id)
    cluster.steps = []  # the book holds the steps; RunJobFlow's own go in through it (emr_handlers)
    return cluster



def _application(described: Mapping[str, Any]) -> Application:
    """moto's Application, with no Args or AdditionalInfo shown where none were given (as EMR shows them)."""
    app = Application(described["Name"], described.get("Version", ""), [], {})
    app.args = described.get("Args")  # type: ignore[assignment]
    app.additional_info = described.get("AdditionalInfo")  # type: ignore[assignment]
    return app


def emr_timestamp(value: datetime | None) -> float | None:
    """EMR's JSON protocol sends epoch seconds."""
    return value.timestamp() if value is not None else None
