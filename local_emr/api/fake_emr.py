"""A strict in-process EMR for unit tests: the step rules of ``steps.model`` behind a real botocore client.

    fake = FakeEmr(now=lambda: 1_764_072_000.0)
    cluster = fake.add_cluster(state="WAITING", step_concurrency_level=1, keep_alive=False)
    emr = boto3.client("emr", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    fake.attach(emr)                       # every EMR call of this client now goes to the fake
    ...
    fake.tick()                            # EMR's own progress: start PENDING steps, finish ending clusters
    fake.finish(step_id, "FAILED", failure={"Reason": "..."})

``attach`` hooks botocore's ``before-send`` event, so botocore still validates and serializes the
request, and parses the answer (or the error, by its ``__type``) exactly as it does EMR's. The fake
answers the calls a step client makes (AddJobFlowSteps, ListSteps, DescribeStep, CancelSteps,
DescribeCluster, ListClusters, TerminateJobFlows, ModifyCluster, SetKeepJobFlowAliveWhenNoSteps) and
refuses the others loudly. Steps move only when the test says so (``tick``, ``finish``), like mrjob's
mock EMR; nothing runs.
"""
from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from emr_contract import s3_layout
from emr_contract import steps as emr

from ..steps.model import EmrApiError, ModelStep, StepBook

JSON_CONTENT_TYPE = "application/x-amz-json-1.1"


@dataclass(eq=False)
class FakeCluster:
    """A cluster as far as steps care. ``state`` and the rest are plain attributes tests may set."""

    id: str
    name: str
    state: str
    release_label: str | None
    step_concurrency_level: int
    keep_alive: bool
    log_uri: str | None
    tags: dict[str, str]
    created: float
    reason_code: str | None = None
    reason_message: str | None = None
    ended: float | None = None
    termination_protected: bool = False
    with_errors: bool = False
    book: StepBook = field(init=False)

    def end(self, code: str, message: str, with_errors: bool) -> None:
        if self.state in emr.CLUSTER_DEAD:
            return
        self.state, self.reason_code, self.reason_message = "TERMINATING", code, message
        self.with_errors = with_errors
        self.book.on_cluster_end(code)

    def finish_termination(self) -> None:
        """TERMINATING -> TERMINATED[_WITH_ERRORS] once the steps that ran are stopped."""
        if self.state != "TERMINATING":
            return
        for step in self.book.steps:
            if step.active:
                step.state, step.ended = StepBook.end_state_for(self.reason_code or ""), self.book.now()
        self.state = "TERMINATED_WITH_ERRORS" if self.with_errors else "TERMINATED"
        self.ended = self.book.now()

    def describe(self) -> dict[str, Any]:
        reason = {k: v for k, v in (("Code", self.reason_code), ("Message", self.reason_message)) if v}
        timeline = {"CreationDateTime": self.created, **({"EndDateTime": self.ended} if self.ended else {})}
        cluster = {
            "Id": self.id, "Name": self.name, "Status": {"State": self.state, "StateChangeReason": reason,
                                                         "Timeline": timeline},
            "AutoTerminate": not self.keep_alive, "TerminationProtected": self.termination_protected,
            "StepConcurrencyLevel": self.step_concurrency_level,
            "Tags": [{"Key": k, "Value": v} for k, v in self.tags.items()],
            "ClusterArn": f"arn:aws:elasticmapreduce:us-east-1:123456789012:cluster/{self.id}",
        }
        log_uri = s3_layout.as_described(self.log_uri) if self.log_uri else None
        for key, value in (("ReleaseLabel", self.release_label), ("LogUri", log_uri)):
            if value is not None:
                cluster[key] = value
        return cluster


