"""What EMR's step and cluster states mean to a run, plus the observations the adapter hands to the core.

Like botocore's waiter acceptor tables, what each state means lives here; the states, limits and
release gates themselves are EMR's facts in `emr_contract.steps` (each with its AWS source).
Unlike the built-in `step_complete` waiter, INTERRUPTED is terminal.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from emr_contract.steps import (CLUSTER_ACCEPTS_STEPS, CLUSTER_DEAD, LIST_STEPS_MAX_IDS,
                                MAX_ACTIVE_STEPS, STEP_ACTIVE, STEP_TERMINAL, can_cancel_running, can_cancel_steps)

CLUSTER_READY = frozenset({"WAITING"})
CLUSTER_BUSY = frozenset({"RUNNING"})
CLUSTER_ACTIVE = CLUSTER_ACCEPTS_STEPS


class ClusterVerdict(Enum):
    """What the runner should do after one DescribeCluster."""

    READY = "ready"
    WAIT = "wait"
    DEAD = "dead"


class Outcome(str, Enum):
    """Final result of one step in a run; richer than the EMR state (skips, timeouts)."""

    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    INTERRUPTED = "INTERRUPTED"
    CANCELLED = "CANCELLED"
    TIMED_OUT = "TIMED_OUT"
    SKIPPED = "SKIPPED"
    NOT_SUBMITTED = "NOT_SUBMITTED"
    STILL_ACTIVE = "STILL_ACTIVE"


@dataclass(frozen=True)
class FailureInfo:
    """EMR's FailureDetails; it often appears some minutes after the step turned FAILED."""

    reason: str | None = None
    message: str | None = None
    log_file: str | None = None


@dataclass(frozen=True)
class StepObservation:
    """One step as a ListSteps summary described it."""

    step_id: str
    name: str
    state: str
    created: datetime | None = None
    started: datetime | None = None
    ended: datetime | None = None
    failure: FailureInfo | None = None
    reason_code: str | None = None
    reason_message: str | None = None


@dataclass(frozen=True)
class ClusterInfo:
    """The parts of DescribeCluster the runner needs."""

    cluster_id: str
    name: str
    state: str
    step_concurrency_level: int = 1
    release_label: str | None = None
    log_uri: str | None = None
    reason_code: str | None = None
    reason_message: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    auto_terminate: bool = False

    @property
    def can_cancel_running(self) -> bool:
        """CancelSteps reaches RUNNING steps only from EMR 5.28.0 on."""
        return can_cancel_running(self.release_label)

    @property
    def can_cancel(self) -> bool:
        """CancelSteps exists from EMR 4.8.0 on, except 5.0.0."""
        return can_cancel_steps(self.release_label)


def cluster_verdict(state: str, active_steps: int = 0, concurrency: int = 1,
                    auto_terminate: bool = False) -> ClusterVerdict:
    """WAITING is ready; RUNNING is ready only with a free concurrency slot; dead states are final.
    A cluster that ends once no step is left (AutoTerminate) is ready as soon as it takes steps (STARTING
    on): steps submitted after it came up idle would find it gone."""
    if state in CLUSTER_DEAD:
        return ClusterVerdict.DEAD
    if auto_terminate and state in CLUSTER_ACCEPTS_STEPS:
        return ClusterVerdict.READY
    if state in CLUSTER_READY:
        return ClusterVerdict.READY
    if state in CLUSTER_BUSY and active_steps < concurrency:
        return ClusterVerdict.READY
    return ClusterVerdict.WAIT


def release_supports_running_cancel(release_label: str | None) -> bool:
    """True for emr-5.28.0+ and emr-6/7; unknown labels are assumed modern."""
    return can_cancel_running(release_label)
