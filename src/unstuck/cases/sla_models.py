"""SLA policies, clocks, timers and the escalation ladder of cases (imported by `cases.models`).

A policy (per priority) says how much business time each target allows; a case gets one clock per
target, counted in its team's calendar and paused while it waits on the customer. Every moment a
clock must act at (a warning fraction, the breach, a level of the escalation ladder) is an
`SlaTimer` row with an indexed due time that the worker claims, so each fires exactly once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from unstuck.calendars.durations import InvalidDuration, parse_duration
from unstuck.cases.lifecycle import FINISHED, CaseStatus, Priority

DEFAULT_PAUSE_STATUSES = [CaseStatus.WAITING_CUSTOMER.value]
DEFAULT_WARN_FRACTIONS = [0.5, 0.75]


class SlaTarget(models.TextChoices):
    """The three promises an SLA policy makes about a case."""

    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_UPDATE = "next_update", _("Next update")
    RESOLUTION = "resolution", _("Resolution")


def default_pause_statuses() -> list[str]:
    return list(DEFAULT_PAUSE_STATUSES)


def default_warn_fractions() -> list[float]:
    return list(DEFAULT_WARN_FRACTIONS)


def validate_duration(value: str) -> None:
    """A duration as process files write it (30m, 4h, 3d); a day is one working day of the calendar."""
    try:
        duration = parse_duration(value)
    except InvalidDuration as error:
        raise ValidationError(str(error)) from None
    if duration.days == 0 and duration.seconds == 0:
        raise ValidationError(_("A target must allow some time (e.g. 30m, 4h, 3d)."))


def validate_delay(value: str) -> None:
    """An optional duration (blank or 0s for none)."""
    if value.strip():
        try:
            parse_duration(value)
        except InvalidDuration as error:
            raise ValidationError(str(error)) from None


def validate_pause_statuses(value: Any) -> None:
    """A list of open case statuses."""
    allowed = [status for status in CaseStatus.values if status not in FINISHED]
    if not isinstance(value, list) or not all(isinstance(status, str) for status in value):
        raise ValidationError(_('Give a list of statuses, e.g. ["waiting_customer"].'))
    unknown = [status for status in value if status not in allowed]
    if unknown:
        raise ValidationError(
            _("%(unknown)s: not an open status; use some of: %(allowed)s.")
            % {"unknown": ", ".join(unknown), "allowed": ", ".join(allowed)}
        )


def validate_warn_fractions(value: Any) -> None:
    """A list of fractions strictly between 0 and 1, e.g. [0.5, 0.75]."""
    if not isinstance(value, list) or not all(
        isinstance(fraction, int | float) and not isinstance(fraction, bool) for fraction in value
    ):
        raise ValidationError(_("Give a list of fractions, e.g. [0.5, 0.75]."))
    bad = [fraction for fraction in value if not 0 < fraction < 1]
    if bad:
        raise ValidationError(
            _("%(bad)s: a warning fraction lies strictly between 0 and 1 (0.5 = half the time).")
            % {"bad": ", ".join(str(fraction) for fraction in bad)}
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Each warning fraction may appear once."))


class SlaPolicy(models.Model):
    """How much business time a case of one priority allows for first response, next update and resolution.

    Edited in the admin. A clock keeps the budget it started with (like an item keeps its process
    version); a change applies to clocks started afterwards.
    """

    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices, unique=True)
    first_response = models.CharField(
        _("first response"),
        max_length=32,
        validators=[validate_duration],
        help_text=_("Business time until the first human action, e.g. 30m, 4h, 1d (a day = a working day)."),
    )
    next_update = models.CharField(
        _("next update"),
        max_length=32,
        validators=[validate_duration],
        help_text=_("Business time allowed between customer-facing updates, e.g. 2h, 1d."),
    )
    resolution = models.CharField(
        _("resolution"),
        max_length=32,
        validators=[validate_duration],
        help_text=_("Business time until the case is resolved, e.g. 4h, 3d, 10d."),
    )
    pause_statuses = models.JSONField(
        _("pausing statuses"),
        default=default_pause_statuses,
        validators=[validate_pause_statuses],
        help_text=_('While the case is in one of these statuses its clocks stop, e.g. ["waiting_customer"].'),
    )
    warn_fractions = models.JSONField(
        _("warning fractions"),
        default=default_warn_fractions,
        validators=[validate_warn_fractions],
        help_text=_("Warn when this share of a target's time is used, e.g. [0.5, 0.75]."),
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["priority"]

    def __str__(self) -> str:
        return f"{self.priority}: {self.first_response} / {self.next_update} / {self.resolution}"

    def target_duration(self, target: str) -> str:
        return str(getattr(self, target))


class EscalationLevel(models.Model):
    """One rung of a policy's escalation ladder: at a point of a target's time, notify and maybe reassign.

    The point is `at_fraction` of the target's business time (0.75, 1 = the breach) plus `delay`
    more business time (e.g. 2h after the breach).
    """

    class Notify(models.TextChoices):
        OWNER = "owner", _("The case owner")
        TEAM_LEAD = "team_lead", _("The team lead")
        TEAM_SUPERVISORS = "team_supervisors", _("The team's supervisors")
        USER = "user", _("A named user")

    class Reassign(models.TextChoices):
        NONE = "none", _("Do not reassign")
        TEAM_LEAD = "team_lead", _("To the team lead")
        USER = "user", _("To the named user")

    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="levels"
    )
    position = models.PositiveSmallIntegerField(_("level"), help_text=_("1 for the first rung, 2 ..."))
    target = models.CharField(
        _("target"), max_length=16, choices=SlaTarget.choices, default=SlaTarget.RESOLUTION
    )
    at_fraction = models.FloatField(
        _("at fraction"), default=1.0, help_text=_("Share of the target's time: 0.75, or 1 for the breach.")
    )
    delay = models.CharField(
        _("then after"),
        max_length=32,
        blank=True,
        default="",
        validators=[validate_delay],
        help_text=_("More business time after that point, e.g. 2h; blank for none."),
    )
    notify = models.CharField(_("notify"), max_length=16, choices=Notify.choices, default=Notify.OWNER)
    reassign = models.CharField(_("reassign"), max_length=16, choices=Reassign.choices, default=Reassign.NONE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("named user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Whom to notify or reassign to when the level says “a named user”."),
    )

    class Meta:
        verbose_name = _("escalation level")
        verbose_name_plural = _("escalation levels")
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="escalation_level_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} L{self.position}: {self.target} @ {self.at_fraction:g} +{self.delay or 0}"

    def clean(self) -> None:
        if not 0 < self.at_fraction <= 10:
            raise ValidationError({"at_fraction": _("Give a share above 0 (1 = the breach, at most 10).")})
        needs_user = self.notify == self.Notify.USER or self.reassign == self.Reassign.USER
        if needs_user and self.user_id is None:
            raise ValidationError({"user": _("Name the user this level notifies or reassigns to.")})


class SlaClock(models.Model):
    """One SLA target of one case: when it started, paused business time, when it is due, met or breached.

    `due_at` = the moment `budget_seconds + paused_seconds` of business time after `started_at`
    (null while paused, stopped or not started). `next_update` restarts (a new `cycle`) at every
    customer-facing update; `met_at` is then the last update.
    """

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="sla_clocks"
    )
    target = models.CharField(_("target"), max_length=16, choices=SlaTarget.choices)
    policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("policy"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    calendar_key = models.CharField(_("business calendar"), max_length=63)
    budget_seconds = models.PositiveIntegerField(_("allowed business seconds"))
    cycle = models.PositiveIntegerField(_("cycle"), default=1)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("paused business seconds"), default=0)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    warned = models.JSONField(_("warned at fractions"), default=list, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    problem = models.CharField(_("problem"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        constraints = [
            models.UniqueConstraint(fields=["case", "target"], name="sla_clock_case_target_unique"),
        ]
        # The brief's breaches of a day (migration 0008_sla_clock_breached_idx).
        indexes = [models.Index(fields=["breached_at"], name="sla_clock_breached_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.target} due {self.due_at}"

    @property
    def is_done(self) -> bool:
        """Met (first response, resolution) or stopped because the case finished."""
        if self.target == SlaTarget.NEXT_UPDATE:
            return self.stopped_at is not None
        return self.met_at is not None or self.stopped_at is not None

    @property
    def is_running(self) -> bool:
        return self.started_at is not None and not self.is_done and self.paused_since is None

    @property
    def is_paused(self) -> bool:
        return self.started_at is not None and not self.is_done and self.paused_since is not None


class SlaTimer(models.Model):
    """A moment one clock must act at: a warning, the breach, or an escalation level. Fires once.

    `offset_seconds` is business time after the clock's start (pauses not counted); `due_at` is null
    while the clock does not run. The worker reads the partial index of unfired timers by due time.
    """

    class Kind(models.TextChoices):
        WARNING = "warning", _("Warning")
        BREACH = "breach", _("Breach")
        ESCALATION = "escalation", _("Escalation")

    clock = models.ForeignKey(
        SlaClock, verbose_name=_("clock"), on_delete=models.CASCADE, related_name="timers"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="sla_timers"
    )
    cycle = models.PositiveIntegerField(_("cycle"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # "warning:0.5", "breach", "escalation:<level id>": unique per clock and cycle.
    key = models.CharField(_("key"), max_length=40)
    fraction = models.FloatField(_("fraction"))
    level = models.ForeignKey(
        EscalationLevel,
        verbose_name=_("escalation level"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    offset_seconds = models.PositiveIntegerField(_("business seconds after start"))
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    fired_at = models.DateTimeField(_("fired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA timer")
        verbose_name_plural = _("SLA timers")
        constraints = [
            models.UniqueConstraint(fields=["clock", "cycle", "key"], name="sla_timer_once"),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="sla_timer_due_idx",
                condition=Q(fired_at__isnull=True, due_at__isnull=False),
            ),
            models.Index(fields=["case", "fired_at"], name="sla_timer_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.key} due {self.due_at}"


class SlaEscalation(models.Model):
    """A level of the escalation ladder that fired for a case: whom it notified, whom it gave the case to."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="escalations"
    )
    timer = models.OneToOneField(
        SlaTimer, verbose_name=_("timer"), on_delete=models.PROTECT, related_name="escalation"
    )
    level = models.ForeignKey(
        EscalationLevel,
        verbose_name=_("level"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField(_("level"))
    target = models.CharField(_("target"), max_length=16, choices=SlaTarget.choices)
    at = models.DateTimeField(_("at"))
    notified = models.JSONField(_("notified"), default=list, blank=True)
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("previous owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reassigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reassigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["case", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} L{self.position} @ {self.at}"
