"""A NUL character (U+0000) in a query string, a form or a JSON body is refused with 400
`invalid_character` naming the field, on every engine; a path holding one names nothing that can
exist: 404 `not_found`.

PostgreSQL cannot hold NUL in text, so without this guard any filter (`?team=%00`), path (`/processes/%00`)
or text field reached the database and answered 500; SQLite stored it. No legitimate value holds
NUL. The ingest endpoint (`POST /api/v1/events`) parses its own body and rejects such rows one by
one, so only bodies ninja parses go through `NulRefusingParser`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotFound,
    JsonResponse,
)
from django.utils.translation import gettext as _
from ninja.parser import Parser

from unstuck.core.errors import DomainError

NUL = "\x00"
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def nul_field(value: Any, path: str = "") -> str | None:
    """The path (`attrs.warehouse`, `items[2]`) of the first key or text holding NUL, else None."""
    if isinstance(value, str):
        return path or "body" if NUL in value else None
    if isinstance(value, dict):
        for key, inner in value.items():
            here = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                return here
            found = nul_field(inner, here)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, inner in enumerate(value):
            found = nul_field(inner, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def nul_refused(field: str) -> DomainError:
    return DomainError(
        "invalid_character",
        _("%(field)s holds a NUL character (U+0000), which no value may contain.") % {"field": field},
        details={"field": field},
    )


def _request_nul_field(request: HttpRequest) -> str | None:
    found = nul_field({key: request.GET.getlist(key) for key in request.GET})
    if found is None and request.method == "POST" and request.content_type in _FORMS:
        found = nul_field({key: request.POST.getlist(key) for key in request.POST})
    return found.split("[", 1)[0] if found else None


class NulGuardMiddleware:
    """Refuse a request whose path, query string or form holds NUL: JSON under /api/, plain text elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path:
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "not_found", "message": "Not found."}, status=404)
            return HttpResponseNotFound()
        field = _request_nul_field(request)
        if field is None:
            return self.get_response(request)
        refused = nul_refused(field)
        if request.path.startswith("/api/"):
            body = {"code": refused.code, "message": refused.message, "details": refused.details}
            return JsonResponse(body, status=400)
        return HttpResponseBadRequest(refused.message, content_type="text/plain; charset=utf-8")


class NulRefusingParser(Parser):
    """ninja's JSON body parser, refusing a body with NUL in any key or text (see the module)."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        field = nul_field(data)
        if field is not None:
            # ninja wraps any parser error in HttpError(400); core.api_errors answers with this cause.
            raise nul_refused(field)
        return data
