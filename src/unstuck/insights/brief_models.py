"""Who gets the morning brief by e-mail, when, and each day's delivery of it."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BriefSubscription(models.Model):
    """A person who wants the brief (of one team, or of everybody) in their mailbox every morning."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="brief_subscriptions",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Empty: the whole organisation (admins and auditors only)."),
    )
    send_at = models.TimeField(
        _("send at"), default=time(8, 30), help_text=_("Local time (the organisation's time zone).")
    )
    active = models.BooleanField(_("active"), default=True)
    last_sent_on = models.DateField(_("last sent for the morning of"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("brief subscription")
        verbose_name_plural = _("brief subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="brief_subscription_unique"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(team__isnull=True), name="brief_subscription_org_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.team_id or '*'} @ {self.send_at:%H:%M}"


class BriefDelivery(models.Model):
    """One morning's brief for one subscription: sent once; a send cut short is retried after its lease."""

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(
        BriefSubscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="deliveries"
    )
    morning = models.DateField(_("morning of"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    lease_until = models.DateTimeField(_("retry after"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("brief delivery")
        verbose_name_plural = _("brief deliveries")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "morning"], name="brief_delivery_once"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.morning} {self.status}"
