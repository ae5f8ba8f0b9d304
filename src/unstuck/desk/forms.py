"""The sign-in forms (the desk's and the Django admin's), saying why a sign-in is refused.

The lockout itself is enforced for every sign-in path by `unstuck.desk.signin.LockoutModelBackend`;
these forms only turn it into a message (locked until when, attempts left).
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext, ngettext

from unstuck.desk.lockout import (
    LOCKOUT_DURATION,
    LOCKOUT_THRESHOLD,
    LoginThrottle,
    client_ip,
    login_throttle,
)

#: From this many attempts left on, the form says how many remain.
WARN_WHEN_LEFT = 2


class LockoutMessages(AuthenticationForm):
    """A sign-in form that says when LOCKOUT_THRESHOLD failures locked the username from this address."""

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")
        ip = client_ip(self.request)
        now = timezone.now()
        if username:
            self._refuse_if_locked(login_throttle(username=username, ip=ip, now=now))
        try:
            return super().clean()
        except ValidationError as refused:
            if not username:
                raise
            throttle = login_throttle(username=username, ip=ip, now=now)
            self._refuse_if_locked(throttle)
            if throttle.attempts_left > WARN_WHEN_LEFT:
                raise
            warning = ValidationError(
                self._attempts_left_message(throttle.attempts_left), code="attempts_left"
            )
            raise ValidationError([refused, warning]) from None

    def _refuse_if_locked(self, throttle: LoginThrottle) -> None:
        if throttle.locked_until is None:
            return
        minutes = max(1, math.ceil((throttle.locked_until - timezone.now()).total_seconds() / 60))
        local = timezone.localtime(throttle.locked_until)
        raise ValidationError(
            gettext(
                "Too many failed sign-ins (%(threshold)d). Signing in as this user from this address "
                "is locked until %(time)s, about %(minutes)d minutes from now. "
                "Ask an administrator if you cannot wait."
            )
            % {"threshold": LOCKOUT_THRESHOLD, "time": time_format(local, "H:i"), "minutes": minutes},
            code="locked",
        )

    @staticmethod
    def _attempts_left_message(left: int) -> str:
        minutes = int(LOCKOUT_DURATION.total_seconds() // 60)
        return ngettext(
            "%(count)d attempt left before sign-in is locked for %(minutes)d minutes.",
            "%(count)d attempts left before sign-in is locked for %(minutes)d minutes.",
            left,
        ) % {"count": left, "minutes": minutes}


class LockoutAuthenticationForm(LockoutMessages):
    """The desk's sign-in form."""


class LockoutAdminAuthenticationForm(LockoutMessages, AdminAuthenticationForm):
    """The Django admin's sign-in form (staff only), with the same messages."""
