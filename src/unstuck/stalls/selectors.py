"""Reads for stalls: which items are stuck at a moment, and the recorded stalls a user may see."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from unstuck.accounts.models import Role
from unstuck.accounts.selectors import user_role, user_sees_all_teams, user_team_keys
from unstuck.calendars.business_time import get_calendar
from unstuck.processes.models import Process
from unstuck.processes.selectors import process_visible
from unstuck.processes.spec import spec_for_version
from unstuck.stalls.models import Stall
from unstuck.tracking.deadlines import effective_promise, item_moments
from unstuck.tracking.item_state import EventFact, state_replay
from unstuck.tracking.models import Event, Item


@dataclass(frozen=True)
class StallFinding:
    """An item stuck at a moment: by which rule, in which step, since when and for how long."""

    item: str
    rule: str
    step: str
    since: datetime
    overdue_seconds: int

    def as_json(self) -> dict[str, object]:
        return {
            "item": self.item,
            "rule": self.rule,
            "step": self.step,
            "since": self.since.astimezone(UTC).isoformat(),
            "overdue_seconds": self.overdue_seconds,
        }


def _findings(
    version_id: int,
    external_id: str,
    *,
    step: str,
    step_since: datetime,
    started_at: datetime,
    explicit_promise: datetime | None,
    as_of: datetime,
) -> list[StallFinding]:
    spec = spec_for_version(version_id)
    calendar = get_calendar(spec.calendar)
    promised_at, unsure = effective_promise(spec, calendar, started_at=started_at, explicit=explicit_promise)
    moments = item_moments(
        spec, calendar, step=step, step_since=step_since, promised_at=promised_at, promise_uncertain=unsure
    )
    return [
        StallFinding(external_id, m.rule.value, m.step, m.at, int((as_of - m.at).total_seconds()))
        for m in moments
        if m.is_stall and not m.uncertain and m.at <= as_of
    ]


def stalls_now(*, process: Process, now: datetime) -> Iterator[StallFinding]:
    """Items of `process` stuck at `now`, from their stored state (exact, whatever the worker did)."""
    items = (
        Item.objects.filter(process=process, is_terminal=False)
        .order_by("id")
        .values_list(
            "version_id",
            "external_id",
            "current_step",
            "step_since",
            "started_at",
            "promised_at",
            "promised_explicitly",
        )
    )
    for version_id, external_id, step, since, started, promised_at, explicit in items.iterator(
        chunk_size=5000
    ):
        yield from _findings(
            version_id,
            external_id,
            step=step,
            step_since=since,
            started_at=started,
            explicit_promise=promised_at if explicit else None,
            as_of=now,
        )


def stalls_as_of(*, process: Process, as_of: datetime) -> Iterator[StallFinding]:
    """Items of `process` stuck at `as_of`, replaying the stored events with `at <= as_of`."""
    rows = (
        Event.objects.filter(process=process, at__lte=as_of)
        .order_by("item_id", "at", "id")
        .values_list("item_id", "item__external_id", "item__version_id", "id", "step", "at", "promised_at")
    )
    for (_, external_id, version_id), group in groupby(rows.iterator(chunk_size=10000), key=lambda r: r[:3]):
        state = state_replay(EventFact(r[3], r[4], r[5], r[6]) for r in group)
        if state is None:
            continue
        yield from _findings(
            version_id,
            external_id,
            step=state.step,
            step_since=state.step_since,
            started_at=state.started_at,
            explicit_promise=state.explicit_promise,
            as_of=as_of,
        )


def historical_stall_keys(*, process: Process, as_of: datetime) -> set[tuple[str, str, datetime]]:
    """(item, rule, since) of the historical stalls of `process` open at `as_of`: what `unstuck stalls`
    marks as history (found long after they fell due; no case was opened for them)."""
    rows = (
        Stall.objects.filter(process=process, historical=True, since__lte=as_of)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gt=as_of))
        .values_list("item__external_id", "rule", "since")
    )
    return set(rows.iterator(chunk_size=5000))


def stall_list_visible(
    *,
    user: AbstractBaseUser | AnonymousUser,
    process: str | None = None,
    rule: str | None = None,
    step: str | None = None,
    team: str | None = None,
    item: str | None = None,
    only_open: bool = True,
) -> QuerySet[Stall]:
    """Recorded stalls `user` may see: admins and auditors all; others those their teams own and,
    in the processes they may read, the unowned ones (a step without a team); an integration the
    stalls of its processes."""
    query = Stall.objects.select_related("item", "process")
    if not user.is_authenticated:
        return query.none()
    if not user_sees_all_teams(user):
        readable = process_visible(user=user).values("pk")
        if user_role(user) == Role.INTEGRATION:
            query = query.filter(process__in=readable)
        else:
            query = query.filter(Q(team_key__in=user_team_keys(user)) | Q(team_key="", process__in=readable))
    if only_open:
        query = query.filter(resolved_at__isnull=True)
    if process:
        query = query.filter(process__key=process)
    if rule:
        query = query.filter(rule=rule)
    if step:
        query = query.filter(step=step)
    if team:
        query = query.filter(team_key=team)
    if item:
        query = query.filter(item__external_id=item)
    return query
