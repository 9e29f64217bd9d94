"""EMR's step API as a strict model: the rules EMR applies to one cluster's steps, with no I/O.

One implementation serves two fakes, so both refuse what EMR refuses:
- ``local_emr``'s HTTP endpoint (steps run as real processes; ``lifecycle`` drives the transitions);
- ``local_emr.api.fake_emr`` (in process, for unit tests: plugged into a botocore client, the test drives
  the transitions).

Requests and answers are EMR's JSON protocol (dicts with epoch-second timestamps), so botocore
serializes and parses them exactly as it does for EMR. Every rule reads its limit, gate or wording
from ``emr_contract.steps``, where each one cites its AWS source. Wordings marked "guess" here are
not documented anywhere we could find.
"""
from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from emr_contract import steps as emr


class EmrApiError(Exception):
    """An EMR error answer: ``__type`` and message (HTTP 400)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @classmethod
    def of(cls, fact: tuple[str, str], **values: Any) -> EmrApiError:
        code, message = fact
        return cls(code, message.format(**values))


def validation_message(field_path: str, value: Any, constraint: str) -> str:
    """The AWS-wide wording of a broken model constraint the service checks on the server (botocore checks only
    required members, types and minimums)."""
    shown = "null" if value is None else value if isinstance(value, (int, float)) else f"'{value}'"
    return f"1 validation error detected: Value {shown} at '{field_path}' failed to satisfy constraint: {constraint}"


def validation_error(field_path: str, value: Any, constraint: str) -> EmrApiError:
    """EMR answers a broken model constraint with ValidationException."""
    return EmrApiError("ValidationException", validation_message(field_path, value, constraint))


class ClusterPort(Protocol):
    """What the step rules need from a cluster (the fake's cluster and the emulator's both offer it)."""

    id: str

    @property
    def state(self) -> str: ...

    @property
    def release_label(self) -> str | None: ...

    @property
    def step_concurrency_level(self) -> int: ...

    @property
    def keep_alive(self) -> bool:
        """RunJobFlow's KeepJobFlowAliveWhenNoSteps (DescribeCluster's AutoTerminate is its negation)."""

    def end(self, code: str, message: str, with_errors: bool) -> None:
        """Start terminating with this StateChangeReason."""


@dataclass
class ModelStep:
    """One step as EMR keeps it. Times are epoch seconds."""

    id: str
    name: str
    action_on_failure: str
    hadoop_jar_step: dict[str, Any]
    created: float
    state: str = "PENDING"
    started: float | None = None
    ended: float | None = None
    reason_message: str | None = None
    failure_details: dict[str, str] | None = None
    cancel_option: str | None = None
    execution_role_arn: str | None = None

    @property
    def active(self) -> bool:
        return self.state in emr.STEP_ACTIVE

    def config(self) -> dict[str, Any]:
        """HadoopStepConfig: what ListSteps / DescribeStep show of the HadoopJarStep."""
        jar = self.hadoop_jar_step
        return {"Jar": jar.get("Jar", ""), "Args": list(jar.get("Args") or []),
                "Properties": {p.get("Key", ""): p.get("Value", "") for p in jar.get("Properties") or []},
                **({"MainClass": jar["MainClass"]} if jar.get("MainClass") else {})}

    def status(self) -> dict[str, Any]:
        timeline = {"CreationDateTime": self.created}
        if self.started is not None:
            timeline["StartDateTime"] = self.started
        if self.ended is not None:
            timeline["EndDateTime"] = self.ended
        status: dict[str, Any] = {"State": self.state, "Timeline": timeline,
                                  "StateChangeReason": {"Message": self.reason_message} if self.reason_message else {}}
        if self.failure_details:
            status["FailureDetails"] = dict(self.failure_details)
        return status

    def summary(self) -> dict[str, Any]:
        """StepSummary (ListSteps); DescribeStep's Step adds ExecutionRoleArn."""
        return {"Id": self.id, "Name": self.name, "Config": self.config(), "ActionOnFailure": self.action_on_failure,
                "Status": self.status()}

    def describe(self) -> dict[str, Any]:
        step = self.summary()
        if self.execution_role_arn:
            step["ExecutionRoleArn"] = self.execution_role_arn
        return step


