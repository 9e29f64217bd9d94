"""A thin adapter over a boto3 EMR client passed in by the caller.

It speaks EMR's shapes and limits (10 StepIds per ListSteps, 256 steps per AddJobFlowSteps and
CancelSteps, Marker pagination) and turns botocore errors into the library's typed exceptions.
"""
from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from emr_contract.steps import CANCEL_STEPS_MAX_IDS, ERR_MAX_ACTIVE, MAX_ACTIVE_PATTERN, MAX_ACTIVE_STEPS

from .botocore_errors import aws_config_error, botocore_error, error_parts, transient_error
from ..errors import AwsCallError, ClusterFullError, ClusterNotFoundError, TransientAwsError
from ..state import CLUSTER_ACTIVE, LIST_STEPS_MAX_IDS, STEP_ACTIVE, ClusterInfo, FailureInfo, StepObservation

MAX_STEPS_PER_CALL = MAX_ACTIVE_STEPS
SDK_RETRY_CONFIG = {"mode": "adaptive", "max_attempts": 5}
# AddJobFlowSteps has no idempotency token: an SDK retry after a 5xx or a timeout can create the
# steps twice unseen. The submit client makes one attempt; the runner then reconciles by run token.
SUBMIT_RETRY_CONFIG = {"mode": "standard", "total_max_attempts": 1}


@functools.lru_cache(maxsize=None)
def _session(region: str | None, profile: str | None) -> Any:
    """One boto3 session per (region, profile), so credentials (and any MFA prompt) resolve once."""
    import boto3

    return boto3.session.Session(profile_name=profile, region_name=region)


def make_clients(region: str | None = None, profile: str | None = None) -> tuple[Any, Any]:
    """EMR and S3 clients with adaptive client-side rate limiting. An unknown profile or a missing region
    raises AwsConfigError before any call."""
    from botocore.config import Config

    config = Config(retries=dict(SDK_RETRY_CONFIG))
    try:
        session = _session(region, profile)
        return session.client("emr", config=config), session.client("s3", config=config)
    except BotoCoreError as exc:
        raise aws_config_error(exc, region, profile) from exc


def make_submit_client(region: str | None = None, profile: str | None = None) -> Any:
    """The EMR client for AddJobFlowSteps alone: SDK retries off (see SUBMIT_RETRY_CONFIG)."""
    from botocore.config import Config

    try:
        return _session(region, profile).client("emr", config=Config(retries=dict(SUBMIT_RETRY_CONFIG)))
    except BotoCoreError as exc:
        raise aws_config_error(exc, region, profile) from exc


def chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield list(items[i:i + size])


def observation(summary: dict[str, Any]) -> StepObservation:
    """A ListSteps StepSummary (or DescribeStep Step) as the core's StepObservation."""
    status = summary.get("Status", {})
    timeline = status.get("Timeline", {})
    reason = status.get("StateChangeReason", {})
    fd = status.get("FailureDetails")
    failure = FailureInfo(fd.get("Reason"), fd.get("Message"), fd.get("LogFile")) if fd else None
    return StepObservation(
        step_id=summary["Id"],
        name=summary.get("Name", ""),
        state=status.get("State", "PENDING"),
        created=timeline.get("CreationDateTime"),
        started=timeline.get("StartDateTime"),
        ended=timeline.get("EndDateTime"),
        failure=failure,
        reason_code=reason.get("Code"),
        reason_message=reason.get("Message"),
    )


