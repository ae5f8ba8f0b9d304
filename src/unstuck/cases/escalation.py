"""The worker's SLA pass: warnings, breaches and the escalation ladder, each fired exactly once.

`sla_timers_fire` claims a batch of due timers (the partial index of unfired timers by due time;
FOR UPDATE SKIP LOCKED on PostgreSQL), locks their cases (skipping a case a service holds right
now: its timers stay due for the next round), and for each timer writes its record — the timer's
`fired_at`, the clock's warning or breach, an escalation row, timeline entries, notifications —
in the same transaction. A worker killed mid-pass leaves the timers unfired; two workers never
claim the same timer; the unique (clock, cycle, key) makes each timer one row. A case's timers
fire in due order even across workers: a worker stops at the first due timer of a case that
another worker holds, and leaves the rest to the next round.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from unstuck.accounts.models import Membership, Role
from unstuck.cases.models import Case, TimelineEntry
from unstuck.cases.notify import case_notify
from unstuck.cases.sla import sla_summary_store
from unstuck.cases.sla_models import EscalationLevel, SlaClock, SlaEscalation, SlaTarget, SlaTimer
from unstuck.cases.timeline import timeline_append

if TYPE_CHECKING:
    from django.contrib.auth.models import User

WORKER = "worker"
Kind = TimelineEntry.Kind


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def _target_label(target: str) -> str:
    return str(SlaTarget(target).label)


def _recipients(case: Case, level: EscalationLevel) -> list[User]:
    notify = level.notify
    if notify == EscalationLevel.Notify.OWNER:
        return [case.owner] if case.owner is not None else []
    if notify == EscalationLevel.Notify.TEAM_LEAD:
        return [case.team.lead] if case.team is not None and case.team.lead is not None else []
    if notify == EscalationLevel.Notify.TEAM_SUPERVISORS:
        if case.team_id is None:
            return []
        members = Membership.objects.filter(team_id=case.team_id, role=Role.SUPERVISOR, user__is_active=True)
        return [membership.user for membership in members.select_related("user").order_by("user__username")]
    return [level.user] if level.user is not None else []


def _new_owner(case: Case, level: EscalationLevel) -> User | None:
    if level.reassign == EscalationLevel.Reassign.TEAM_LEAD:
        return case.team.lead if case.team is not None else None
    if level.reassign == EscalationLevel.Reassign.USER:
        return level.user
    return None


def _escalate(case: Case, clock: SlaClock, timer: SlaTimer, now: datetime) -> None:
    level = timer.level
    if level is None:  # the level was deleted from the ladder after the clock started
        return
    previous = case.owner
    owner = _new_owner(case, level)
    reassigned = owner is not None and owner.is_active and owner.pk != (previous.pk if previous else None)
    if reassigned:
        case.owner = owner
        Case.objects.filter(pk=case.pk).update(owner=owner)
    recipients = _recipients(case, level)
    if reassigned and owner is not None:
        recipients.append(owner)
    SlaEscalation.objects.create(
        case=case,
        timer=timer,
        level=level,
        position=level.position,
        target=clock.target,
        at=now,
        notified=sorted({user.get_username() for user in recipients if user.is_active}),
        previous_owner=previous if reassigned else None,
        reassigned_to=owner if reassigned else None,
    )
    words = {
        "level": level.position,
        "target": _target_label(clock.target),
        "percent": round(level.at_fraction * 100),
        "delay": level.delay or "0",
    }
    message = _("Escalation level %(level)s: %(target)s at %(percent)s%% (+%(delay)s).") % words
    if reassigned and owner is not None:
        message = f"{message} " + _("Reassigned to %(owner)s.") % {"owner": owner.get_username()}
    elif level.reassign != EscalationLevel.Reassign.NONE:
        message = f"{message} " + _("No one to reassign to (no active team lead or user).")
    timeline_append(
        case=case,
        kind=Kind.ESCALATED,
        actor_label=WORKER,
        at=now,
        data={
            "level": level.position,
            "target": clock.target,
            "fraction": level.at_fraction,
            "delay": level.delay,
            "timer": timer.pk,
            "notify": level.notify,
            "reassigned_to": owner.get_username() if reassigned and owner is not None else None,
            "previous_owner": previous.get_username() if reassigned and previous is not None else None,
        },
        message=message,
    )
    case_notify(
        case=case,
        users=recipients,
        subject=_("Case %(number)s escalated (level %(level)s)")
        % {"number": case.number, "level": level.position},
        body=message,
        dedupe_key=f"sla-escalation:{timer.pk}",
        template_key="case_escalation",
    )


def _fire(case: Case, clock: SlaClock, timer: SlaTimer, now: datetime) -> bool:
    """Record one due timer; False (and unscheduled) if its clock no longer runs that cycle."""
    if timer.cycle != clock.cycle or not clock.is_running or timer.due_at is None:
        SlaTimer.objects.filter(pk=timer.pk).update(due_at=None)
        return False
    timer.fired_at = now
    SlaTimer.objects.filter(pk=timer.pk).update(fired_at=now)
    due = timer.due_at
    words = {"target": _target_label(clock.target), "due": _when(clock.due_at or due), "at": _when(due)}
    if timer.kind == SlaTimer.Kind.WARNING:
        clock.warned = sorted({*clock.warned, timer.fraction})
        SlaClock.objects.filter(pk=clock.pk).update(warned=clock.warned)
        timeline_append(
            case=case,
            kind=Kind.SLA_WARNING,
            actor_label=WORKER,
            at=now,
            data={
                "target": clock.target,
                "fraction": timer.fraction,
                "at": due.isoformat(),
                "timer": timer.pk,
            },
            message=_("%(target)s: %(percent)s%% of the time used at %(at)s; due %(due)s.")
            % {**words, "percent": round(timer.fraction * 100)},
        )
    elif timer.kind == SlaTimer.Kind.BREACH:
        clock.breached_at = due
        SlaClock.objects.filter(pk=clock.pk).update(breached_at=due)
        timeline_append(
            case=case,
            kind=Kind.SLA_BREACHED,
            actor_label=WORKER,
            at=now,
            data={"target": clock.target, "at": due.isoformat(), "timer": timer.pk},
            message=_("%(target)s breached at %(at)s.") % words,
        )
    else:
        _escalate(case, clock, timer, now)
    return True


def _claim(now: datetime, batch: int) -> list[SlaTimer]:
    query = (
        SlaTimer.objects.filter(fired_at__isnull=True, due_at__lte=now)
        .select_related("clock", "level", "level__user")
        .order_by("due_at", "pk")
    )
    if connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True, of=("self",))
    return list(query[:batch])


def _due_ids(case_id: int, now: datetime) -> list[int]:
    """Every due, unfired timer of one case in firing order (a plain read: it never waits on a lock)."""
    due = SlaTimer.objects.filter(case_id=case_id, fired_at__isnull=True, due_at__lte=now)
    return list(due.order_by("due_at", "pk").values_list("pk", flat=True))


def _lock_cases(case_ids: list[int]) -> dict[int, Case]:
    query = Case.objects.filter(pk__in=case_ids).select_related("team", "team__lead", "owner").order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True, of=("self",))
    return {case.pk: case for case in query}


def sla_timers_fire(*, now: datetime | None = None, batch: int = 500) -> int:
    """Fire every SLA timer that fell due (up to `batch`, in due order); returns how many fired."""
    now = now or timezone.now()
    fired = 0
    with transaction.atomic():
        timers = _claim(now, batch)
        if not timers:
            return 0
        by_case: dict[int, list[SlaTimer]] = defaultdict(list)
        for timer in timers:
            by_case[timer.case_id].append(timer)
        cases = _lock_cases(sorted(by_case))
        for case_id in sorted(by_case):
            case = cases.get(case_id)
            if case is None:  # a service holds this case right now; its timers stay due
                continue
            clocks: dict[int, SlaClock] = {}
            mine = {timer.pk: timer for timer in by_case[case_id]}
            for timer_id in _due_ids(case_id, now):
                claimed = mine.get(timer_id)
                if claimed is None:  # an earlier moment is claimed by another worker: keep the order,
                    break  # the rest of this case waits for the next round
                clock = clocks.setdefault(claimed.clock_id, claimed.clock)
                fired += _fire(case, clock, claimed, now)
            all_clocks = {clock.pk: clock for clock in SlaClock.objects.filter(case=case)}
            all_clocks.update(clocks)
            sla_summary_store(case=case, clocks=list(all_clocks.values()))
    return fired
