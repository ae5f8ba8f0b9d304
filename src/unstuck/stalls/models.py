"""Stalls (卡点) found by the rules, and the confirmation reminders due before a stall."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Stall(models.Model):
    """An item found stuck by one rule in one visit of a step (or one promise); recorded once."""

    class Rule(models.TextChoices):
        DWELL = "dwell", _("Dwell over limit")
        CONFIRMATION = "confirmation", _("Unconfirmed")
        INTERRUPTION = "interruption", _("Interrupted")
        PROMISE = "promise", _("Promise missed")

    item = models.ForeignKey("tracking.Item", on_delete=models.CASCADE, related_name="stalls")
    process = models.ForeignKey("processes.Process", on_delete=models.PROTECT, related_name="stalls")
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices)
    step = models.CharField(_("step"), max_length=100)
    team_key = models.CharField(_("team"), max_length=63, blank=True)
    visit_key = models.CharField(_("visit"), max_length=200)
    since = models.DateTimeField(_("stalled since"))
    detected_at = models.DateTimeField(_("detected at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=300, blank=True)
    # A historical stall (历史卡点): its deadline fell due long before the worker saw it (old data
    # imported today). Recorded for replay and analysis; it opens no case and tells no one.
    historical = models.BooleanField(_("historical stall"), default=False, db_default=False)
    # The cases app's work-queue marker (see unstuck.cases.routing): `pending` until a case took the
    # stall, `routed` while its case may still resolve itself, `done` once nothing is left to do.
    case_routing = models.CharField(
        _("case routing"), max_length=8, default="pending", db_default="pending", editable=False
    )

    class Meta:
        verbose_name = _("stall")
        verbose_name_plural = _("stalls")
        constraints = [
            models.UniqueConstraint(fields=["item", "rule", "visit_key"], name="stall_once_per_visit"),
        ]
        indexes = [
            models.Index(
                fields=["process", "since", "id"],
                name="stall_open_idx",
                condition=Q(resolved_at__isnull=True),
            ),
            # The stalls board: newest open stalls across processes, and its grouped counts.
            models.Index(
                fields=["-since", "-id"], name="stall_open_recent_idx", condition=Q(resolved_at__isnull=True)
            ),
            models.Index(
                fields=["process", "step", "rule"],
                name="stall_open_group_idx",
                condition=Q(resolved_at__isnull=True),
            ),
            models.Index(fields=["item", "resolved_at"], name="stall_item_idx"),
            models.Index(
                fields=["process", "since"], name="stall_historical_idx", condition=Q(historical=True)
            ),
            models.Index(fields=["id"], name="stall_unrouted_idx", condition=Q(case_routing="pending")),
            models.Index(
                fields=["id"],
                name="stall_recovered_idx",
                condition=Q(case_routing="routed", resolved_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.rule} {self.step}"


class Reminder(models.Model):
    """A reminder due to whoever must confirm, before the confirmation deadline passes."""

    item = models.ForeignKey("tracking.Item", on_delete=models.CASCADE, related_name="reminders")
    step = models.CharField(_("step"), max_length=100)
    visit_key = models.CharField(_("visit"), max_length=200)
    index = models.PositiveSmallIntegerField(_("reminder number"))
    confirm_by = models.CharField(_("to be confirmed by"), max_length=63)
    due_at = models.DateTimeField(_("due at"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["item", "visit_key", "index"], name="reminder_once_per_visit"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} reminder {self.index} {self.step}"
