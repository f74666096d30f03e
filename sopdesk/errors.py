"""The one exception family of sopdesk.

Every error carries a message a person can act on; the web layer maps each class to an HTTP
problem response (RFC 9457) and the CLI to a red line and exit code 1.
"""

from __future__ import annotations

from typing import Any


class SopdeskError(Exception):
    """Base of every error sopdesk raises on purpose."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class InvalidInput(SopdeskError):
    status = 422
    title = "Invalid input"


class NotFound(SopdeskError):
    status = 404
    title = "Not found"


class Unauthorized(SopdeskError):
    status = 401
    title = "Unauthorized"


class Forbidden(SopdeskError):
    status = 403
    title = "Forbidden"


class Conflict(SopdeskError):
    status = 409
    title = "Conflict"


class PayloadTooLarge(SopdeskError):
    status = 413
    title = "Payload too large"


class TooManyRequests(SopdeskError):
    status = 429
    title = "Too many requests"


class ConfigError(SopdeskError):
    """A setting or a desk file is wrong; raised at start, before anything is served."""

    status = 500
    title = "Configuration error"
