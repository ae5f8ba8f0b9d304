"""The request type of views and API handlers that only run for a signed-in user.

Django types `request.user` as `AbstractBaseUser | AnonymousUser`. Behind `login_required`,
`sign_in_required` (below), the desk's `settings_reader_required`, or an API router with
`auth=API_AUTH`, the user is always our `User`: annotate such a view's or handler's request as
`AuthedHttpRequest` (a type only; at run time the request is Django's own). ninja skips the `request`
parameter, so handlers may use it too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect


class AuthedHttpRequest(HttpRequest):
    """An `HttpRequest` whose `user` (and, in the API, `auth`) is a signed-in `User`."""

    user: User
    auth: User


View = Callable[..., HttpResponse]
#: The desk's sign-in page, named here rather than read from settings.LOGIN_URL, so the pages work
#: whatever that says.
LOGIN_URL = "desk:login"


def sign_in_required(view: View) -> View:
    """Every page of the web app (desk, casework, insights) needs a signed-in user. An HTMX request (a
    poll) whose session ended gets the browser sent to the sign-in page, instead of the sign-in page
    swapped into the fragment. Here, below every app with pages, so none of them imports the desk."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        htmx = getattr(request, "htmx", None)
        if htmx:
            back = htmx.current_url_abs_path or resolve_url("desk:board")
            return HttpResponseClientRedirect(redirect_to_login(back, login_url=LOGIN_URL).url)
        return redirect_to_login(request.get_full_path(), login_url=LOGIN_URL)

    return wrapper
