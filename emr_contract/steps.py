"""Amazon EMR's step API as facts: states, limits, release gates and the errors EMR answers with.

The step runner obeys these facts and the emulator (local_emr) enforces them; neither restates them.
Each fact names the AWS page it comes from. Where AWS documents a rule but not the wording of its
error, the wording here is marked as a guess.

Pages cited below (Amazon EMR API Reference unless noted):
  ADD   https://docs.aws.amazon.com/emr/latest/APIReference/API_AddJobFlowSteps.html
  CFG   https://docs.aws.amazon.com/emr/latest/APIReference/API_StepConfig.html
  LIST  https://docs.aws.amazon.com/emr/latest/APIReference/API_ListSteps.html
  CAN   https://docs.aws.amazon.com/emr/latest/APIReference/API_CancelSteps.html
  INFO  https://docs.aws.amazon.com/emr/latest/APIReference/API_CancelStepsInfo.html
  STAT  https://docs.aws.amazon.com/emr/latest/APIReference/API_StepStatus.html
  CSCR  https://docs.aws.amazon.com/emr/latest/APIReference/API_ClusterStateChangeReason.html
  CLU   https://docs.aws.amazon.com/emr/latest/APIReference/API_Cluster.html
  MOD   https://docs.aws.amazon.com/emr/latest/APIReference/API_ModifyCluster.html
  TERM  Management Guide, "Configuring a cluster to continue or terminate after step execution":
        https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-plan-longrunning-transient.html
  MOCK  mrjob's mock EMR (Yelp/mrjob tests/mock_boto3/emr.py), whose error wordings were taken from the
        real service: used for wordings the API Reference does not give.
"""
from __future__ import annotations

import re

from .releases import Gate, release

# --- states (STAT; ClusterStatus in CLU) -----------------------------------------------------------

STEP_STATES = ("PENDING", "CANCEL_PENDING", "RUNNING", "COMPLETED", "CANCELLED", "FAILED", "INTERRUPTED")
# What counts against the active-step limit: the error names these three (see ERR_MAX_ACTIVE).
STEP_ACTIVE = frozenset({"PENDING", "RUNNING", "CANCEL_PENDING"})
STEP_TERMINAL = frozenset({"COMPLETED", "CANCELLED", "FAILED", "INTERRUPTED"})

CLUSTER_STATES = ("STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING", "TERMINATING", "TERMINATED",
                  "TERMINATED_WITH_ERRORS")
CLUSTER_STARTING = frozenset({"STARTING", "BOOTSTRAPPING"})
CLUSTER_DEAD = frozenset({"TERMINATING", "TERMINATED", "TERMINATED_WITH_ERRORS"})
CLUSTER_ENDED = frozenset({"TERMINATED", "TERMINATED_WITH_ERRORS"})
# ADD: "You can only add steps to a cluster that is in one of the following states: STARTING,
# BOOTSTRAPPING, RUNNING, or WAITING."
CLUSTER_ACCEPTS_STEPS = frozenset({"STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"})

# CSCR: ClusterStateChangeReason codes. A cluster that ends with ALL_STEPS_COMPLETED ran out of steps
# while KeepJobFlowAliveWhenNoSteps was false (TERM); STEP_FAILURE follows a step whose ActionOnFailure
# was TERMINATE_CLUSTER / TERMINATE_JOB_FLOW (CFG); USER_REQUEST is TerminateJobFlows.
REASON_ALL_STEPS_COMPLETED = "ALL_STEPS_COMPLETED"
REASON_STEP_FAILURE = "STEP_FAILURE"
REASON_USER_REQUEST = "USER_REQUEST"
REASON_BOOTSTRAP_FAILURE = "BOOTSTRAP_FAILURE"
CLUSTER_REASON_CODES = ("INTERNAL_ERROR", "VALIDATION_ERROR", "INSTANCE_FAILURE", "INSTANCE_FLEET_TIMEOUT",
                        REASON_BOOTSTRAP_FAILURE, REASON_USER_REQUEST, REASON_STEP_FAILURE,
                        REASON_ALL_STEPS_COMPLETED)
