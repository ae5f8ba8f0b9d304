"""Every API error is JSON `{"code", "message"[, "details"]}`: a stable code for programs, a message
for people. Installed on the API by `install_error_handlers`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from unstuck.core.database_trouble import DatabaseTrouble, database_trouble
from unstuck.core.errors import DomainError, Throttled

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

#: What a client is told when the database cannot answer, by `DatabaseTrouble.reason`.
TROUBLE_MESSAGES = {
    "locked": "The database is busy with other writes.",
    "disk_full": "The database's disk is full.",
    "io_error": "The database's disk failed to read or write.",
    "unreachable": "The database cannot be reached.",
    "overloaded": "The database is out of resources (memory or connections).",
    "failing": "The database does not answer as expected.",
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


def database_unavailable_body(trouble: DatabaseTrouble) -> dict[str, Any]:
    """The JSON of a 503 `database_unavailable`: nothing is wrong with the request, try it again."""
    message = f"{TROUBLE_MESSAGES[trouble.reason]} Try again in {trouble.retry_after} seconds."
    return {"code": "database_unavailable", "message": message, "details": {"reason": trouble.reason}}


def database_unavailable_response(
    api: NinjaAPI, request: HttpRequest, trouble: DatabaseTrouble
) -> HttpResponse:
    """503 `database_unavailable` with `Retry-After`."""
    logger.warning("database unavailable (%s) on %s %s", trouble.reason, request.method, request.path)
    response = api.create_response(request, database_unavailable_body(trouble), status=503)
    response["Retry-After"] = str(trouble.retry_after)
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
        if isinstance(exc.__cause__, DomainError):  # ninja wraps body-parser errors (core.nul_guard)
            return on_domain_error(request, exc.__cause__)
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return error_response(api, request, status=exc.status_code, code=code, message=str(exc))

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        message = str(exc) if settings.DEBUG and str(exc) else "Not found."
        return error_response(api, request, status=404, code="not_found", message=message)

    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        message = str(exc) or "You may not do this."
        return error_response(api, request, status=403, code="forbidden", message=message)

    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        response = error_response(
            api, request, status=exc.status, code=exc.code, message=exc.message, details=exc.details
        )
        if isinstance(exc, Throttled):
            response["Retry-After"] = str(exc.retry_after)
        return response

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
        trouble = database_trouble(exc)
        if trouble is not None:
            return database_unavailable_response(api, request, trouble)
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


#: What each error status means, with its codes: the one text every operation's documentation shows.
#: Codes an endpoint raises on its own purpose (e.g. `invalid_amount`) are listed in docs/api-errors.md.
ERROR_STATUSES: dict[int, str] = {
    400: "The request breaks a rule: `bad_request`, `invalid_date`, `invalid_cursor`, `invalid_period`, "
    "`invalid_field`, `missing_field` or another code of the rule broken (the field is in `details`).",
    401: "No valid credentials: `unauthorized` (send `Authorization: Bearer <token>` or sign in).",
    403: "Signed in, but this role or team may not do this: `forbidden` (also a failed CSRF check of a "
    "browser session).",
    404: "Nothing here that you may see: `not_found` or `<thing>_not_found` (e.g. `case_not_found`).",
    409: "The thing is not in a state that allows this: `conflict`, `already_done`, `superseded` …",
    413: "The request body is too large: `body_too_large`, `batch_too_large` (the limit is in the message).",
    422: "The request does not match this schema: `invalid_request` (each invalid field in `details`), "
    "or a value of the right type that cannot be used (`invalid_date` …).",
    429: "Too many attempts from this client: `throttled`; retry after `Retry-After` seconds.",
    503: "The database (or a service this needs) cannot answer now: `database_unavailable`, "
    "`messaging_unavailable`; retry after `Retry-After` seconds.",
}

_WRITES = {"post", "put", "patch", "delete"}


def error_statuses_for(method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses an operation can answer, from what it takes and whether it needs sign-in."""
    takes_input = bool(operation.get("parameters") or operation.get("requestBody"))
    statuses = [503]
    if takes_input:
        statuses += [400, 404, 422]
    if operation.get("security"):
        statuses += [401, 403, 429]
    if method in _WRITES:
        statuses += [409]
    if operation.get("requestBody"):
        statuses += [413]
    return sorted(statuses)


def document_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the shared error answers to every operation of an OpenAPI schema (in place; returned).

    Each status is described once, in `components.responses` (`Error400` …), and referenced; an
    operation's own documented answer for a status (e.g. health's 503 body) is kept, and one that is
    a bare `ErrorOut` is replaced by the shared reference, so every error has the same words.
    """
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {}).setdefault("ErrorOut", ErrorOut.model_json_schema())
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    shared = components.setdefault("responses", {})
    for status, description in ERROR_STATUSES.items():
        shared[f"Error{status}"] = {"description": description, "content": error_body}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})  # ninja keys them by int status
            for status in error_statuses_for(method, operation):
                documented = responses.pop(str(status), None) or responses.get(status)
                if documented is None or documented.get("content") == error_body:
                    responses[status] = {"$ref": f"#/components/responses/Error{status}"}
                else:
                    responses[status] = documented
    return schema


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The project's 404 handler: JSON under /api/ for paths no route matches at all (e.g. one holding a
    newline, which the API's own catch-all route cannot match), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "message": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