class EmrAdapter:
    """EMR calls the runner needs, one method per intent.

    `submit_client` sends AddJobFlowSteps and nothing else; give it SDK retries off
    (`make_submit_client`). By default AddJobFlowSteps goes through `emr_client`, which is right only
    when that client does not retry either (botocore Stubber): otherwise a 5xx or timeout retried
    inside botocore can create a step twice without the runner seeing the first copy.
    """

    def __init__(self, emr_client: Any, *, submit_client: Any | None = None) -> None:
        self.emr = emr_client
        self.submit_client = submit_client if submit_client is not None else emr_client
        self.calls = 0

    def _call(self, operation: str, *, via: Any | None = None, **kwargs: Any) -> dict[str, Any]:
        method = getattr(via if via is not None else self.emr, xform_name(operation))
        self.calls += 1
        try:
            return method(**kwargs)
        except ClientError as exc:
            transient = transient_error(operation, exc)
            if transient is not None:
                raise transient from exc
            code, message, _ = error_parts(exc)
            if code == ERR_MAX_ACTIVE[0] and MAX_ACTIVE_PATTERN.match(message):
                raise ClusterFullError(operation, code, message) from exc
            raise AwsCallError(operation, code, message) from exc
        except (HTTPClientError, BotoConnectionError) as exc:
            raise TransientAwsError(operation, type(exc).__name__, str(exc)) from exc
        except BotoCoreError as exc:
            raise botocore_error(operation, exc) from exc

    def describe_cluster(self, cluster_id: str) -> ClusterInfo:
        try:
            c = self._call("DescribeCluster", ClusterId=cluster_id)["Cluster"]
        except AwsCallError as exc:
            if exc.code in ("InvalidRequestException", "ValidationException"):
                raise ClusterNotFoundError(f"no cluster {cluster_id}: {exc}") from exc
            raise
        status = c.get("Status", {})
        reason = status.get("StateChangeReason", {})
        return ClusterInfo(
            cluster_id=c.get("Id", cluster_id),
            name=c.get("Name", ""),
            state=status.get("State", "STARTING"),
            step_concurrency_level=int(c.get("StepConcurrencyLevel") or 1),
            release_label=c.get("ReleaseLabel"),
            log_uri=c.get("LogUri"),
            reason_code=reason.get("Code"),
            reason_message=reason.get("Message"),
            tags={t["Key"]: t.get("Value", "") for t in c.get("Tags") or [] if "Key" in t},
            auto_terminate=bool(c.get("AutoTerminate")),
        )

    def describe_step(self, cluster_id: str, step_id: str) -> tuple[StepObservation, list[str]]:
        """One step (DescribeStep): its observation and its command-runner arguments."""
        step = self._call("DescribeStep", ClusterId=cluster_id, StepId=step_id)["Step"]
        return observation(step), list(step.get("Config", {}).get("Args") or [])

    def find_cluster_by_name(self, name: str) -> str:
        """The id of the one active cluster with this name (ListClusters, all pages)."""
        matches: list[str] = []
        kwargs: dict[str, Any] = {"ClusterStates": sorted(CLUSTER_ACTIVE)}
        while True:
            page = self._call("ListClusters", **kwargs)
            matches += [c["Id"] for c in page.get("Clusters", []) if c.get("Name") == name]
            if not page.get("Marker"):
                break
            kwargs["Marker"] = page["Marker"]
        if not matches:
            raise ClusterNotFoundError(f"no active cluster named {name!r}")
        if len(matches) > 1:
            raise ClusterNotFoundError(f"{len(matches)} active clusters are named {name!r} "
                                       f"({', '.join(matches)}); pass --cluster-id")
        return matches[0]

    def count_active_steps(self, cluster_id: str) -> int:
        """Steps PENDING/RUNNING/CANCEL_PENDING on the cluster, ours or anyone's."""
        return sum(1 for _ in self._list(cluster_id, StepStates=sorted(STEP_ACTIVE)))

    def add_steps(self, cluster_id: str, configs: Sequence[dict[str, Any]]) -> list[str]:
        """Submit in as few AddJobFlowSteps calls as EMR allows; ids come back in order.
        One attempt per batch (see `submit_client`): after a TransientAwsError the steps may or may
        not exist, and the caller must look for them (ListSteps, by run token) before submitting again."""
        ids: list[str] = []
        for batch in chunks(configs, MAX_STEPS_PER_CALL):
            ids += self._call("AddJobFlowSteps", via=self.submit_client, JobFlowId=cluster_id, Steps=batch)["StepIds"]
        return ids

    def list_steps(self, cluster_id: str, step_ids: Sequence[str]) -> list[StepObservation]:
        """Status of the given steps, 10 ids per ListSteps call."""
        found: list[StepObservation] = []
        for batch in chunks(step_ids, LIST_STEPS_MAX_IDS):
            found += list(self._list(cluster_id, StepIds=batch))
        return found

    def iter_all_steps(self, cluster_id: str, created_after: datetime | None = None) -> Iterator[StepObservation]:
        """Every step on the cluster, newest first (pages of 50); stops at steps older than created_after."""
        for obs in self._list(cluster_id):
            if created_after is not None and obs.created is not None and obs.created < created_after:
                return
            yield obs

    def _list(self, cluster_id: str, **filters: Any) -> Iterator[StepObservation]:
        kwargs: dict[str, Any] = {"ClusterId": cluster_id, **filters}
        while True:
            page = self._call("ListSteps", **kwargs)
            for summary in page.get("Steps", []):
                yield observation(summary)
            if not page.get("Marker"):
                return
            kwargs["Marker"] = page["Marker"]

    @property
    def region(self) -> str:
        return str(self.emr.meta.region_name)

    def cluster_usage(self, cluster_id: str) -> Any:
        """The cluster's instance timelines (emr_cost.timelines: DescribeCluster, ListInstanceGroups or
        ListInstanceFleets, every ListInstances page), through this adapter's calls and errors."""
        from emr_cost.timelines import read_cluster

        return read_cluster(self._call, cluster_id, self.region)

    def cancel_steps(self, cluster_id: str, step_ids: Sequence[str], option: str | None) -> list[dict[str, Any]]:
        """CancelSteps; `option` is None for releases before 5.28, which ignore it."""
        results: list[dict[str, Any]] = []
        for batch in chunks(step_ids, CANCEL_STEPS_MAX_IDS):
            kwargs: dict[str, Any] = {"ClusterId": cluster_id, "StepIds": batch}
            if option:
                kwargs["StepCancellationOption"] = option
            results += self._call("CancelSteps", **kwargs).get("CancelStepsInfoList", [])
        return results