# The message EMR pairs with ALL_STEPS_COMPLETED ("Steps completed"): seen on real clusters, not on a
# documentation page.
MESSAGE_ALL_STEPS_COMPLETED = "Steps completed"

# --- AddJobFlowSteps / StepConfig -------------------------------------------------------------------

# ADD: "A maximum of 256 steps are allowed in each job flow"; EMR counts PENDING, RUNNING and
# CANCEL_PENDING steps of every client of the cluster. The refusal below is EMR's own answer, as captured
# in gchq/sleeper (java/bulk-import/bulk-import-starter/src/test/resources/example/persistent-emr/
# addjobflow-error-cluster-full.json; issue gchq/sleeper#4434).
MAX_ACTIVE_STEPS = 256
ERR_MAX_ACTIVE = ("ValidationException",
                  "Maximum number of active steps(State = 'Running', 'Pending' or 'Cancel_Pending') for cluster "
                  "exceeded.")
# How clients recognise that refusal (the pattern gchq/sleeper matches it with).
MAX_ACTIVE_PATTERN = re.compile(r"Maximum number of active steps.+ for cluster exceeded\.?")
# CFG: Name "Length Constraints: Minimum length of 0. Maximum length of 256", pattern below (botocore checks
# neither, so EMR's server does). The pattern is EMR's XmlString, which every name and path of the API uses.
MAX_STEP_NAME = 256
XML_STRING = re.compile("[\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff\r\n\t]*")
# ADD, Note: "The string values passed into HadoopJarStep object cannot exceed a total of 10240 characters."
MAX_HADOOP_JAR_STEP_CHARS = 10240
# CFG: Jar and MainClass are strings of at most 10280 characters.
MAX_JAR_CHARS = 10280
# CFG: ActionOnFailure values; TERMINATE_JOB_FLOW is the old name of TERMINATE_CLUSTER.
ACTIONS_ON_FAILURE = ("TERMINATE_JOB_FLOW", "TERMINATE_CLUSTER", "CANCEL_AND_WAIT", "CONTINUE")
TERMINATE_ACTIONS = frozenset({"TERMINATE_JOB_FLOW", "TERMINATE_CLUSTER"})
CANCEL_AND_WAIT = "CANCEL_AND_WAIT"
CONTINUE = "CONTINUE"
# CFG: "If a cluster's StepConcurrencyLevel is greater than 1, do not use AddJobFlowSteps to submit a step
# with this parameter set to CANCEL_AND_WAIT or TERMINATE_CLUSTER. The step is not submitted and the action
# fails with a message that the ActionOnFailure setting is not valid." (wording of the message: a guess)
# The wording is MOCK's.
ACTIONS_WITH_CONCURRENCY = frozenset({CONTINUE})
ERR_ACTION_WITH_CONCURRENCY = ("ValidationException", "Action on failure '{action}' is invalid.")
# RunJobFlow's and AddJobFlowSteps' default when a step names no ActionOnFailure (MOCK; the AWS CLI's
# add-steps default is CONTINUE, the API's is not documented).
DEFAULT_ACTION_ON_FAILURE = "TERMINATE_CLUSTER"
# MOD: StepConcurrencyLevel "You can specify a minimum of 1 step and a maximum of 256 steps."
MIN_STEP_CONCURRENCY, MAX_STEP_CONCURRENCY = 1, 256
# The refusal for a cluster that no longer takes steps: EMR's own words (common on shutting-down clusters).
ERR_CLUSTER_SHUTTING_DOWN = ("ValidationException",
                             "A job flow that is shutting down, terminated, or finished may not be modified.")

# --- ListSteps / DescribeStep ---------------------------------------------------------------------------

