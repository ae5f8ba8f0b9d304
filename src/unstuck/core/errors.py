"""The base of every error Unstuck raises on purpose, so each one reaches people the same way.

The API turns a `DomainError` into `{"code": ..., "message": ...}` with its HTTP status, and the
command line into a one-line `CommandError`. Raise subclasses (or this class with a specific
`code`) from services and selectors; never raise HTTP errors from domain code.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain was broken: `code` is stable for programs, `message` is for people."""

    def __init__(self, code: str, message: str, status: int = 400, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details

    def __str__(self) -> str:
        return self.message


class Throttled(DomainError):
    """Too many attempts: refused before doing any of the work; try again after `retry_after` seconds."""

    def __init__(self, code: str, message: str, *, retry_after: int) -> None:
        super().__init__(code, message, status=429, details={"retry_after": retry_after})
        self.retry_after = retry_after