class FakeEmr:
    """Clusters and their steps; the API answers in EMR's JSON protocol."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self.clusters: dict[str, FakeCluster] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._ids = itertools.count(1)

    # --- test-side setup and progress ----------------------------------------------------------------

    def add_cluster(self, *, state: str = "WAITING", name: str = "spark", release_label: str | None = "emr-7.5.0",
                    step_concurrency_level: int = 1, keep_alive: bool = True, log_uri: str | None = None,
                    tags: Mapping[str, str] | None = None, cluster_id: str | None = None) -> FakeCluster:
        if not emr.MIN_STEP_CONCURRENCY <= step_concurrency_level <= emr.MAX_STEP_CONCURRENCY:
            raise ValueError(f"StepConcurrencyLevel must be {emr.MIN_STEP_CONCURRENCY}-{emr.MAX_STEP_CONCURRENCY}")
        cid = cluster_id or f"j-{next(self._ids):013d}"
        cluster = FakeCluster(cid, name, state, release_label, step_concurrency_level, keep_alive, log_uri,
                              dict(tags or {}), self.now())
        cluster.book = StepBook(cluster, now=self.now, new_id=lambda: f"s-{next(self._ids):013d}")
        self.clusters[cid] = cluster
        return cluster

    def step(self, step_id: str) -> tuple[FakeCluster, ModelStep]:
        for cluster in self.clusters.values():
            for s in cluster.book.steps:
                if s.id == step_id:
                    return cluster, s
        raise KeyError(step_id)

    def tick(self) -> None:
        """What EMR does between two calls: start the steps that may start, end clusters with no steps left,
        finish terminations."""
        for cluster in self.clusters.values():
            cluster.finish_termination()
            for s in cluster.book.startable():
                cluster.book.start(s)
            if cluster.state in ("RUNNING", "WAITING"):
                busy = any(s.state in ("RUNNING", "CANCEL_PENDING") for s in cluster.book.steps)
                cluster.state = "RUNNING" if busy else "WAITING"
            cluster.book.settle()

    def finish(self, step_id: str, state: str, *, failure: Mapping[str, str] | None = None,
               message: str | None = None) -> None:
        cluster, s = self.step(step_id)
        cluster.book.finish(s, state, failure=failure, message=message)

    # --- the API --------------------------------------------------------------------------------------

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((operation, params))
        handler = getattr(self, f"_op_{operation}", None)
        if handler is None:
            raise NotImplementedError(f"FakeEmr does not answer {operation}")
        return handler(params)

    def _cluster(self, cluster_id: Any, *, job_flow: bool = False) -> FakeCluster:
        cluster = self.clusters.get(str(cluster_id))
        if cluster is None:
            if job_flow:
                raise EmrApiError.of(emr.ERR_JOB_FLOW_NOT_FOUND)
            raise EmrApiError.of(emr.ERR_CLUSTER_NOT_FOUND, cluster_id=cluster_id)
        return cluster

    def _op_AddJobFlowSteps(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._cluster(p.get("JobFlowId"), job_flow=True).book.add_job_flow_steps(p)

    def _op_ListSteps(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._cluster(p.get("ClusterId")).book.list_steps(p)

    def _op_DescribeStep(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._cluster(p.get("ClusterId")).book.describe_step(p)

    def _op_CancelSteps(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._cluster(p.get("ClusterId")).book.cancel_steps(p)

    def _op_DescribeCluster(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"Cluster": self._cluster(p.get("ClusterId")).describe()}

    def _op_ListClusters(self, p: dict[str, Any]) -> dict[str, Any]:
        wanted = set(p.get("ClusterStates") or emr.CLUSTER_STATES)
        found = [c for c in reversed(list(self.clusters.values())) if c.state in wanted]
        start = int(p.get("Marker") or 0)
        page = found[start:start + 50]
        answer: dict[str, Any] = {"Clusters": [
            {"Id": c.id, "Name": c.name, "Status": c.describe()["Status"]} for c in page]}
        if start + 50 < len(found):
            answer["Marker"] = str(start + 50)
        return answer

    def _op_TerminateJobFlows(self, p: dict[str, Any]) -> dict[str, Any]:
        for cluster_id in p.get("JobFlowIds") or []:
            cluster = self._cluster(cluster_id, job_flow=True)
            if cluster.termination_protected:
                raise EmrApiError("ValidationException", "Could not shut down one or more job flows since they "
                                                         "are termination protected.")  # wording: a guess
            cluster.end(emr.REASON_USER_REQUEST, "Terminated by user request", False)
        return {}

    def _op_ModifyCluster(self, p: dict[str, Any]) -> dict[str, Any]:
        cluster = self._cluster(p.get("ClusterId"))
        level = p.get("StepConcurrencyLevel")
        if level is not None:
            if not emr.MIN_STEP_CONCURRENCY <= int(level) <= emr.MAX_STEP_CONCURRENCY:
                raise EmrApiError("ValidationException",
                                  "Invalid step concurrency level. Allowed level is from 1 to 256")  # mrjob's
            cluster.step_concurrency_level = int(level)
        return {"StepConcurrencyLevel": cluster.step_concurrency_level}

    def _op_SetKeepJobFlowAliveWhenNoSteps(self, p: dict[str, Any]) -> dict[str, Any]:
        for cluster_id in p.get("JobFlowIds") or []:
            self._cluster(cluster_id, job_flow=True).keep_alive = bool(p.get("KeepJobFlowAliveWhenNoSteps"))
        return {}

    # --- botocore plumbing ----------------------------------------------------------------------------

    def attach(self, client: Any) -> Any:
        """Answer every call of this botocore EMR client; returns the client."""
        client.meta.events.register("before-send.emr", self._send)
        return client

    def _send(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        target = request.headers.get("X-Amz-Target", b"")
        operation = (target.decode() if isinstance(target, bytes) else target).split(".", 1)[-1]
        body = request.body or b"{}"
        params = json.loads(body.decode() if isinstance(body, bytes) else body)
        try:
            status, payload = 200, self.handle(operation, params)
        except EmrApiError as err:
            status, payload = 400, {"__type": err.code, "message": err.message}
        data = json.dumps(payload).encode()
        headers = {"Content-Type": JSON_CONTENT_TYPE, "Content-Length": str(len(data)),
                   "x-amzn-RequestId": f"fake-{len(self.calls)}"}
        return AWSResponse(request.url, status, headers, _Raw(data))


class _Raw:
    """The urllib3-like body botocore reads an AWSResponse from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, *_: Any, **__: Any) -> Any:
        yield self._data


__all__ = ["FakeEmr", "FakeCluster"]
