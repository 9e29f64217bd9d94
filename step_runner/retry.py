"""Pure predicates deciding what to retry: AWS errors by code, steps by outcome and budget."""
from __future__ import annotations

THROTTLE_CODES = frozenset({
    "ThrottlingException", "Throttling", "ThrottledException", "RequestLimitExceeded",
    "TooManyRequestsException", "RequestThrottled", "RequestThrottledException", "SlowDown",
})
TRANSIENT_CODES = frozenset({
    "InternalServerError", "InternalServerException", "InternalFailure", "InternalError",
    "ServiceUnavailable", "ServiceUnavailableException", "RequestTimeout", "RequestTimeoutException",
    "PriorRequestNotComplete",
})
RETRYABLE_STEP_STATES = frozenset({"FAILED", "INTERRUPTED"})


def is_throttle(code: str | None) -> bool:
    return code in THROTTLE_CODES


def is_retriable_client_error(code: str | None, http_status: int | None = None) -> bool:
    """Throttling, known transient codes and any 5xx are worth another try; 4xx are not."""
    if is_throttle(code) or code in TRANSIENT_CODES:
        return True
    return http_status is not None and 500 <= http_status < 600


def should_retry_step(state: str, attempts_made: int, retries: int, cancelling: bool) -> bool:
    """Resubmit a FAILED/INTERRUPTED step while its retry budget lasts and nobody asked to stop."""
    return not cancelling and state in RETRYABLE_STEP_STATES and attempts_made <= retries
