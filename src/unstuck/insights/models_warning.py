"""Insights' own rows: early warning (危机预警) — what it watches, what it counted, what it raised."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WarningAttribute(models.Model):
    """An item attribute (warehouse, carrier, ...) whose values early warning watches one by one."""

    key = models.CharField(_("attribute key"), max_length=100, unique=True)
    active = models.BooleanField(_("watched"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("early-warning attribute")
        verbose_name_plural = _("early-warning attributes")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class StallTally(models.Model):
    """A stall as early warning counts it: its series (process, step, item attributes) and start.

    Copied from the stalls app by id (`stall_tallies_sync`) so that counting any past hour is an
    index range here, whatever the stalls table's indexes are; one row per stall (unique).
    """

    stall = models.OneToOneField(
        "stalls.Stall", verbose_name=_("stall"), on_delete=models.CASCADE, related_name="+"
    )
    process = models.ForeignKey("processes.Process", verbose_name=_("process"), on_delete=models.CASCADE)
    step = models.CharField(_("step"), max_length=100)
    team_key = models.CharField(_("team"), max_length=63, blank=True)
    since = models.DateTimeField(_("stalled since"))
    attrs = models.JSONField(_("item attributes (text)"), default=dict, blank=True)

    class Meta:
        verbose_name = _("stall tally")
        verbose_name_plural = _("stall tallies")
        indexes = [
            models.Index(fields=["since"], name="tally_since_idx"),
            models.Index(fields=["process", "since"], name="tally_process_since_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.process_id} {self.step} @ {self.since:%Y-%m-%d %H:%M}"


class WarningSchedule(models.Model):
    """The early-warning job's own state: when the next scan is due and how far stalls were copied."""

    name = models.CharField(_("name"), max_length=32, unique=True)
    due_at = models.DateTimeField(_("due at"), db_index=True)
    last_stall_id = models.BigIntegerField(_("last stall copied"), default=0)

    class Meta:
        verbose_name = _("early-warning schedule")
        verbose_name_plural = _("early-warning schedules")

    def __str__(self) -> str:
        return self.name


class EarlyWarning(models.Model):
    """A spike of stalls in one step (and attribute value) against its usual rate for that hour of the
    week; raised once per spike, ended when the rate falls back."""

    process = models.ForeignKey("processes.Process", verbose_name=_("process"), on_delete=models.CASCADE)
    step = models.CharField(_("step"), max_length=100)
    team_key = models.CharField(_("team"), max_length=63, blank=True)
    attr_key = models.CharField(_("attribute"), max_length=100, blank=True)
    attr_value = models.CharField(_("attribute value"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("raised at"))
    window_start = models.DateTimeField(_("counted from"))
    stalls = models.PositiveIntegerField(_("stalls in the hour"))
    peak_stalls = models.PositiveIntegerField(_("peak stalls in an hour"))
    baseline_median = models.FloatField(_("usual stalls (median)"))
    baseline_mad = models.FloatField(_("usual spread (MAD)"))
    score = models.FloatField(_("robust z-score"))
    weeks = models.PositiveSmallIntegerField(_("weeks compared"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    notified = models.PositiveIntegerField(_("supervisors notified"), default=0)
    incident = models.ForeignKey(
        "cases.Case",
        verbose_name=_("incident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        constraints = [
            # One open warning per series: a spike is raised once, however many scans see it.
            models.UniqueConstraint(
                fields=["process", "step", "attr_key", "attr_value"],
                condition=Q(ended_at__isnull=True),
                name="early_warning_open_once",
            )
        ]
        indexes = [models.Index(fields=["-started_at"], name="early_warning_recent_idx")]

    def __str__(self) -> str:
        where = f" {self.attr_key}={self.attr_value}" if self.attr_key else ""
        return f"{self.process_id} {self.step}{where} @ {self.started_at:%Y-%m-%d %H:%M}"
