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
