"""Cases (异常工单): the unit of work opened for a stall or by hand, its append-only timeline, and
the small settings that decide a new case's priority and owner.

Built to grow: SLA clocks, escalations, playbooks, causes, remedies, incidents and problems will
hang off `Case` by foreign key; nothing here needs to change for them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from unstuck.cases.lifecycle import FINISHED, OPEN, CaseStatus, CaseType, Level, Priority
from unstuck.cases.sla_models import EscalationLevel, SlaClock, SlaEscalation, SlaPolicy, SlaTimer

__all__ = [
    "Case",
    "CaseStall",
    "EscalationLevel",
    "ImpactRule",
    "SlaClock",
    "SlaEscalation",
    "SlaPolicy",
    "SlaState",
    "SlaTimer",
    "TeamRouting",
    "TimelineEntry",
]


class SlaState(models.TextChoices):
    """Where a case stands against its SLA targets ('' until a policy applies)."""

    OK = "ok", _("On track")
    WARNING = "warning", _("Nearing breach")
    BREACHED = "breached", _("Breached")
    PAUSED = "paused", _("Paused (waiting on the customer)")


class Case(models.Model):
    """One piece of trouble a named person owns and drives to done: opened from stalls or by hand.

    At most one *open* case exists per (item, rule): the partial unique constraint makes that hold
    even when several workers route stalls of the same item at once.
    """

    class Origin(models.TextChoices):
        STALL = "stall", _("Opened from a stall")
        MANUAL = "manual", _("Opened by hand")

    number = models.CharField(_("number"), max_length=20, unique=True, null=True, editable=False)
    type = models.CharField(_("type"), max_length=24, choices=CaseType.choices)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.NEW)
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    impact = models.CharField(_("impact"), max_length=8, choices=Level.choices)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Level.choices)
    origin = models.CharField(_("origin"), max_length=8, choices=Origin.choices)
    item = models.ForeignKey(
        "tracking.Item",
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    process = models.ForeignKey(
        "processes.Process",
        verbose_name=_("process"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    # The stall rule that opened the case ('' for manual cases).
    rule = models.CharField(_("rule"), max_length=20, blank=True)
    # The step the promise stalled at (the latest stall's step; for a case opened by hand, the
    # item's step then), kept on the case so the wall groups breaches by step from an index
    # instead of joining every breached case to its item.
    step = models.CharField(_("step"), max_length=100, blank=True, default="")
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    # No index of its own: every owner-led lookup (the queue, reassignment, a user's PROTECT check)
    # reads case_owner_sla_idx or case_open_owner_queue_idx, both led by the owner.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_cases",
        db_index=False,
    )
    title = models.CharField(_("title"), max_length=300)
    opened_at = models.DateTimeField(_("opened at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Denormalised from the case's SLA clocks (kept by the SLA service), so queues sort by urgency
    # from an index: the due moment of the nearest running target, null while paused or none runs.
    sla_due_at = models.DateTimeField(_("next SLA due"), null=True, blank=True)
    sla_state = models.CharField(_("SLA state"), max_length=10, choices=SlaState.choices, blank=True)
    # Head of the timeline's hash chain: verification also catches entries removed from the end.
    timeline_seq = models.PositiveIntegerField(_("timeline entries"), default=0, editable=False)
    timeline_head = models.CharField(_("timeline head hash"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "rule"],
                name="case_one_open_per_item_rule",
                condition=Q(item__isnull=False) & ~Q(rule="") & ~Q(status__in=sorted(FINISHED)),
            ),
        ]
        indexes = [
            models.Index(fields=["team", "status", "id"], name="case_team_status_idx"),
            models.Index(fields=["item", "rule"], name="case_item_rule_idx"),
            models.Index(fields=["owner", "status", "sla_due_at"], name="case_owner_sla_idx"),
            models.Index(fields=["team", "status", "sla_due_at"], name="case_team_sla_idx"),
            # A team's open cases, newest first (the API list and its keyset pages): PostgreSQL
            # walks this backwards and stops after one page, however many finished cases there are.
            models.Index(fields=["team", "id"], name="case_team_open_idx", condition=Q(status__in=OPEN)),
            # The desk's queues (migration 0005_desk_indexes): open cases in queue order (SLA due,
            # nulls last, then priority, age, id), so a page is an index range even where one team
            # has 50,000 open cases; (team|owner, status, sla_due_at) cannot give that order across
            # the four open statuses. The load one serves the supervisor wall's workload (index-only).
            models.Index(
                fields=["owner", "sla_due_at", "priority", "opened_at", "id"],
                name="case_open_owner_queue_idx",
                condition=Q(status__in=OPEN),
            ),
            models.Index(
                fields=["team", "sla_due_at", "priority", "opened_at", "id"],
                name="case_open_team_queue_idx",
                condition=Q(status__in=OPEN),
            ),
            models.Index(
                fields=["sla_due_at", "priority", "opened_at", "id"],
                name="case_open_queue_idx",
                condition=Q(status__in=OPEN),
            ),
            models.Index(
                fields=["team", "owner", "sla_state"], name="case_open_load_idx", condition=Q(status__in=OPEN)
            ),
            # Migrations 0007_scale_indexes and 0009_case_step, for 1,000,000 cases: the wall's breach
            # groups (index-only on the breached open cases), and the brief's day windows (cases
            # opened or resolved in a day, for one team or all) as index ranges, not scans.
            models.Index(
                fields=["sla_state", "process", "team", "step"],
                name="case_open_breach_idx",
                condition=Q(status__in=OPEN),
            ),
            models.Index(fields=["team", "opened_at"], name="case_team_opened_idx"),
            models.Index(fields=["team", "resolved_at"], name="case_team_resolved_idx"),
            models.Index(fields=["opened_at"], name="case_opened_idx"),
            models.Index(fields=["resolved_at"], name="case_resolved_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number or '?'} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status not in FINISHED


class CaseStall(models.Model):
    """A stall that a case covers: the first one opened it, later ones of the same item and rule joined."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="case_stalls"
    )
    stall = models.OneToOneField(
        "stalls.Stall", verbose_name=_("stall"), on_delete=models.CASCADE, related_name="case_link"
    )
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("case stall")
        verbose_name_plural = _("case stalls")

    def __str__(self) -> str:
        return f"{self.case_id} ← stall {self.stall_id}"


