"""Checks API handlers and views call before doing something only some roles may do."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.errors import AuthenticationError

from unstuck.accounts.selectors import user_role


def require_role(request: HttpRequest, *roles: str) -> None:
    """Allow the request only if the user's global role is one of `roles`.

    Raises ninja's AuthenticationError (401) for anonymous requests and PermissionDenied (403)
    otherwise; the API turns both into JSON errors (`unauthorized` / `forbidden`).
    """
    user = request.user
    if not user.is_authenticated:
        raise AuthenticationError()
    role = user_role(user)
    if role not in roles:
        raise PermissionDenied(f"This needs the role {' or '.join(roles)}; you are {role}.")


#: The only API operations an integration token may call (method, Django route): push events, and
#: read its own processes (the process, its items, stalls and event logs), who it is and the API docs.
#: Everything else is refused with 403 `forbidden`, so an endpoint added later is closed to
#: integrations until it is named here (docs/permissions.md, "Integration tokens").
INTEGRATION_OPERATIONS = frozenset(
    {
        ("POST", "api/v1/events"),
        ("GET", "api/v1/me"),
        ("GET", "api/v1/docs"),
        ("GET", "api/v1/openapi.json"),
        ("GET", "api/v1/processes"),
        ("GET", "api/v1/processes/<key>"),
        ("GET", "api/v1/processes/<key>/log.csv"),
        ("GET", "api/v1/processes/<key>/log.xes"),
        ("GET", "api/v1/processes/<key>/stalled"),
        ("GET", "api/v1/processes/<process>/items/<path:item>"),
        ("GET", "api/v1/stalls"),
    }
)


def require_integration_operation(request: HttpRequest) -> None:
    """Refuse (403) an integration token's request for any operation outside INTEGRATION_OPERATIONS."""
    match = request.resolver_match
    route = match.route if match is not None else ""
    if (request.method, route) not in INTEGRATION_OPERATIONS:
        raise PermissionDenied("An integration token may only push events and read its own processes.")
