"""botocore errors turned into the library's typed ones, shared by every AWS adapter here."""
from __future__ import annotations

from botocore.exceptions import (BotoCoreError, ClientError, CredentialRetrievalError, NoAuthTokenError,
                                 NoCredentialsError, NoRegionError, ParamValidationError, PartialCredentialsError,
                                 ProfileNotFound, SSOError, TokenRetrievalError)

from ..errors import (AwsCallError, AwsConfigError, CredentialsError, StepRunnerError, ThrottledError,
                     TransientAwsError)
from ..retry import is_retriable_client_error, is_throttle

CREDENTIAL_ERRORS = (NoCredentialsError, PartialCredentialsError, CredentialRetrievalError, SSOError,
                     TokenRetrievalError, NoAuthTokenError)


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


def botocore_error(operation: str, exc: BotoCoreError) -> StepRunnerError:
    """A botocore error raised before or instead of an AWS answer, as one typed error (one line, no traceback)."""
    if isinstance(exc, CREDENTIAL_ERRORS):
        return CredentialsError(operation, type(exc).__name__, str(exc))
    if isinstance(exc, ParamValidationError):  # we built a request botocore refuses: a bug of ours
        return StepRunnerError(f"{operation}: botocore refused the request: {exc}")
    return AwsCallError(operation, type(exc).__name__, str(exc))


def aws_config_error(exc: BotoCoreError, region: str | None, profile: str | None) -> StepRunnerError:
    """Client creation failed: no region, an unknown profile, a broken config file."""
    if isinstance(exc, NoRegionError):
        return AwsConfigError("no AWS region: pass --region, or set AWS_REGION / a region in your AWS config")
    if isinstance(exc, ProfileNotFound):
        return AwsConfigError(f"--profile {profile}: no such profile in your AWS config or credentials files")
    if isinstance(exc, CREDENTIAL_ERRORS):
        return CredentialsError("(client setup)", type(exc).__name__, str(exc))
    return AwsConfigError(f"the AWS configuration is unusable: {exc}")
