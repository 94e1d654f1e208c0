"""When a dependency fails: which exceptions mean "retry later" (503 ``unavailable``), not a bug.

A dependency failure is a network fault on the way to AWS (connect or read timeout, a reset or
closed connection: botocore's ``HTTPClientError`` and ``ConnectionError`` families, or the JWKS
fetch's ``OSError``), or an AWS answer that says the service, not the request, is at fault:
throttling and server errors. Everything else is a bug and stays a 500.

A write that fails this way wrote nothing the client must undo: single writes are conditional
and multi-item writes are transactions, so the client retries it, with its Idempotency-Key.
"""

from __future__ import annotations

from .errors import AppError

RETRY_AFTER_SECONDS = 2
RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ThrottlingException",
        "Throttling",
        "LimitExceededException",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "SlowDown",
        "TransactionInProgressException",
        "RequestTimeout",  # S3 (a 400): the upload's connection stalled; the same PUT succeeds on a retry
    }
)


class Unavailable(AppError):
    status, code = 503, "unavailable"
    retry_after = RETRY_AFTER_SECONDS

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or f"The service could not reach its database just now. Nothing was changed: try again in "
            f"{RETRY_AFTER_SECONDS} seconds."
        )

    def retrying_after(self, seconds: int) -> Unavailable:
        self.retry_after = seconds
        return self


def is_dependency_failure(error: BaseException) -> bool:
    """Whether ``error`` is a dependency's failure (retry later) rather than a bug."""
    if type(error).__module__.startswith("botocore"):
        from botocore.exceptions import ClientError, HTTPClientError
        from botocore.exceptions import ConnectionError as BotocoreConnectionError

        if isinstance(error, HTTPClientError | BotocoreConnectionError):
            return True
        if isinstance(error, ClientError):
            response = error.response
            code = response.get("Error", {}).get("Code", "")
            status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            return code in RETRYABLE_CODES or status >= 500
        return False
    return isinstance(error, TimeoutError | ConnectionError)
