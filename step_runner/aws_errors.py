"""botocore errors turned into the library's typed ones, shared by every AWS adapter here."""
from __future__ import annotations

from botocore.exceptions import ClientError

from .errors import StepRunnerError, ThrottledError, TransientAwsError
from .retry import is_retriable_client_error, is_throttle


def error_parts(exc: ClientError) -> tuple[str, str, int | None]:
    """(code, message, HTTP status) of a ClientError."""
    err = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return err.get("Code", "Unknown"), err.get("Message", ""), status


def transient_error(operation: str, exc: ClientError) -> StepRunnerError | None:
    """ThrottledError or TransientAwsError when the call is worth retrying later, else None."""
    code, message, status = error_parts(exc)
    if is_throttle(code):
        return ThrottledError(operation, code)
    if is_retriable_client_error(code, status):
        return TransientAwsError(operation, code, message)
    return None
