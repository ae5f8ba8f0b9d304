"""What every answer carries and how refusals reach people outside the API.

`EdgeMiddleware` adds the Content-Security-Policy header, and turns two exceptions a page view may
raise into short plain pages: database trouble (503 + Retry-After, see `core.database_trouble`) and
`Throttled` (429 + Retry-After, e.g. too many failed sign-ins from one address). The API answers the
same situations in JSON itself (`core.api_errors`). `server_error` is the site's 500 handler: it
catches database trouble raised outside any view (a middleware reading the session) the same way.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext

from unstuck.core.api_errors import database_unavailable_body
from unstuck.core.database_trouble import DatabaseTrouble, database_trouble
from unstuck.core.errors import Throttled


def _plain_page(*, status: int, title: str, message: str, retry_after: int) -> HttpResponse:
    # No template and no database: this page must render while the database is down.
    html = (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(title)} · Unstuck</title></head>'
        f"<body><h1>{escape(title)}</h1><p>{escape(message)}</p></body></html>"
    )
    response = HttpResponse(html, status=status)
    response["Retry-After"] = str(retry_after)
    return response


def database_unavailable_page(request: HttpRequest, trouble: DatabaseTrouble) -> HttpResponse:
    """503 for database trouble: JSON `database_unavailable` under /api/, else a plain page."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(database_unavailable_body(trouble), status=503)
        response["Retry-After"] = str(trouble.retry_after)
        return response
    return _plain_page(
        status=503,
        title=gettext("Temporarily unavailable"),
        message=gettext(
            "The database cannot answer right now. Nothing you did caused this; "
            "please try again in %(seconds)d seconds."
        )
        % {"seconds": trouble.retry_after},
        retry_after=trouble.retry_after,
    )


def throttled_page(request: HttpRequest, refusal: Throttled) -> HttpResponse:
    """429 for a refusal to try again so soon: JSON under /api/, else a plain page."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"code": refusal.code, "message": refusal.message}, status=429)
        response["Retry-After"] = str(refusal.retry_after)
        return response
    title = gettext("Too many attempts")
    return _plain_page(status=429, title=title, message=refusal.message, retry_after=refusal.retry_after)


class EdgeMiddleware:
    """Security headers on every answer; 503/429 pages for database trouble and throttled attempts."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.UNSTUCK_CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Throttled):
            return throttled_page(request, exception)
        trouble = database_trouble(exception)
        if trouble is not None:
            return database_unavailable_page(request, trouble)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler (`handler500`): database trouble outside a view still answers 503."""
    error = sys.exc_info()[1]
    trouble = database_trouble(error) if error is not None else None
    if trouble is not None:
        return database_unavailable_page(request, trouble)
    from django.views.defaults import server_error as django_server_error

    return django_server_error(request)
