"""WSGI layer in front of moto: EMR JSON calls we own are answered here, the rest go to moto.

Every EMR call (ours or moto's) runs under the shared lock so the scheduler never sees a
half-made cluster, and wakes the scheduler afterwards so state changes show up promptly.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.models import get_account_id_from

from .emr_handlers import OVERRIDES, POST_HOOKS, PRE_CHECKS, EmrError, RequestContext
from .request_shape import check_request
from ..cluster.lifecycle import Lifecycle

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
EMR_TARGET_PREFIX = "ElasticMapReduce."
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/")


def credential_scope(environ: dict[str, Any]) -> tuple[str | None, str | None]:
    """(access key id, region) from a SigV4 Authorization header."""
    match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    return (match.group(1), match.group(2)) if match else (None, None)


def account_for(environ: dict[str, Any], access_key: str | None) -> str:
    """Same precedence as moto: MOTO_ACCOUNT_ID, x-moto-account-id header, then the access key."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
        return str(environ["HTTP_X_MOTO_ACCOUNT_ID"])
    return get_account_id_from(access_key) if access_key else DEFAULT_ACCOUNT_ID


def read_body(environ: dict[str, Any]) -> bytes:
    """The request body, put back so the next reader (moto) reads it too."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def json_body(body: bytes) -> Any:
    """An awsJson request's parameters; a body that is no JSON is the protocol's SerializationException."""
    try:
        return json.loads(body or b"{}")
    except ValueError:
        raise EmrError("SerializationException", "Request body is not valid JSON") from None


def json_response(start_response: Callable[..., Any], code: int, payload: dict[str, Any]) -> list[bytes]:
    """An awsJson answer; an error (``__type``) also names itself in ``x-amzn-ErrorType``."""
    data = json.dumps(payload).encode()
    reason = {200: "OK", 400: "Bad Request", 500: "Internal Server Error"}[code]
    headers = [("Content-Type", JSON_CONTENT_TYPE), ("Content-Length", str(len(data)))]
    if code != 200:
        headers.append(("x-amzn-ErrorType", str(payload["__type"])))
    start_response(f"{code} {reason}", headers)
    return [data]


def describe_request(environ: dict[str, Any]) -> str:
    """A log label: the JSON target, the query-protocol Action, or method + path + query."""
    if environ.get("HTTP_X_AMZ_TARGET"):
        return str(environ["HTTP_X_AMZ_TARGET"])
    label = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"
    if environ.get("QUERY_STRING"):
        label += "?" + str(environ["QUERY_STRING"])[:80]
    if str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded"):
        body = read_body(environ)
        action = re.search(rb"(?:^|&)Action=([^&]+)", body)
        if action:
            label += " " + action.group(1).decode()
    return label


class EmrMiddleware:
    def __init__(self, app: WsgiApp, lifecycle: Lifecycle, log: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.lifecycle = lifecycle
        self.log = log

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.log is None:
            return self._handle(environ, start_response)
        seen: dict[str, str] = {}

        def recording(status: str, headers: Any, exc_info: Any = None) -> Any:
            seen["status"] = status
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        target = describe_request(environ)
        result = self._handle(environ, recording)
        self.log(f"{target} -> {seen.get('status', '?')}")
        return result

    def _handle(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith(EMR_TARGET_PREFIX):
            return self.app(environ, start_response)
        operation = target[len(EMR_TARGET_PREFIX):]
        body = read_body(environ)
        access_key, region = credential_scope(environ)
        region = region or "us-east-1"
        # moto's EMR reads the region only from the host name; make it match the signature.
        environ["HTTP_HOST"] = f"elasticmapreduce.{region}.amazonaws.com"
        ctx = RequestContext(account_for(environ, access_key), region, self.lifecycle)
        try:
            params = json_body(body)
            with self.lifecycle.lock:
                check_request(operation, params, lambda cluster_id: cluster_id in ctx.backend.clusters)
                if operation in OVERRIDES:
                    return json_response(start_response, 200, OVERRIDES[operation](ctx, params))
                if operation in PRE_CHECKS:
                    PRE_CHECKS[operation](ctx, params)
                status, headers, chunks = self._call_moto(environ)
                if status.startswith("200") and operation in POST_HOOKS:
                    POST_HOOKS[operation](ctx, params, json.loads(b"".join(chunks) or b"{}"))
        except EmrError as err:
            return json_response(start_response, 400, {"__type": err.code, "message": err.message})
        except Exception as exc:  # surface bugs as a 500 the SDK shows, not a dropped connection
            traceback.print_exc(file=sys.stderr)
            return json_response(start_response, 500, {"__type": "InternalServerError", "message": repr(exc)})
        finally:
            self.lifecycle.wake()
        start_response(status, headers)
        return chunks

    def _call_moto(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], list[bytes]]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        result = self.app(environ, capture)
        try:
            chunks = [bytes(c) for c in result]
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return captured["status"], captured["headers"], chunks
