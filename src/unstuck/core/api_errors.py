"""Every API error is JSON `{"code", "message"[, "details"]}`: a stable code for programs, a message
for people. Installed on the API by `install_error_handlers`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from unstuck.core.errors import DomainError

logger = logging.getLogger(__name__)

#: Codes for HTTP errors raised by ninja itself (auth, throttling) or by handlers via HttpError.
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "throttled",
}


class ErrorOut(Schema):
    """The body of every error response."""

    code: str = Field(description="Stable machine-readable error code, e.g. `invalid_request`.")
    message: str = Field(description="Human-readable explanation.")
    details: Any = Field(None, description="Optional structured details, e.g. the invalid fields.")


def error_response(
    api: NinjaAPI, request: HttpRequest, *, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    response = api.create_response(request, body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="unstuck"'
    return response


def install_error_handlers(api: NinjaAPI) -> None:
    """Replace ninja's `{"detail": ...}` errors with ours."""

    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(
            api,
            request,
            status=422,
            code="invalid_request",
            message="The request is not valid.",
            details=exc.errors,
        )

    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(
            api,
            request,
            status=401,
            code="unauthorized",
            message="Authentication required: send 'Authorization: Bearer <token>' or sign in.",
        )

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(api, request, status=exc.status_code, code=code, message=str(exc))

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        message = str(exc) if settings.DEBUG and str(exc) else "Not found."
        return error_response(api, request, status=404, code="not_found", message=message)

    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        message = str(exc) or "You may not do this."
        return error_response(api, request, status=403, code="forbidden", message=message)

    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return error_response(
            api, request, status=exc.status, code=exc.code, message=exc.message, details=exc.details
        )

    def on_body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        # Raised by Django when a handler reads a body over DATA_UPLOAD_MAX_MEMORY_SIZE.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return error_response(
            api,
            request,
            status=413,
            code="body_too_large",
            message=f"The request body is larger than {limit:,} bytes (UNSTUCK_MAX_BODY_BYTES): split it.",
            details={"limit_bytes": limit},
        )

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        if settings.DEBUG:
            raise exc  # Django's debug page shows the traceback
        logger.exception("unhandled API error on %s %s", request.method, request.path)
        # Like Django's own 500 handling: error reporters (and the test client, which re-raises) hear of it.
        got_request_exception.send(sender=None, request=request)
        return error_response(
            api, request, status=500, code="internal_error", message="Something went wrong on our side."
        )

    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (ValidationError, on_validation_error),
        (AuthenticationError, on_authentication_error),
        (HttpError, on_http_error),
        (Http404, on_not_found),
        (PermissionDenied, on_permission_denied),
        (DomainError, on_domain_error),
        (RequestDataTooBig, on_body_too_large),
        (Exception, on_unexpected),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
