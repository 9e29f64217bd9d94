"""The CloudWatch Logs names of EMR step logs: what the nodes write, the emulator writes and the runner reads.

The constructs' bootstrap script ships this very file to every node next to the watcher
(emr_constructs/logs/step_logs_agent.py), so it stays standard library only and runs on Python 3.7.

- log group: the stack output `log_group` when there is one, else `/aws/emr/<cluster_id>` (log_group_from_cluster_id); clusters that
  ship step logs also carry the tag `emr-log-group=<group>` (`LOG_GROUP_TAG`)
- step streams: `<cluster_id>/steps/<step_id>/stdout` and `<cluster_id>/steps/<step_id>/stderr`
- YARN container streams (cluster deploy mode):
  `<cluster_id>/containers/<application_id>/<container_id>/stderr` (and `/stdout`); the Spark driver is
  the application's first container, `container_<cluster-ts>_<app-seq>_<attempt:02d>_000001`.

How soon a line arrives (the shipping timing below) is part of the contract too: the watcher and the agent
config use it on the nodes, the emulator ships lines with the same delays, and the runner waits that long for a
finished step's last lines.

Pure functions only: no AWS calls.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

LOG_GROUP_PREFIX = "/aws/emr/"
LOG_GROUP_TAG = "emr-log-group"  # cluster tag naming the group the cluster ships its step logs to
STEP_STREAMS = ("stdout", "stderr")
CONTAINER_STREAMS = ("stdout", "stderr")

# ---- shipping timing ---------------------------------------------------------------------------------------
AGENT_FLUSH_SECONDS = 1
"""``logs.force_flush_interval`` of the agent config the watcher appends: the shortest the agent takes, an
integer of seconds, at least 1 (timeIntervalDefinition in aws/amazon-cloudwatch-agent's
translator/config/schema.json @ ab55b8daa204e95c42c0267ee5aa49ec3b3a7317); the default is 5
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html,
logs section). The agent starts a batch's timer at its first event and sends when the timer fires and this long
has passed since its last send (plugins/outputs/cloudwatchlogs/internal/pusher/queue.go, same commit), so a lone
line waits about this long. Each send is one PutLogEvents per stream: at most one a second per step stream, and
none while a step is quiet."""
WATCHER_SCAN_SECONDS = 1.0
"""How often the node watcher looks for new step and container directories (two directory listings: cheap); a
new step's first lines wait for it."""
WATCHER_MIN_APPLY_SECONDS = 10.0
"""Applies of the agent config are at least this far apart: each one restarts the agent."""

_APP_ID = re.compile(r"^application_(\d+)_(\d+)$")
_CONTAINER_ID = re.compile(r"^container_(?:e\d+_)?(\d+)_(\d+)_(\d+)_(\d+)$")
# CloudWatch Logs forbids ':' and '*' in stream names; '/' would break our own hierarchy.
_BAD_PART = re.compile(r"[:*/\s]")
_GROUP_OK = re.compile(r"^[\w./#-]{1,512}$")


def _part(value: str, what: str) -> str:
    if not value or _BAD_PART.search(value):
        raise ValueError(f"{what} {value!r} cannot be part of a CloudWatch Logs stream name")
    return value


def log_group_from_cluster_id(cluster_id: str) -> str:
    """`/aws/emr/<cluster_id>`: the group when the stack does not declare one."""
    return LOG_GROUP_PREFIX + _part(cluster_id, "cluster id")


def log_group_problem(name: str) -> str | None:
    """Why ``name`` is no CloudWatch Logs group name, or None."""
    return None if _GROUP_OK.match(name) else f"log group {name!r} is not a valid CloudWatch Logs group name"


def log_group_for(cluster_id: str, outputs_log_group: str | None = None) -> str:
    """The stack output `log_group` if present, else `/aws/emr/<cluster_id>`."""
    if outputs_log_group:
        problem = log_group_problem(outputs_log_group)
        if problem:
            raise ValueError(problem)
        return outputs_log_group
    return log_group_from_cluster_id(cluster_id)


