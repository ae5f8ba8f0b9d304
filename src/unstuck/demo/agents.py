"""The demo's people working their cases in simulated time, so the seeded history has case work in it.

While the history is replayed, the worker's jobs and these agents run at simulated moments (the seed
travels in time with `time_machine`), and every action goes through the real case services: the
timeline, SLA clocks and the morning brief see exactly what a real day would have left behind.

Each case's behaviour is drawn from an RNG seeded by the case number, so the same seed always gives
the same history. People act in office hours (08:30-21:00 Shanghai time) only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, Q, Subquery

from unstuck.cases.lifecycle import CaseStatus
from unstuck.cases.models import Case, TimelineEntry
from unstuck.cases.services import case_note_add, case_status_change
from unstuck.demo import catalog

LOCAL = ZoneInfo("Asia/Shanghai")
#: Share of resolved cases a supervisor reopens (the customer called back: it was not really fixed).
REOPEN_SHARE = 0.06
#: Every plan's steps fall within this time of a case's opening, resolution or reopening.
ACTIVE_WINDOW = timedelta(hours=36)
#: Share of cases that wait on the customer for a while.
WAIT_SHARE = 0.3


@dataclass(frozen=True)
class Plan:
    """When (after opening) a case's owner picks it up, waits on the customer and hears back."""

    pick_up: timedelta
    wait: timedelta | None
    wait_for: timedelta
    close_after: timedelta
    reopen: bool


def case_plan(*, case_number: str, seed: int) -> Plan:
    """How the demo's people will treat this case; the same number and seed give the same plan."""
    rng = random.Random(f"{seed}:{case_number}")
    return Plan(
        pick_up=timedelta(minutes=rng.uniform(3, 100)),
        wait=timedelta(minutes=rng.uniform(20, 150)) if rng.random() < WAIT_SHARE else None,
        wait_for=timedelta(hours=rng.uniform(1, 10)),
        close_after=timedelta(hours=rng.uniform(4, 30)),
        reopen=rng.random() < REOPEN_SHARE,
    )


def _office_hours(now: datetime) -> bool:
    local = now.astimezone(LOCAL)
    return (local.hour, local.minute) >= (8, 30) and local.hour < 21


def _finding(case: Case, seed: int) -> str:
    """What the owner writes on picking the case up: the cause note the source system carried."""
    attrs = case.item.attrs if case.item is not None else {}
    cause = catalog.CAUSES.get(str(attrs.get("cause", "")))
    rng = random.Random(f"{seed}:{case.number}:note")
    if cause is None:
        return rng.choice(catalog.FOLLOW_UP_NOTES)
    return f"{cause.zh}：{rng.choice(cause.notes)}"


def agents_work(*, now: datetime, seed: int) -> int:
    """Let every owner act on their cases as of `now`; returns the actions taken."""
    if not _office_hours(now):
        return 0
    actions = 0
    # Every plan acts within ACTIVE_WINDOW of the case opening, being resolved or being reopened, so
    # only those cases are read: the seed stays fast however long the history.
    horizon = now - ACTIVE_WINDOW
    working = Q(
        status__in=[CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING_CUSTOMER],
        opened_at__gte=horizon,
    )
    finished = Q(status=CaseStatus.RESOLVED, resolved_at__gte=horizon)
    reopened = TimelineEntry.objects.filter(case=OuterRef("pk"), kind=TimelineEntry.Kind.REOPENED)
    again = Q(
        status=CaseStatus.IN_PROGRESS, timeline__kind=TimelineEntry.Kind.REOPENED, timeline__at__gte=horizon
    )
    cases = (
        Case.objects.filter(working | finished | again, owner__isnull=False, opened_at__lte=now)
        .distinct()
        .select_related("owner", "item")
        .annotate(reopened_since=Subquery(reopened.order_by("-seq").values("at")[:1]))
        .order_by("pk")
    )
    for case in cases:
        actions += _act(case, now=now, seed=seed)
    return actions


def _act(case: Case, *, now: datetime, seed: int) -> int:
    plan = case_plan(case_number=case.number or str(case.pk), seed=seed)
    owner = case.owner
    assert owner is not None
    reopened_since: datetime | None = getattr(case, "reopened_since", None)
    age = now - case.opened_at
    if case.status == CaseStatus.NEW and age >= plan.pick_up:
        case_status_change(case_id=case.pk, actor=owner, status=CaseStatus.IN_PROGRESS)
        case_note_add(case_id=case.pk, actor=owner, text=_finding(case, seed))
        return 2
    waiting_due = (
        plan.wait is not None and plan.pick_up + plan.wait <= age < plan.pick_up + plan.wait + plan.wait_for
    )
    if case.status == CaseStatus.IN_PROGRESS and reopened_since is None and waiting_due:
        case_status_change(
            case_id=case.pk,
            actor=owner,
            status=CaseStatus.WAITING_CUSTOMER,
            reason="已联系客户，等待客户回复。",
        )
        return 1
    if case.status == CaseStatus.WAITING_CUSTOMER and age >= plan.pick_up + (plan.wait or timedelta()) + (
        plan.wait_for
    ):
        case_status_change(
            case_id=case.pk, actor=owner, status=CaseStatus.IN_PROGRESS, reason="客户已回复，继续处理。"
        )
        return 1
    if case.status == CaseStatus.IN_PROGRESS and reopened_since and now - reopened_since >= plan.wait_for:
        case_status_change(
            case_id=case.pk, actor=owner, status=CaseStatus.RESOLVED, reason="已重新处理，客户确认解决。"
        )
        return 1
    if case.status == CaseStatus.RESOLVED and case.resolved_at is not None:
        since = now - case.resolved_at
        if plan.reopen and since >= timedelta(hours=2) and reopened_since is None:
            case_status_change(
                case_id=case.pk,
                actor=owner,
                status=CaseStatus.IN_PROGRESS,
                reason="客户来电反馈问题仍未解决，重新打开。",
            )
            return 1
        if since >= plan.close_after:
            case_status_change(case_id=case.pk, actor=owner, status=CaseStatus.CLOSED)
            return 1
    return 0
