"""The request type of views and API handlers that only run for a signed-in user.

Django types `request.user` as `AbstractBaseUser | AnonymousUser`. Behind `login_required`, the desk's
`desk_login_required` / `settings_reader_required`, or an API router with `auth=API_AUTH`, the user is
always our `User`: annotate such a view's or handler's request as `AuthedHttpRequest` (a type only; at
run time the request is Django's own). ninja skips the `request` parameter, so handlers may use it too.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest


class AuthedHttpRequest(HttpRequest):
    """An `HttpRequest` whose `user` (and, in the API, `auth`) is a signed-in `User`."""

    user: User
    auth: User