class TimelineEntry(models.Model):
    """One append-only fact in a case's life (who, when, what, why), hash-chained per case.

    `hash` = HMAC-SHA256 under the audit key of `prev_hash` + the canonical JSON of the entry (see
    `cases.timeline`); the case row stores the head and `unstuck audit anchor` copies it out of the
    database, so `unstuck audit verify` detects what docs/audit.md lists.
    """

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        STALL_ADDED = "stall_added", _("Stall added")
        ASSIGNED = "assigned", _("Assigned")
        STATUS_CHANGED = "status_changed", _("Status changed")
        NOTE = "note", _("Note")
        RESOLVED_AUTO = "resolved_auto", _("Resolved by itself")
        REOPENED = "reopened", _("Reopened")
        SLA_WARNING = "sla_warning", _("SLA warning")
        SLA_BREACHED = "sla_breached", _("SLA breached")
        ESCALATED = "escalated", _("Escalated")
        NOTIFIED = "notified", _("Notified")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="timeline")
    seq = models.PositiveIntegerField(_("sequence"))
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who acted, as people read it: a username, or "worker" / "system".
    actor_label = models.CharField(_("actor label"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    data = models.JSONField(_("data"), default=dict, blank=True)
    message = models.TextField(_("message"))
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="timeline_seq_unique"),
        ]
        # The brief's day windows by kind (reopened, breached... in a day): migration 0007_scale_indexes.
        indexes = [models.Index(fields=["kind", "at"], name="timeline_kind_at_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.kind}"


class TeamRouting(models.Model):
    """How a team hands out new cases among its active agents, and whom round-robin picked last."""

    class Strategy(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("Round-robin")
        LEAST_LOADED = "least_loaded", _("Least loaded (fewest open cases)")
        NONE = "none", _("Do not assign automatically")

    team = models.OneToOneField(
        "accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="routing"
    )
    strategy = models.CharField(
        _("strategy"), max_length=16, choices=Strategy.choices, default=Strategy.ROUND_ROBIN
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last assigned"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("team routing")
        verbose_name_plural = _("team routing")

    def __str__(self) -> str:
        return f"{self.team_id}: {self.strategy}"


class ImpactRule(models.Model):
    """A configurable rule raising (or lowering) a case's impact from its item's attributes.

    E.g. `attrs.order_value` `gte` 5000 → high; `attrs.customer_tier` `eq` "VIP" → high. Of the
    rules that match, the highest impact wins; none matching gives the default (medium).
    """

    class Operator(models.TextChoices):
        GTE = "gte", "≥"
        GT = "gt", ">"
        LTE = "lte", "≤"
        LT = "lt", "<"
        EQ = "eq", "="
        IN = "in", _("is one of")
        TRUTHY = "truthy", _("is set and true")

    process = models.ForeignKey(
        "processes.Process",
        verbose_name=_("process"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Only items of this process; empty for every process."),
    )
    attribute = models.CharField(
        _("attribute"),
        max_length=200,
        help_text=_("A dotted path into the item's attributes: attrs.order_value"),
    )
    operator = models.CharField(_("operator"), max_length=8, choices=Operator.choices)
    value = models.JSONField(_("value"), null=True, blank=True)
    impact = models.CharField(_("impact"), max_length=8, choices=Level.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("impact rule")
        verbose_name_plural = _("impact rules")

    def __str__(self) -> str:
        return f"{self.attribute} {self.operator} {self.value!r} → {self.impact}"


# The routing tables live in their own module; importing them here registers them with Django.
from unstuck.cases.routing_models import (  # noqa: E402, F401
    PriorityCell,
    SkillRequirement,
    TypeTeam,
    TypeUrgency,
)
