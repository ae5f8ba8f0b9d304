"""One gate for every password sign-in: the desk's form, the Django admin's, and anything else that
calls `django.contrib.auth.authenticate` with a password (settings.AUTHENTICATION_BACKENDS).

Both refusals come before the password is hashed (the expensive part: ~1 s of CPU per attempt with
Django's PBKDF2), so a flood of guesses costs one indexed query each.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from unstuck.accounts.backends import PeopleBackend
from unstuck.core.errors import Throttled
from unstuck.desk.lockout import address_throttle, client_ip, login_throttle
from unstuck.desk.services import login_failure_record, login_failures_clear

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class LockoutModelBackend(PeopleBackend):
    """Django's username/password check behind the lockouts of `unstuck.desk.lockout`, for people only
    (an integration has no session: `accounts.backends.PeopleBackend`).

    An address over its failure limit gets `Throttled` (429 + Retry-After, see core.middleware); a
    username locked from this address is refused (`PermissionDenied`: no other backend is tried).
    Each failure is recorded, a success forgets the username's failures from the address.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = client_ip(request)
        now = timezone.now()
        until = address_throttle(ip=ip, now=now)
        if until is not None:
            seconds = max(1, math.ceil((until - now).total_seconds()))
            raise Throttled(
                "too_many_sign_ins",
                gettext("Too many failed sign-ins from your address. Try again in about %(minutes)d minutes.")
                % {"minutes": math.ceil(seconds / 60)},
                retry_after=seconds,
            )
        username = str(username)
        if login_throttle(username=username, ip=ip, now=now).locked_until is not None:
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(username=username, ip=ip, now=now)
        else:
            login_failures_clear(username=username, ip=ip)
        return user
