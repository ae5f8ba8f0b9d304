"""The customer's side of a case: signed links given out, proactive-update schedules and their
policy, surveys, and the cursors of the portal's worker scans."""

from __future__ import annotations

from datetime import datetime, time

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

SERVQUAL_DIMENSIONS: tuple[str, ...] = ("reliability", "responsiveness", "assurance", "empathy", "tangibles")


class PortalLink(models.Model):
    """A signed link given to a customer (status page, confirmation, survey) and what became of it.

    The token in the URL is signed and names this row; the row says when it expires and whether it
    was opened or used, so a reused confirmation link is refused and the case page can show it.
    """

    class Kind(models.TextChoices):
        STATUS = "status", _("Status page")
        CONFIRM = "confirm", _("Confirmation")
        SURVEY = "survey", _("Survey")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    item = models.ForeignKey(
        "tracking.Item", verbose_name=_("item"), on_delete=models.CASCADE, related_name="portal_links"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="portal_links",
    )
    step = models.CharField(_("step"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    opened_at = models.DateTimeField(_("first opened at"), null=True, blank=True)
    open_count = models.PositiveIntegerField(_("times opened"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("portal link")
        verbose_name_plural = _("portal links")
        indexes = [
            models.Index(fields=["item", "-created_at"], name="portal_link_item_idx"),
            models.Index(fields=["case", "-created_at"], name="portal_link_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} link {self.pk} ({self.item_id})"

    def state(self, now: datetime) -> str:
        """`used`, `expired`, `opened` or `sent`, as the case page shows it."""
        if self.used_at is not None:
            return "used"
        if self.expires_at <= now:
            return "expired"
        return "opened" if self.opened_at is not None else "sent"


class UpdatePolicy(models.Model):
    """How often a stalled item's customer hears from us: per process, or the global default.

    The row without a process is the default; a process's own row overrides it. Without any row
    the built-in defaults apply (see `portal.update_policy.DEFAULT_POLICY`).
    """

    process = models.OneToOneField(
        "processes.Process",
        verbose_name=_("process"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="update_policy",
        help_text=_("Empty for the default of every process."),
    )
    enabled = models.BooleanField(_("send proactive updates"), default=True)
    cadence_minutes = models.PositiveIntegerField(
        _("minutes between updates"), default=240, help_text=_("While the item stays stalled.")
    )
    max_per_day = models.PositiveSmallIntegerField(
        _("at most per day"), default=2, help_text=_("Per customer day, in the customer's time zone.")
    )
    quiet_start = models.TimeField(_("quiet hours start"), default=time(21, 0))
    quiet_end = models.TimeField(
        _("quiet hours end"), default=time(8, 0), help_text=_("Equal to the start: no quiet hours.")
    )

    class Meta:
        verbose_name = _("update policy")
        verbose_name_plural = _("update policies")
        constraints = [
            # One default (process NULL) and one row per process: NULLs are distinct in a plain unique.
            models.UniqueConstraint(Coalesce("process", Value(0)), name="update_policy_one_per_process"),
        ]

    def __str__(self) -> str:
        return str(self.process_id or _("default"))


class CaseFollowUp(models.Model):
    """The portal's schedule for one case about a customer's item: when the next proactive update
    is due, what went out, and whether a supervisor paused updates (who, when, why)."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Updates running")
        FINISHED = "finished", _("Finished (case resolved)")
        SILENT = "silent", _("No customer to tell")

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="follow_up"
    )
    item = models.ForeignKey(
        "tracking.Item", verbose_name=_("item"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.ACTIVE)
    next_update_at = models.DateTimeField(_("next update due"), null=True, blank=True)
    updates_sent = models.PositiveIntegerField(_("updates sent"), default=0)
    # Send moments of the last two days (ISO text), so the daily cap is counted without a log scan.
    recent_updates = models.JSONField(_("recent updates"), default=list, blank=True)
    last_update_at = models.DateTimeField(_("last update at"), null=True, blank=True)
    confirmation_requested_at = models.DateTimeField(_("confirmation requested at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paused by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    pause_reason = models.CharField(_("why paused"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("case follow-up")
        verbose_name_plural = _("case follow-ups")
        indexes = [
            models.Index(
                fields=["next_update_at"],
                name="portal_followup_due_idx",
                condition=Q(state="active", next_update_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"follow-up of case {self.case_id}"

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class StatusNote(models.Model):
    """The latest honest word for the customer about an item: the reason in plain words and the
    new ETA, written by an agent; the status page and proactive updates say it."""

    item = models.ForeignKey(
        "tracking.Item", verbose_name=_("item"), on_delete=models.CASCADE, related_name="status_notes"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="status_notes",
    )
    reason = models.CharField(_("reason (for the customer)"), max_length=500)
    eta = models.DateTimeField(_("new ETA"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("status note")
        verbose_name_plural = _("status notes")
        indexes = [models.Index(fields=["item", "-created_at"], name="portal_note_item_idx")]

    def __str__(self) -> str:
        return self.reason[:60]


def _score_check(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 1, f"{field}__lte": 5}),
        name=f"survey_{field}_1_to_5",
    )


class Survey(models.Model):
    """满意度调查: the CSAT survey of one resolved case (1–5 and a comment, optional SERVQUAL
    dimensions), answered at most once."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="survey"
    )
    invited_at = models.DateTimeField(_("invited at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    reliability = models.PositiveSmallIntegerField(_("reliability"), null=True, blank=True)
    responsiveness = models.PositiveSmallIntegerField(_("responsiveness"), null=True, blank=True)
    assurance = models.PositiveSmallIntegerField(_("assurance"), null=True, blank=True)
    empathy = models.PositiveSmallIntegerField(_("empathy"), null=True, blank=True)
    tangibles = models.PositiveSmallIntegerField(_("tangibles"), null=True, blank=True)
    language = models.CharField(_("answered in"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [_score_check(name) for name in ("score", *SERVQUAL_DIMENSIONS)]
        indexes = [
            models.Index(
                fields=["answered_at"],
                name="portal_survey_answered_idx",
                condition=Q(answered_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"survey of case {self.case_id}"


class ReminderNotice(models.Model):
    """That an internal confirmation reminder reached its team (once per reminder)."""

    reminder = models.OneToOneField(
        "stalls.Reminder", verbose_name=_("reminder"), on_delete=models.CASCADE, related_name="portal_notice"
    )
    recipients = models.PositiveIntegerField(_("people told"), default=0)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("reminder notice")
        verbose_name_plural = _("reminder notices")

    def __str__(self) -> str:
        return f"notice of reminder {self.reminder_id}"


class ScanCursor(models.Model):
    """How far one of the portal's scans of new rows (cases, reminders, timeline) has read."""

    name = models.CharField(_("scan"), max_length=40, unique=True)
    position = models.BigIntegerField(_("last id read"), default=0)

    class Meta:
        verbose_name = _("scan cursor")
        verbose_name_plural = _("scan cursors")

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"
