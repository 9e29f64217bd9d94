"""Every EMR request is checked against EMR's own API model (botocore's emr 2009-03-31 service model) before it is
served, as EMR checks it, so bad input is a 400 naming the field and never moto's HTTP 500 (a KeyError, an
AttributeError), which SDKs retry for seconds before showing. The requests the emulator serves for other services
(CloudWatch Logs' StartLiveTail) are checked the same way against their own model (``check_against_model``).

- a value of the wrong JSON type: ``SerializationException`` (the awsJson1_1 protocol's error for a body that
  does not deserialize; botocore clients never send one);
- a required member missing, a string or list too short or too long, a number out of range, a value outside an
  enum: ``ValidationException`` in the AWS-wide wording ("1 validation error detected: Value ... at '...' failed to
  satisfy constraint: ..."; steps.model.validation_error);
- a cluster the account does not have, named by ClusterId: the operation's declared ``InvalidRequestException``
  ("Cluster id '…' is not valid."), or ``ValidationException`` where it declares none (the AWS provider's
  findManagedScalingPolicy reads GetManagedScalingPolicy's answer so); by JobFlowId or JobFlowIds:
  ``ValidationException`` "Specified job flow ID not valid" (emr_contract.steps).
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from emr_contract.steps import ERR_CLUSTER_NOT_FOUND, ERR_JOB_FLOW_NOT_FOUND

from ..steps.model import EmrApiError, validation_error


Invalid = Callable[[str, Any, str], Exception]
"""(field path, value, constraint) -> the error the service answers a broken model constraint with."""


@functools.cache
def _model(service: str = "emr") -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def check_request(operation: str, params: Any, cluster_exists: Callable[[str], bool]) -> None:
    """Raise the EmrApiError EMR would answer ``params`` with; nothing for an operation the model lacks."""
    model = _model()
    if operation not in model.operation_names:
        return
    op = model.operation_model(operation)
    if op.input_shape is None:
        return
    _Checker(validation_error).check(op.input_shape, params, "")
    _check_clusters(op, params, cluster_exists)


def check_against_model(service: str, operation: str, params: Any, invalid: Invalid) -> None:
    """``params`` checked against ``service``'s model of ``operation``, patterns included; a broken constraint
    raises ``invalid(path, value, constraint)``, a wrong JSON type a SerializationException."""
    _Checker(invalid, patterns=True).check(_model(service).operation_model(operation).input_shape, params, "")


def _serialization(path: str, expected: str) -> EmrApiError:
    return EmrApiError("SerializationException", f"Unexpected value at '{path or 'request'}': expected {expected}")


class _Checker:
    """One walk of a request over its input shape. EMR's patterns are left to the step rules (its XmlString
    takes surrogate pairs Python's re spells differently); other services' patterns are checked."""

    def __init__(self, invalid: Invalid, patterns: bool = False) -> None:
        self.invalid = invalid
        self.patterns = patterns

    def check(self, shape: Any, value: Any, path: str) -> None:
        kind = shape.type_name
        if kind == "structure":
            self._structure(shape, value, path)
        elif kind == "list":
            if not isinstance(value, list):
                raise _serialization(path, "an array")
            self._length(shape, value, len(value), path)
            for i, item in enumerate(value):
                self.check(shape.member, item, f"{path}.{i + 1}.member")
        elif kind == "map":
            if not isinstance(value, dict):
                raise _serialization(path, "an object")
            for key, item in value.items():
                self.check(shape.value, item, f"{path}.{key}")
        elif kind == "string":
            self._string(shape, value, path)
        elif kind in ("integer", "long", "double", "float"):
            whole = kind in ("integer", "long")
            if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
                raise _serialization(path, "an integer" if whole else "a number")
            self._range(shape, value, path)
        elif kind == "boolean" and not isinstance(value, bool):
            raise _serialization(path, "a boolean")
        elif kind == "timestamp" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise _serialization(path, "a timestamp (epoch seconds)")

    def _structure(self, shape: Any, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise _serialization(path, "an object")
        for name in shape.required_members:
            if value.get(name) is None:
                raise self.invalid(_join(path, name), None, "Member must not be null")
        for name, member in shape.members.items():
            if value.get(name) is not None:
                self.check(member, value[name], _join(path, name))

    def _string(self, shape: Any, value: Any, path: str) -> None:
        if not isinstance(value, str):
            raise _serialization(path, "a string")
        self._length(shape, value, len(value), path)
        if shape.enum and value not in shape.enum:
            raise self.invalid(path, value, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        pattern = shape.metadata.get("pattern")
        if self.patterns and pattern is not None and re.fullmatch(pattern, value) is None:
            raise self.invalid(path, value, f"Member must satisfy regular expression pattern: {pattern}")

    def _length(self, shape: Any, value: Any, length: int, path: str) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and length < low:
            raise self.invalid(path, value, f"Member must have length greater than or equal to {low}")
        if high is not None and length > high:
            raise self.invalid(path, value, f"Member must have length less than or equal to {high}")

    def _range(self, shape: Any, value: float, path: str) -> None:
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            raise self.invalid(path, value, f"Member must have value greater than or equal to {low}")
        if high is not None and value > high:
            raise self.invalid(path, value, f"Member must have value less than or equal to {high}")


def _check_clusters(op: Any, params: dict[str, Any], cluster_exists: Callable[[str], bool]) -> None:
    members = op.input_shape.members
    cluster_id = params.get("ClusterId") if "ClusterId" in members else None
    if cluster_id and not cluster_exists(cluster_id):
        code, message = ERR_CLUSTER_NOT_FOUND
        declared = {e.name for e in op.error_shapes}
        raise EmrApiError(code if code in declared else "ValidationException", message.format(cluster_id=cluster_id))
    job_flows = [params.get("JobFlowId")] if "JobFlowId" in members else params.get("JobFlowIds") or []
    if any(j and not cluster_exists(j) for j in job_flows):
        raise EmrApiError.of(ERR_JOB_FLOW_NOT_FOUND)


def _join(path: str, name: str) -> str:
    """AWS names members in lowerCamel in these messages (steps.model's checks do the same: 'stepIds')."""
    name = name[:1].lower() + name[1:]
    return f"{path}.{name}" if path else name
