"""Desk tables: failed sign-ins, kept to lock out password guessing, and saved queue views."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginFailure(models.Model):
    """One failed sign-in for a username from an address; enough of them lock that pair out a while.

    A table rather than the cache: several web processes share it, and it survives restarts.
    """

    # Normalised (stripped, lower-case) as typed, whether or not such a user exists.
    username = models.CharField(_("username"), max_length=150)
    # REMOTE_ADDR as the web server gave it ("" when unknown): behind UNSTUCK_TRUSTED_PROXY, the client's.
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        indexes = [
            models.Index(fields=["username", "ip", "at"], name="login_failure_lookup_idx"),
            # The per-address limit counts an address's failures whatever the usernames.
            models.Index(fields=["ip", "at"], name="login_failure_address_idx"),
            models.Index(fields=["at"], name="login_failure_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.ip or '?'} at {self.at:%Y-%m-%d %H:%M:%S}"


class SavedView(models.Model):
    """A named set of queue filters a user keeps, optionally shared with one of their teams."""

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    # Shared with this team's members (they can use it, only the owner changes it); null: private.
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("shared with team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_views",
    )
    # The queue filter's fields as strings (see desk.queue_filters.QueueFilter.saved).
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_owner_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name
