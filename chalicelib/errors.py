"""The errors a use case may raise, each naming the HTTP status ``http.error_response`` answers it with.

Plain exceptions: use cases (and the command line, which reuses them) do not depend on the web framework.
"""

from __future__ import annotations


class AppError(Exception):
    """Base of expected failures: ``status`` and ``code`` per subclass, a message and per-field details."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, details: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class BadRequest(AppError):
    status, code = 400, "validation_error"

    @classmethod
    def field(cls, field: str, problem: str, message: str | None = None) -> BadRequest:
        return cls(message or f"{field}: {problem}", [{"field": field, "problem": problem}])


class Unauthorized(AppError):
    status, code = 401, "unauthorized"


class NotFound(AppError):
    status, code = 404, "not_found"


class Conflict(AppError):
    status, code = 409, "conflict"


class PayloadTooLarge(AppError):
    status, code = 413, "payload_too_large"


class TooManyRequests(AppError):
    status, code = 429, "too_many_requests"