# MOCK: an unknown cluster is "Specified job flow ID not valid" (ValidationException) for the JobFlow
# operations (AddJobFlowSteps, TerminateJobFlows) and "Cluster id '<id>' is not valid."
# (InvalidRequestException) for the others.
ERR_JOB_FLOW_NOT_FOUND = ("ValidationException", "Specified job flow ID not valid")
ERR_CLUSTER_NOT_FOUND = ("InvalidRequestException", "Cluster id '{cluster_id}' is not valid.")
# MOCK: ListSteps refuses StepIds together with StepStates (even empty ones) and unknown step ids.
ERR_IDS_AND_STATES = ("InvalidRequestException", "Cannot specify both StepIds and StepStates.")
ERR_STEP_NOT_FOUND = ("InvalidRequestException", "Step id '{step_id}' is not valid.")

# LIST: "You can specify a maximum of 10 stepIDs"; "The maximum number of steps that a single ListSteps
# action returns is 50", further pages through Marker; steps come "in reverse order unless you specify
# stepIds with the request or filter by StepStates" (so with a filter the order is not promised).
LIST_STEPS_MAX_IDS = 10
LIST_STEPS_PAGE_SIZE = 50
# MOCK and Yelp/mrjob#1462: ListSteps shows a cluster's newest 1000 steps only.
LIST_STEPS_VISIBLE = 1000

# --- CancelSteps ----------------------------------------------------------------------------------------

# CAN: "A maximum of 256 steps are allowed in each CancelSteps request"; "Available only in Amazon EMR
# versions 4.8.0 and later, excluding version 5.0.0"; "When you use Amazon EMR releases 5.28.0 and later,
# you can cancel steps that are in a PENDING or RUNNING state. In earlier versions of Amazon EMR, you can
# only cancel steps that are in a PENDING state." StepCancellationOption defaults to SEND_INTERRUPT.
CANCEL_STEPS_MAX_IDS = 256
CANCEL_OPTIONS = ("SEND_INTERRUPT", "TERMINATE_PROCESS")
SEND_INTERRUPT, TERMINATE_PROCESS = CANCEL_OPTIONS
CANCEL_STEPS_GATE = Gate("CancelSteps", "release_label", ((4, release("4.8.0")),), "CAN: from 4.8.0, excluding 5.0.0",
                         excluded=frozenset({release("5.0.0")}))
CANCEL_RUNNING_GATE = Gate("cancelling RUNNING steps", "release_label", ((5, release("5.28.0")),),
                           "CAN: PENDING or RUNNING from 5.28.0, only PENDING before")
# INFO: each step's answer is Status SUBMITTED or FAILED, with a Reason "if the CancelSteps request fails".
CANCEL_SUBMITTED, CANCEL_FAILED = "SUBMITTED", "FAILED"

# --- clusters -------------------------------------------------------------------------------------------

# CLU: AutoTerminate "Specifies whether the cluster should terminate after completing all steps"
# (RunJobFlow's KeepJobFlowAliveWhenNoSteps=false). TERM: "As soon as the last step completes, Amazon
# EMR terminates the cluster's Amazon EC2 instances."

def can_cancel_steps(label: str | None) -> bool:
    """CAN: CancelSteps exists from 4.8.0, except 5.0.0. Unknown labels (AMI versions) are assumed modern."""
    return CANCEL_STEPS_GATE.allows(label) is not False


def can_cancel_running(label: str | None) -> bool:
    """CAN: RUNNING steps can be cancelled from 5.28.0 on. Unknown labels are assumed modern."""
    return CANCEL_RUNNING_GATE.allows(label) is not False


def hadoop_jar_step_chars(step: dict) -> int:
    """The characters ADD's 10240 limit counts: every string value of a HadoopJarStep (Jar, MainClass, Args,
    Properties keys and values)."""
    total = len(step.get("Jar") or "") + len(step.get("MainClass") or "")
    total += sum(len(a) for a in step.get("Args") or ())
    total += sum(len(p.get("Key") or "") + len(p.get("Value") or "") for p in step.get("Properties") or ())
    return total


__all__ = [name for name in dir() if name.isupper() or name in (
    "can_cancel_steps", "can_cancel_running", "hadoop_jar_step_chars")]