def choose_log_group(cluster_id: str, *, flag: str | None = None, output: str | None = None,
                     tag: str | None = None) -> tuple[str, str]:
    """(group, where it came from), the first of: a ``--log-group`` flag, the stack output ``log_group``, the
    cluster's ``emr-log-group`` tag, else ``/aws/emr/<cluster_id>``. Raises ValueError naming the source of an
    invalid name. The one resolver for every reader (``emr-steps --follow`` and ``explain``)."""
    for value, source in ((flag, "--log-group"), (output, "output log_group"), (tag, f"cluster tag {LOG_GROUP_TAG}")):
        if value:
            try:
                return log_group_for(cluster_id, value), source
            except ValueError as exc:
                raise ValueError(f"{source}: {exc}") from exc
    return log_group_for(cluster_id), "default"


def step_stream_prefix(cluster_id: str, step_id: str) -> str:
    """`<cluster_id>/steps/<step_id>/`: every stream of one step starts with this."""
    return f"{_part(cluster_id, 'cluster id')}/steps/{_part(step_id, 'step id')}/"


def step_stream(cluster_id: str, step_id: str, stream: str) -> str:
    """`<cluster_id>/steps/<step_id>/stdout` or `.../stderr`."""
    if stream not in STEP_STREAMS:
        raise ValueError(f"step stream must be one of {STEP_STREAMS}, not {stream!r}")
    return step_stream_prefix(cluster_id, step_id) + stream


def container_stream_prefix(cluster_id: str, application_id: str, container_id: str | None = None) -> str:
    """`<cluster_id>/containers/<application_id>/` or, with a container, `.../<container_id>/`."""
    if not _APP_ID.match(application_id):
        raise ValueError(f"{application_id!r} is not a YARN application id (application_<ts>_<seq>)")
    prefix = f"{_part(cluster_id, 'cluster id')}/containers/{application_id}/"
    if container_id is None:
        return prefix
    if not _CONTAINER_ID.match(container_id):
        raise ValueError(f"{container_id!r} is not a YARN container id")
    return f"{prefix}{container_id}/"


def container_stream(cluster_id: str, application_id: str, container_id: str, stream: str = "stderr") -> str:
    """`<cluster_id>/containers/<application_id>/<container_id>/stderr` (or `stdout`)."""
    if stream not in CONTAINER_STREAMS:
        raise ValueError(f"container stream must be one of {CONTAINER_STREAMS}, not {stream!r}")
    return container_stream_prefix(cluster_id, application_id, container_id) + stream


def driver_container_id(application_id: str, attempt: int = 1) -> str:
    """The first container of an application attempt: in cluster deploy mode, the Spark driver.

    `application_1764072000000_0011` -> `container_1764072000000_0011_01_000001`.
    """
    m = _APP_ID.match(application_id)
    if not m:
        raise ValueError(f"{application_id!r} is not a YARN application id (application_<ts>_<seq>)")
    if not 1 <= attempt <= 99:
        raise ValueError(f"attempt must be 1..99, not {attempt}")
    return f"container_{m.group(1)}_{m.group(2)}_{attempt:02d}_000001"


def driver_stream(cluster_id: str, application_id: str, stream: str = "stderr", attempt: int = 1) -> str:
    """The driver container's stream in cluster deploy mode."""
    return container_stream(cluster_id, application_id, driver_container_id(application_id, attempt), stream)


@dataclass(frozen=True)
class StreamRef:
    """What a stream name says: whose log it is and which output."""

    cluster_id: str
    stream: str
    step_id: str | None = None
    application_id: str | None = None
    container_id: str | None = None


def parse_stream_name(name: str) -> StreamRef | None:
    """The inverse of step_stream / container_stream; None for names outside the contract."""
    parts = name.split("/")
    if len(parts) == 4 and parts[1] == "steps" and parts[3] in STEP_STREAMS and parts[0] and parts[2]:
        return StreamRef(parts[0], parts[3], step_id=parts[2])
    if (len(parts) == 5 and parts[1] == "containers" and parts[4] in CONTAINER_STREAMS and parts[0]
            and _APP_ID.match(parts[2]) and _CONTAINER_ID.match(parts[3])):
        return StreamRef(parts[0], parts[4], application_id=parts[2], container_id=parts[3])
    return None


__all__ = [
    "LOG_GROUP_PREFIX", "LOG_GROUP_TAG", "STEP_STREAMS", "CONTAINER_STREAMS", "StreamRef",
    "log_group_from_cluster_id", "log_group_for", "step_stream_prefix", "step_stream", "container_stream_prefix",
    "container_stream", "driver_container_id", "driver_stream", "parse_stream_name",
]
