"""Who may use the desk's settings screens: operations admins change them, auditors read them."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from unstuck.accounts.http import AuthedHttpRequest, sign_in_required
from unstuck.accounts.models import Role
from unstuck.accounts.selectors import user_role

View = Callable[..., HttpResponse]


def settings_may_read(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user_role(user) in {Role.ADMIN, Role.AUDITOR}


def settings_may_change(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user_role(user) == Role.ADMIN


def settings_reader_required(view: View) -> View:
    """Admins use the screen; auditors may GET it (read-only) and get 403 on any change;
    everyone else gets the 'not for your role' page (403)."""

    @sign_in_required
    @wraps(view)
    def wrapper(request: AuthedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        allowed = settings_may_change(request.user) or (
            request.method in ("GET", "HEAD") and settings_may_read(request.user)
        )
        if not allowed:
            return render(request, "desk/forbidden.html", {"nav": "admin"}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


def settings_render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render a settings page with the admin nav and whether the viewer may change anything."""
    full = {"nav": "admin", "can_edit": settings_may_change(request.user), **context}
    return render(request, f"desk/admin/{template}", full, status=status)


def field_errors(error: ValidationError) -> dict[str, list[str]]:
    """A ValidationError as {field: messages}; errors of no field go under "general" (templates
    cannot read Django's "__all__")."""
    if hasattr(error, "error_dict"):
        return {
            "general" if field == "__all__" else field: list(messages)
            for field, messages in error.message_dict.items()
        }
    return {"general": list(error.messages)}
