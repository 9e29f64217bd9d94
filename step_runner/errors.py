"""Typed exceptions of the step runner library.

The library never exits the process: the CLI maps these classes to exit codes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class StepRunnerError(Exception):
    """Base class of every error the library raises on purpose. An error that ends a run that had started
    carries the run's report so far in `report` (steps submitted, their states), so callers still show it."""

    report: Any = None


@dataclass(frozen=True)
class Problem:
    """One broken rule in user input: where it is, what it holds, what was expected.

    emr_constructs has its own Problem on purpose: the runner is installed and used without the constructs
    (a laptop, an Airflow worker), the layering keeps the two apart, and the two speak to different readers
    (a spec file's path and line here; a props field and `terraform validate` there). Only what both halves
    must agree on lives in emr_contract."""

    field: str
    value: object
    rule: str

    def __str__(self) -> str:
        return f"{self.field}: {self.rule} (got {self.value!r})"


class InputError(StepRunnerError):
    """User input (arguments, files) is unusable; nothing was sent to AWS."""


class SpecError(InputError):
    """A step spec file broke one or more rules; all of them are listed at once."""

    def __init__(self, problems: list[Problem], source: str = "step spec") -> None:
        self.problems = list(problems)
        self.source = source
        if len(self.problems) == 1:
            super().__init__(f"{source}: {self.problems[0]}")
            return
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source} has {len(self.problems)} problems:\n{lines}")


class OutputsError(InputError):
    """The stack outputs file is missing, malformed or ambiguous."""


class ClusterNotFoundError(InputError):
    """No active cluster matches the given id or name."""


class ResumeError(InputError):
    """A run cannot be resumed (unknown run id, state file and arguments disagree)."""


class AwsConfigError(InputError):
    """The AWS configuration is unusable (no region, unknown profile): nothing was sent to AWS."""


class ClusterDiedError(StepRunnerError):
    """The cluster is terminating or terminated; steps cannot run on it."""

    def __init__(self, cluster_id: str, state: str, code: str | None, message: str | None) -> None:
        self.cluster_id = cluster_id
        self.state = state
        self.code = code
        self.message = message
        super().__init__(f"cluster {cluster_id} is {state}: {code or 'no reason code'}: {message or 'no message'}")


class ClusterWaitTimeout(StepRunnerError):
    """The cluster did not become ready for steps in time."""

    def __init__(self, cluster_id: str, last_state: str, waited: float) -> None:
        self.cluster_id = cluster_id
        self.last_state = last_state
        self.waited = waited
        super().__init__(f"cluster {cluster_id} still {last_state} after {waited:.0f}s")


class AwsCallError(StepRunnerError):
    """An EMR or S3 call failed in a way retrying will not fix (e.g. AccessDenied)."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        self.operation = operation
        self.code = code
        super().__init__(f"{operation} failed: {code}: {message}")


class CredentialsError(AwsCallError):
    """No usable AWS credentials (none found, partial, expired SSO token, a failing credential process)."""


class ClusterFullError(AwsCallError):
    """EMR refused AddJobFlowSteps: the cluster already has 256 active steps, counting every client's."""


class TransientAwsError(StepRunnerError):
    """A call failed in a way that may pass on a later attempt (5xx, throttling, timeouts)."""

    def __init__(self, operation: str, code: str, message: str = "") -> None:
        self.operation = operation
        self.code = code
        super().__init__(f"{operation} failed transiently: {code}: {message}")


class ThrottledError(TransientAwsError):
    """AWS throttled a call even after the SDK's own retries; the caller should back off."""


class RunAbandoned(StepRunnerError):
    """A second Ctrl-C: the runner stopped at once; submitted steps keep running (`--resume` re-attaches)."""


class RunCancelled(StepRunnerError):
    """The user asked to stop before any step was submitted."""
