"""Desk tables: failed sign-ins, kept to lock out password guessing."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginFailure(models.Model):
    """One failed sign-in for a username from an address; enough of them lock that pair out a while.

    A table rather than the cache: several web processes share it, and it survives restarts.
    """

    # Normalised (stripped, lower-case) as typed, whether or not such a user exists.
    username = models.CharField(_("username"), max_length=150)
    # REMOTE_ADDR as the web server saw it; "" when unknown. Proxies' X-Forwarded-For is not trusted.
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        indexes = [
            models.Index(fields=["username", "ip", "at"], name="login_failure_lookup_idx"),
            models.Index(fields=["at"], name="login_failure_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.ip or '?'} at {self.at:%Y-%m-%d %H:%M:%S}"
