"""The small interface log readers implement, so the runner does not care where logs live.

Today: S3 after a step ends (s3_logs.S3StepLogs). Later, `--follow` can add a CloudWatch Logs or
incremental-S3 implementation with a `read_stderr_since(cursor)` method without touching the runner.
"""
from __future__ import annotations

from typing import Protocol


class StepLogSource(Protocol):
    def location(self, cluster_id: str, step_id: str) -> str | None:
        """Where the step's logs live (e.g. s3://bucket/logs/j-1/steps/s-1/), or None if unknown."""

    def read_stderr(self, cluster_id: str, step_id: str) -> str | None:
        """The step's whole stderr as text (all rotated parts, oldest first), or None if absent."""

    # Optional (the runner uses them when present): the step's stdout, and the driver container's
    # (stdout, stderr) in cluster deploy mode.
    #   def read_stdout(self, cluster_id: str, step_id: str) -> str | None
    #   def read_driver(self, cluster_id: str, application_id: str) -> tuple[str | None, str | None]