@dataclass
class StepBook:
    """The steps of one cluster, oldest first, under EMR's rules.

    API methods take a request dict and return the answer dict or raise EmrApiError; transition
    methods (``startable``, ``start``, ``finish``, ``settle``, ``on_cluster_end``) are what EMR does on its
    own, called by whoever plays the cluster."""

    cluster: ClusterPort
    now: Callable[[], float]
    new_id: Callable[[], str]
    steps: list[ModelStep] = field(default_factory=list)

    # --- requests ------------------------------------------------------------------------------------

    def add_job_flow_steps(self, params: Mapping[str, Any]) -> dict[str, Any]:
        configs = list(params.get("Steps") or [])
        if self.cluster.state not in emr.CLUSTER_ACCEPTS_STEPS:
            raise EmrApiError.of(emr.ERR_CLUSTER_SHUTTING_DOWN)
        for i, config in enumerate(configs, start=1):
            self._check_step_config(config, f"steps.{i}.member")
        if self.active_count() + len(configs) > emr.MAX_ACTIVE_STEPS:
            raise EmrApiError.of(emr.ERR_MAX_ACTIVE)
        role = params.get("ExecutionRoleArn")
        added = [self._new_step(config, role) for config in configs]
        self.steps.extend(added)
        return {"StepIds": [s.id for s in added]}

    def list_steps(self, params: Mapping[str, Any]) -> dict[str, Any]:
        ids, states = params.get("StepIds"), params.get("StepStates")
        if ids is not None and states is not None:
            raise EmrApiError.of(emr.ERR_IDS_AND_STATES)
        visible = self.steps[-emr.LIST_STEPS_VISIBLE:]
        if ids:
            if len(ids) > emr.LIST_STEPS_MAX_IDS:  # the limit is documented, this wording is a guess
                raise validation_error("stepIds", len(ids),
                                       f"Member must have length less than or equal to {emr.LIST_STEPS_MAX_IDS}")
            by_id = {s.id: s for s in visible}
            missing = [i for i in ids if i not in by_id]
            if missing:
                raise EmrApiError.of(emr.ERR_STEP_NOT_FOUND, step_id=missing[0])
            chosen = [by_id[i] for i in ids]
        else:
            for state in states or ():
                if state not in emr.STEP_STATES:
                    raise validation_error("stepStates", state, f"Member must satisfy enum value set: "
                                                                f"[{', '.join(emr.STEP_STATES)}]")
            chosen = [s for s in reversed(visible) if not states or s.state in states]
        start = _marker_offset(params.get("Marker"))
        page = chosen[start:start + emr.LIST_STEPS_PAGE_SIZE]
        answer: dict[str, Any] = {"Steps": [s.summary() for s in page]}
        if start + emr.LIST_STEPS_PAGE_SIZE < len(chosen):
            answer["Marker"] = _marker(start + emr.LIST_STEPS_PAGE_SIZE)
        return answer

    def describe_step(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {"Step": self.step(str(params.get("StepId", ""))).describe()}

    def cancel_steps(self, params: Mapping[str, Any]) -> dict[str, Any]:
        ids = list(params.get("StepIds") or [])
        option = params.get("StepCancellationOption") or emr.SEND_INTERRUPT
        if option not in emr.CANCEL_OPTIONS:
            raise validation_error("stepCancellationOption", option,
                                   f"Member must satisfy enum value set: [{', '.join(emr.CANCEL_OPTIONS)}]")
        if len(ids) > emr.CANCEL_STEPS_MAX_IDS:  # documented limit, guessed wording
            raise validation_error("stepIds", len(ids),
                                   f"Member must have length less than or equal to {emr.CANCEL_STEPS_MAX_IDS}")
        label = self.cluster.release_label
        if not emr.can_cancel_steps(label):  # documented gate, guessed wording
            raise EmrApiError("ValidationException", f"CancelSteps is not available for release {label}.")
        if self.cluster.state not in emr.CLUSTER_ACCEPTS_STEPS:  # guess: EMR's answer here is not documented
            raise EmrApiError.of(emr.ERR_CLUSTER_SHUTTING_DOWN)
        by_id = {s.id: s for s in self.steps}
        infos = []
        for step_id in ids:
            step = by_id.get(step_id)
            reason = self._cancel(step, option, label) if step else emr.ERR_STEP_NOT_FOUND[1].format(step_id=step_id)
            status = emr.CANCEL_FAILED if reason else emr.CANCEL_SUBMITTED
            infos.append({"StepId": step_id, "Status": status, **({"Reason": reason} if reason else {})})
        self.settle()
        return {"CancelStepsInfoList": infos}

    # --- what EMR does on its own -------------------------------------------------------------------------

    def step(self, step_id: str) -> ModelStep:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise EmrApiError.of(emr.ERR_STEP_NOT_FOUND, step_id=step_id)

    def active_count(self) -> int:
        return sum(1 for s in self.steps if s.active)

    def startable(self) -> list[ModelStep]:
        """PENDING steps EMR starts now: in submission order, while fewer than StepConcurrencyLevel steps
        run, and only once the cluster is up (RUNNING or WAITING)."""
        if self.cluster.state not in ("RUNNING", "WAITING"):
            return []
        busy = sum(1 for s in self.steps if s.state in ("RUNNING", "CANCEL_PENDING"))
        free = max(1, int(self.cluster.step_concurrency_level or 1)) - busy
        return [s for s in self.steps if s.state == "PENDING"][:max(0, free)]

    def start(self, step: ModelStep) -> None:
        if step.state != "PENDING":
            raise ValueError(f"{step.id} is {step.state}; only a PENDING step starts")
        step.state = "RUNNING"
        step.started = self.now()

    def finish(self, step: ModelStep, state: str, *, failure: Mapping[str, str] | None = None,
               message: str | None = None) -> None:
        """A step ends; a FAILED one then takes its ActionOnFailure (CFG), and a cluster that keeps no idle
        time may end (TERM)."""
        if state not in emr.STEP_TERMINAL:
            raise ValueError(f"{state} is not a final step state")
        if not step.active:
            raise ValueError(f"{step.id} already ended {step.state}")
        step.state = state
        step.ended = self.now()
        step.reason_message = message or step.reason_message
        if failure:
            step.failure_details = dict(failure)
        if state == "FAILED":
            self._on_failure(step)
        self.settle()

    def settle(self) -> None:
        """KeepJobFlowAliveWhenNoSteps=false: the cluster ends (ALL_STEPS_COMPLETED) once it is up and no step
        is pending or running (TERM, CSCR)."""
        if (not self.cluster.keep_alive and self.cluster.state in ("RUNNING", "WAITING")
                and not any(s.active for s in self.steps)):
            self.cluster.end(emr.REASON_ALL_STEPS_COMPLETED, emr.MESSAGE_ALL_STEPS_COMPLETED, False)

    def on_cluster_end(self, code: str) -> list[ModelStep]:
        """The cluster is terminating: PENDING steps are CANCELLED at once; the running ones are returned
        for their processes to be stopped, then ``finish``ed with ``end_state_for(code)``."""
        for s in self.steps:
            if s.state == "PENDING":
                s.state, s.ended = "CANCELLED", self.now()
                s.reason_message = "Cancelled because the cluster terminated"
        return [s for s in self.steps if s.active]

    @staticmethod
    def end_state_for(code: str) -> str:
        """What a running step becomes when its cluster ends: INTERRUPTED on a user's termination, CANCELLED
        otherwise, as mrjob's mock EMR has it (AWS documents neither)."""
        return "INTERRUPTED" if code == emr.REASON_USER_REQUEST else "CANCELLED"

    # --- rules ------------------------------------------------------------------------------------------

    def _check_step_config(self, config: Mapping[str, Any], where: str) -> None:
        name = config.get("Name", "")
        if len(name) > emr.MAX_STEP_NAME:
            raise validation_error(f"{where}.name", name,
                                   f"Member must have length less than or equal to {emr.MAX_STEP_NAME}")
        if not emr.XML_STRING.fullmatch(name):
            raise validation_error(f"{where}.name", name,
                                   f"Member must satisfy regular expression pattern: {emr.XML_STRING.pattern}")
        action = config.get("ActionOnFailure", emr.DEFAULT_ACTION_ON_FAILURE)
        if action not in emr.ACTIONS_ON_FAILURE:
            raise validation_error(f"{where}.actionOnFailure", action,
                                   f"Member must satisfy enum value set: [{', '.join(emr.ACTIONS_ON_FAILURE)}]")
        level = int(self.cluster.step_concurrency_level or 1)
        if level > 1 and action not in emr.ACTIONS_WITH_CONCURRENCY:
            raise EmrApiError.of(emr.ERR_ACTION_WITH_CONCURRENCY, action=action, level=level)
        jar_step = config.get("HadoopJarStep") or {}
        for key in ("Jar", "MainClass"):
            if len(jar_step.get(key) or "") > emr.MAX_JAR_CHARS:
                raise validation_error(f"{where}.hadoopJarStep.{key[0].lower()}{key[1:]}", "...",
                                       f"Member must have length less than or equal to {emr.MAX_JAR_CHARS}")
        total = emr.hadoop_jar_step_chars(jar_step)
        if total > emr.MAX_HADOOP_JAR_STEP_CHARS:  # documented limit (ADD), guessed wording
            raise EmrApiError("ValidationException",
                              f"The string values of HadoopJarStep total {total} characters; at most "
                              f"{emr.MAX_HADOOP_JAR_STEP_CHARS} are allowed.")

    def _new_step(self, config: Mapping[str, Any], role: str | None) -> ModelStep:
        return ModelStep(id=self.new_id(), name=config.get("Name", ""),
                         action_on_failure=config.get("ActionOnFailure", emr.DEFAULT_ACTION_ON_FAILURE),
                         hadoop_jar_step=dict(config.get("HadoopJarStep") or {}), created=self.now(),
                         execution_role_arn=role)

    def _cancel(self, step: ModelStep, option: str, label: str | None) -> str | None:
        """None when the cancel is SUBMITTED, else the Reason of a FAILED answer (reasons: guesses)."""
        if step.state == "PENDING":
            step.state, step.ended = "CANCELLED", self.now()
            step.reason_message = "Cancelled by user request"
            return None
        if step.state in ("RUNNING", "CANCEL_PENDING"):
            if not emr.can_cancel_running(label):
                return (f"Step {step.id} is {step.state}; on release {label} only PENDING steps can be cancelled "
                        f"(RUNNING steps from emr-5.28.0).")
            step.state = "CANCEL_PENDING"
            step.cancel_option = option
            return None
        return f"Step {step.id} is in a final state ({step.state}) and cannot be cancelled."

    def _on_failure(self, failed: ModelStep) -> None:
        """CFG: CANCEL_AND_WAIT cancels pending steps, TERMINATE_CLUSTER shuts the cluster down; neither acts
        once the cluster runs steps concurrently."""
        if int(self.cluster.step_concurrency_level or 1) > 1:
            return
        if failed.action_on_failure == emr.CANCEL_AND_WAIT:
            for s in self.steps:
                if s.state == "PENDING":
                    s.state, s.ended = "CANCELLED", self.now()
                    s.reason_message = f"Cancelled because step {failed.id} failed (CANCEL_AND_WAIT)"
        elif failed.action_on_failure in emr.TERMINATE_ACTIONS:
            self.cluster.end(emr.REASON_STEP_FAILURE, "Shut down as step failed", True)


def _marker(offset: int) -> str:
    return base64.urlsafe_b64encode(f"steps:{offset}".encode()).decode()


def _marker_offset(marker: str | None) -> int:
    if not marker:
        return 0
    try:
        kind, offset = base64.urlsafe_b64decode(marker.encode()).decode().split(":")
        if kind == "steps" and int(offset) >= 0:
            return int(offset)
    except (ValueError, UnicodeDecodeError):
        pass
    raise EmrApiError("ValidationException", "Invalid marker.")  # guess


__all__ = ["EmrApiError", "ClusterPort", "ModelStep", "StepBook", "validation_error"]
