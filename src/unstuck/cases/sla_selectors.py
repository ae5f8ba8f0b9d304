"""Reads for SLA policies and a case's SLA record (clocks, warnings, breaches, escalations).

Policies are not secret: every signed-in user may read them (agents plan their day by them).
A case's SLA record is read for a case already obtained through `cases.selectors`, so the
permission check has happened; each read here is one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet

from unstuck.cases.models import Case
from unstuck.cases.sla import sla_remaining_seconds
from unstuck.cases.sla_models import EscalationLevel, SlaClock, SlaEscalation, SlaPolicy, SlaTarget, SlaTimer

_ORDER = {target: index for index, target in enumerate(SlaTarget.values)}


def sla_policy_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[SlaPolicy]:
    """Every SLA policy with its escalation ladder in order (none for anonymous users)."""
    policies = SlaPolicy.objects.order_by("priority").prefetch_related(
        Prefetch("levels", queryset=EscalationLevel.objects.select_related("user").order_by("position"))
    )
    return policies if user.is_authenticated else policies.none()


@dataclass(frozen=True)
class ClockView:
    """One target of a case as people read it: the clock and the business time left."""

    clock: SlaClock
    remaining_seconds: int | None


@dataclass(frozen=True)
class CaseSlaView:
    """Everything a case's SLA panel shows."""

    clocks: list[ClockView]
    fired: list[SlaTimer]
    escalations: list[SlaEscalation]


def case_sla_view(*, case: Case, now: datetime) -> CaseSlaView:
    """The SLA record of one (already permission-checked) case, in three queries."""
    clocks = sorted(SlaClock.objects.filter(case=case), key=lambda clock: _ORDER.get(clock.target, 9))
    by_id = {clock.pk: clock for clock in clocks}
    fired = list(
        SlaTimer.objects.filter(case=case, fired_at__isnull=False)
        .exclude(kind=SlaTimer.Kind.ESCALATION)
        .order_by("fired_at", "pk")
    )
    for timer in fired:  # the clock is already loaded: no query per row
        if timer.clock_id in by_id:
            timer.clock = by_id[timer.clock_id]
    escalations = list(
        SlaEscalation.objects.filter(case=case)
        .select_related("reassigned_to", "previous_owner")
        .order_by("at", "pk")
    )
    views = [
        ClockView(clock, sla_remaining_seconds(clock=clock, now=now) if clock.is_running else None)
        for clock in clocks
    ]
    return CaseSlaView(views, fired, escalations)
