"""Every EMR operation the emulator serves answers bad input with a 4xx and an error code EMR may answer: one the
operation declares in botocore's service model, ValidationException (API Common Errors) or SerializationException
(the awsJson1_1 protocol's, for a body of the wrong JSON types). Never moto's HTTP 500.

The requests are signed raw JSON, so wrong types reach the server as a hand-written client would send them
(botocore's own client refuses them before sending)."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any

import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.emr.responses import ElasticMapReduceResponse

from local_emr.api.emr_handlers import OVERRIDES

pytestmark = pytest.mark.integration  # an HTTP server

MODEL = botocore.session.get_session().get_service_model("emr")
COMMON = {"ValidationException", "SerializationException"}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


SERVED = sorted(op for op in MODEL.operation_names
                if op in OVERRIDES or hasattr(ElasticMapReduceResponse, _snake(op)))


def _call(endpoint: str, operation: str, body: Any) -> tuple[int, dict[str, Any]]:
    request = AWSRequest("POST", endpoint + "/", data=json.dumps(body).encode(), headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"ElasticMapReduce.{operation}"})
    SigV4Auth(Credentials("testing", "testing"), "elasticmapreduce", "us-east-1").add_auth(request)
    raw = urllib.request.Request(request.url, data=request.body, headers=dict(request.headers), method="POST")
    try:
        with urllib.request.urlopen(raw, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _wrong_types(shape: Any) -> dict[str, Any]:
    return {name: 12345 if m.type_name in ("string", "timestamp") else "not-a-" + m.type_name
            for name, m in shape.members.items()}


def _unknown_ids(shape: Any) -> dict[str, Any]:
    """Every required member filled with something well-typed that names nothing the account has."""
    values = {"string": "j-NOSUCHCLUSTER", "integer": 1, "long": 1, "boolean": True, "list": ["j-NOSUCHCLUSTER"],
              "map": {}, "structure": {}, "timestamp": 0}
    return {name: values.get(shape.members[name].type_name) for name in shape.required_members}


def test_the_walk_covers_the_operations_clients_use():
    assert {"RunJobFlow", "DescribeCluster", "AddJobFlowSteps", "ListSteps", "CancelSteps", "TerminateJobFlows",
            "ModifyInstanceGroups", "PutAutoScalingPolicy", "ListInstances", "ModifyInstanceFleet"} <= set(SERVED)


@pytest.mark.parametrize("operation", SERVED)
def test_bad_input_is_a_4xx_with_a_code_emr_may_answer(emulator: Any, operation: str) -> None:
    op = MODEL.operation_model(operation)
    allowed = {e.name for e in op.error_shapes} | COMMON
    shape = op.input_shape
    cases = {"wrong JSON types": _wrong_types(shape)} if shape is not None and shape.members else {}
    if shape is not None and shape.required_members:
        cases["nothing"] = {}
        if any(re.search(r"Ids?$", name) for name in shape.required_members):
            cases["unknown ids"] = _unknown_ids(shape)
    for label, body in cases.items():
        status, answer = _call(emulator.endpoint_url, operation, body)
        assert 400 <= status < 500, f"{operation}, {label}: HTTP {status} {answer}"
        assert answer.get("__type") in allowed, f"{operation}, {label}: {answer}"


def test_a_missing_member_is_named_in_the_aws_wording(emulator: Any) -> None:
    status, answer = _call(emulator.endpoint_url, "DescribeCluster", {})
    assert status == 400 and answer == {"__type": "ValidationException", "message": (
        "1 validation error detected: Value null at 'clusterId' failed to satisfy constraint: Member must not be null")}
    status, answer = _call(emulator.endpoint_url, "ListSteps", {"ClusterId": "j-NOSUCHCLUSTER"})
    assert (status, answer["__type"]) == (400, "InvalidRequestException")
    status, answer = _call(emulator.endpoint_url, "GetManagedScalingPolicy", {"ClusterId": "j-NOSUCHCLUSTER"})
    assert (status, answer["__type"]) == (400, "ValidationException")  # it declares no InvalidRequestException
    status, answer = _call(emulator.endpoint_url, "ListSupportedInstanceTypes", {"ReleaseLabel": "emr-99.0.0"})
    assert (status, answer["__type"]) == (400, "InvalidRequestException")
    status, answer = _call(emulator.endpoint_url, "CreateSecurityConfiguration",
                           {"Name": "x", "SecurityConfiguration": "{not json"})
    assert (status, answer["__type"]) == (400, "InvalidRequestException")
