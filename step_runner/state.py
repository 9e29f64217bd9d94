"""EMR step and cluster states as data, plus the observations the adapter hands to the core.

Like botocore's waiter acceptor tables, what each state means lives here and nowhere else.
Unlike the built-in `step_complete` waiter, INTERRUPTED is terminal.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

STEP_ACTIVE = frozenset({"PENDING", "RUNNING", "CANCEL_PENDING"})
STEP_TERMINAL = frozenset({"COMPLETED", "CANCELLED", "FAILED", "INTERRUPTED"})
STEP_CANCELLABLE_OLD_RELEASE = frozenset({"PENDING"})

CLUSTER_READY = frozenset({"WAITING"})
CLUSTER_BUSY = frozenset({"RUNNING"})
CLUSTER_STARTING = frozenset({"STARTING", "BOOTSTRAPPING"})
CLUSTER_DEAD = frozenset({"TERMINATING", "TERMINATED", "TERMINATED_WITH_ERRORS"})
CLUSTER_ACTIVE = CLUSTER_STARTING | CLUSTER_READY | CLUSTER_BUSY

MAX_ACTIVE_STEPS = 256
LIST_STEPS_MAX_IDS = 10


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

    @property
    def can_cancel_running(self) -> bool:
        """CancelSteps reaches RUNNING steps only from EMR 5.28.0 on."""
        return release_supports_running_cancel(self.release_label)


def cluster_verdict(state: str, active_steps: int = 0, concurrency: int = 1) -> ClusterVerdict:
    """WAITING is ready; RUNNING is ready only with a free concurrency slot; dead states are final."""
    if state in CLUSTER_DEAD:
        return ClusterVerdict.DEAD
    if state in CLUSTER_READY:
        return ClusterVerdict.READY
    if state in CLUSTER_BUSY and active_steps < concurrency:
        return ClusterVerdict.READY
    return ClusterVerdict.WAIT


def release_supports_running_cancel(release_label: str | None) -> bool:
    """True for emr-5.28.0+ and emr-6/7; unknown labels are assumed modern."""
    if not release_label or not release_label.startswith("emr-"):
        return True
    parts = release_label[4:].split(".")
    try:
        nums = tuple(int(p) for p in parts[:3])
    except ValueError:
        return True
    return nums >= (5, 28, 0)
