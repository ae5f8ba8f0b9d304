"""How API requests prove who they are: a bearer token (integrations) or the browser's session.

Use `auth=API_AUTH` on a router or operation (or `auth=[BearerTokenAuth(), django_auth]`).
Authenticated handlers find the user in `request.auth` and in `request.user`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from unstuck.accounts.models import Role
from unstuck.accounts.permissions import require_integration_operation
from unstuck.accounts.selectors import user_for_token, user_role


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer ust_...`: an API token made with `unstuck token create`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token.strip())
        if user is None:
            return None  # ninja tries the next method, then answers 401 (see core.api_errors)
        request.user = user
        if user_role(user) == Role.INTEGRATION:
            require_integration_operation(request)
        return user


class SessionCookieAuth(SessionAuth):
    """Django session login (a signed-in browser), with CSRF checked only when a session cookie is sent.

    ninja's `django_auth` checks CSRF before looking at the cookie, so a POST with a *wrong bearer
    token* and no cookie at all would get "403 CSRF check failed" instead of 401. Integrations never
    send the session cookie, so skipping the check without one opens nothing: a request without a
    session cookie cannot ride on a browser session.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.COOKIES.get(self.param_name):
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None:
            return None
        return super().authenticate(request, key)


bearer_auth = BearerTokenAuth()
session_auth = SessionCookieAuth()
#: The authentication every non-public endpoint should use.
API_AUTH = [bearer_auth, session_auth]
