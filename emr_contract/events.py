"""The "EMR Cluster State Change" event as EventBridge delivers it: the fields a rule can match on.

The monitoring construct builds its EventBridge rule from these names, and tests (and any fake)
build events from them; neither restates them.

Pages cited below (Amazon EMR Management Guide):
  EVENTS  "When to set up EMR events in CloudWatch", case 3 "Polling EMR for cluster termination":
          https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-service-limits-cloudwatch-events.html
          (read as awsdocs/amazon-emr-management-guide doc_source/emr-service-limits-cloudwatch-events.md
          @ 3ac51d994407a08bddcb182b40b1d5bc162310f3)
  TABLE   "Monitor CloudWatch events", table "Cluster events":
          https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-manage-cloudwatch-events.html
"""
from __future__ import annotations

import json

from .steps import CLUSTER_STATES

# EVENTS: "source": "aws.emr", "detail-type": "EMR Cluster State Change".
SOURCE = "aws.emr"
CLUSTER_STATE_CHANGE = "EMR Cluster State Change"
# EVENTS: detail carries severity, stateChangeReason, name, clusterId, state and message.
DETAIL_CLUSTER_ID = "clusterId"
DETAIL_STATE = "state"
# EVENTS: stateChangeReason is a JSON document *encoded as a string*
# ("{\"code\":\"USER_REQUEST\",\"message\":\"Terminated by user request\"}"), so an event pattern cannot
# match on its code: match on the state instead.
DETAIL_STATE_CHANGE_REASON = "stateChangeReason"

# TABLE: TERMINATED_WITH_ERRORS is CRITICAL ("has terminated with errors"); a normal end (TerminateJobFlows,
# the idle auto-termination, the last step of a transient cluster) is TERMINATED, whose severity depends
# on the reason.
ABNORMAL_END = "TERMINATED_WITH_ERRORS"
NORMAL_END = "TERMINATED"
assert {ABNORMAL_END, NORMAL_END} <= set(CLUSTER_STATES)


def cluster_state_change(cluster_id: str, state: str, code: str = "", message: str = "",
                         *, name: str = "cluster", account: str = "123456789012", region: str = "us-east-1") -> dict:
    """An event of the documented shape (EVENTS), for tests and fakes."""
    if state not in CLUSTER_STATES:
        raise ValueError(f"not a cluster state: {state!r}")
    reason = {"code": code} if not message else {"code": code, "message": message}
    return {
        "version": "0",
        "id": "1234abb0-f87e-1234-b7b6-000000123456",
        "detail-type": CLUSTER_STATE_CHANGE,
        "source": SOURCE,
        "account": account,
        "time": "2016-12-16T21:00:23Z",
        "region": region,
        "resources": [],
        "detail": {
            "severity": "CRITICAL" if state == ABNORMAL_END else "INFO",
            DETAIL_STATE_CHANGE_REASON: json.dumps(reason, separators=(",", ":")),
            "name": name,
            DETAIL_CLUSTER_ID: cluster_id,
            DETAIL_STATE: state,
            "message": f"Amazon EMR Cluster {cluster_id} ({name}) has terminated with a reason of {code}.",
        },
    }
