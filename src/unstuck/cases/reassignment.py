"""Handing an absent owner's cases that approach breach to their deputy, else to the team's next
available agent, before the SLA is missed while nobody looks.

The worker reads only index ranges: the people away now come from the absences' window index, and
their cases from the `(owner, status, sla_due_at)` index (`case_owner_sla_idx`): the open cases of
those owners due within the horizon, plus those the SLA engine already marked `warning` or
`breached`. Each batch is claimed with FOR UPDATE SKIP LOCKED on PostgreSQL and reassigned in the
same transaction, so parallel workers never hand one case on twice and a killed worker leaves its
batch as it was. A reassigned case has an owner who is present, so running again changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.accounts.models import Absence, Membership
from unstuck.accounts.selectors import absences_current, absent_user_ids, user_deputy, user_label
from unstuck.cases.assignment import Assigner, absence_until_text
from unstuck.cases.lifecycle import OPEN
from unstuck.cases.models import Case, SlaState, TimelineEntry
from unstuck.cases.timeline import timeline_append

if TYPE_CHECKING:
    from django.contrib.auth.models import User

WORKER = "worker"
NEAR_BREACH_STATES = (SlaState.WARNING, SlaState.BREACHED)


def reassign_horizon() -> timedelta:
    """How close to its SLA due moment an absent owner's case is handed on (default 2 hours)."""
    return timedelta(minutes=settings.UNSTUCK_REASSIGN_HORIZON_MINUTES)


def _candidates(owner_ids: list[int], due_before: datetime) -> QuerySet[Case]:
    near = Q(sla_due_at__lte=due_before) | Q(sla_state__in=NEAR_BREACH_STATES)
    return Case.objects.filter(near, owner_id__in=owner_ids, status__in=OPEN)


def _claim(owner_ids: list[int], due_before: datetime, after_id: int, batch: int) -> list[Case]:
    query = _candidates(owner_ids, due_before).filter(pk__gt=after_id).select_related("team", "owner")
    query = query.order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True, of=("self",))
    return list(query[:batch])


def _why_due(case: Case) -> str:
    if case.sla_state == SlaState.BREACHED:
        return _("its SLA is breached")
    if case.sla_state == SlaState.WARNING:
        return _("its SLA is nearing breach")
    due = timezone.localtime(case.sla_due_at).strftime("%m-%d %H:%M") if case.sla_due_at else "?"
    return _("its SLA is due at %(due)s") % {"due": due}


class _Reassigner:
    """One transaction's worth of reassignments, with deputies and team rosters read once."""

    def __init__(self, now: datetime, away: dict[int, Absence]) -> None:
        self.now = now
        self.away = away
        self.assigner = Assigner(at=now)
        self._deputies: dict[int, User | None] = {}

    def deputy(self, owner_id: int) -> User | None:
        if owner_id not in self._deputies:
            self._deputies[owner_id] = user_deputy(user_id=owner_id, at=self.now)
        return self._deputies[owner_id]

    def reassign(self, case: Case) -> bool:
        previous = case.owner
        assert previous is not None
        deputy = self.deputy(previous.pk)
        via = "deputy"
        new_owner = deputy
        if (
            deputy is not None
            and case.team_id is not None
            and not Membership.objects.filter(user=deputy, team_id=case.team_id).exists()
        ):
            new_owner = None  # they could not even see the case: the team takes it instead
        if new_owner is None and case.team is not None:
            via = "team"
            new_owner = self.assigner.pick(case.team, case_type=case.type, process_id=case.process_id).owner
        if new_owner is None or new_owner.pk == previous.pk:
            return False  # nobody to hand it to: left alone, looked at again on the next pass
        absence = self.away.get(previous.pk)
        away_text = absence_until_text(absence) if absence is not None else _("away")
        case.owner = new_owner
        Case.objects.filter(pk=case.pk).update(owner=new_owner)
        if via == "deputy":
            message = _("Reassigned from %(previous)s (%(away)s) to %(owner)s, the deputy: %(why)s.")
        else:
            message = _("Reassigned from %(previous)s (%(away)s) to %(owner)s of the team: %(why)s.")
        timeline_append(
            case=case,
            kind=TimelineEntry.Kind.ASSIGNED,
            actor_label=WORKER,
            at=self.now,
            data={
                "owner": new_owner.get_username(),
                "previous": previous.get_username(),
                "auto": True,
                "reason": "owner_absent",
                "via": via,
                "sla_state": case.sla_state,
                "sla_due_at": case.sla_due_at.isoformat() if case.sla_due_at else None,
            },
            message=message
            % {
                "previous": user_label(previous),
                "away": away_text,
                "owner": user_label(new_owner),
                "why": _why_due(case),
            },
        )
        return True


def cases_reassign_absent(*, batch: int = 500, now: datetime | None = None) -> int:
    """Hand every absent owner's open case that nears breach to the deputy or the team; returns
    how many cases changed hands (at most about `batch` per call; the worker calls again)."""
    now = now or timezone.now()
    owners = absent_user_ids(at=now)
    if not owners:
        return 0
    due_before = now + reassign_horizon()
    reassigned = 0
    after_id = 0
    while reassigned < batch:
        with transaction.atomic():
            cases = _claim(owners, due_before, after_id, batch)
            if not cases:
                break
            after_id = cases[-1].pk
            worker = _Reassigner(now, absences_current(user_ids=owners, at=now))
            # One lock order for every worker: team routing rows are locked in team order.
            for case in sorted(cases, key=lambda c: (c.team_id or 0, c.pk)):
                reassigned += worker.reassign(case)
            worker.assigner.flush()
    return reassigned
