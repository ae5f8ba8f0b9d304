"""Writes for stalls: the worker's pass over deadlines that fell due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from unstuck.core.bulk_sql import adapt_json, adapt_time, rows_update
from unstuck.processes.spec import spec_for_version
from unstuck.stalls.models import Reminder, Stall
from unstuck.tracking.deadlines import Rule, next_deadline
from unstuck.tracking.models import Item
from unstuck.tracking.schedule import stored_item_schedule

#: The cases app's "nothing left to do" marker (unstuck.cases.routing.DONE): a historical stall
#: starts there, outside the index range the routing pass reads.
HISTORY_ROUTED = "done"


@dataclass(frozen=True)
class PassResult:
    """What one worker pass did."""

    items: int
    stalls: int
    reminders: int


def history_horizon() -> timedelta | None:
    """How late a deadline may be found and still be news (None: every stall is news)."""
    days = settings.UNSTUCK_HISTORY_HORIZON_DAYS
    return timedelta(days=days) if days > 0 else None


def deadlines_process_due(*, now: datetime | None = None, batch: int = 500) -> PassResult:
    """Claim up to `batch` items whose next deadline fell due, record what fired, reschedule them.

    Reads only the index range `next_deadline <= now`. On PostgreSQL the rows are claimed with
    FOR UPDATE SKIP LOCKED, so several workers never process the same deadline; everything happens
    in one transaction, so a worker killed mid-pass leaves the deadlines due for the next one, and
    the unique constraints make a repeat record nothing twice.

    A moment that fell due more than the history horizon before `now` (the pass's own clock, so a
    replay in simulated time measures against its simulated moment) is history, not an emergency:
    its stall is recorded as historical and born routed (`case_routing` "done", so the cases app
    never opens a case for it), and its reminder is not recorded at all (nobody is reminded).
    """
    now = now or timezone.now()
    horizon = history_horizon()
    history_before = now - horizon if horizon is not None else None
    with transaction.atomic():
        query = Item.objects.filter(next_deadline__lte=now).order_by("next_deadline")
        if connection.features.has_select_for_update_skip_locked:
            query = query.select_for_update(skip_locked=True)
        items = list(
            query.only(
                "id",
                "process_id",
                "version_id",
                "current_step",
                "step_since",
                "started_at",
                "promised_at",
                "promised_explicitly",
                "fired",
                "next_deadline",
            )[:batch]
        )
        if not items:
            return PassResult(0, 0, 0)
        stalls: list[Stall] = []
        reminders: list[Reminder] = []
        updates: list[tuple[object, ...]] = []
        for item in items:
            spec = spec_for_version(item.version_id)
            schedule = stored_item_schedule(spec, item, now=now)
            fired = list(schedule.fired)
            for moment in schedule.moments:
                if moment.uncertain or moment.at > now or moment.marker in fired:
                    continue
                fired.append(moment.marker)
                definition = spec.steps.get(moment.step)
                historical = history_before is not None and moment.at < history_before
                if moment.rule is Rule.REMINDER:
                    if historical:
                        continue
                    assert definition is not None and definition.confirmation is not None
                    reminders.append(
                        Reminder(
                            item_id=item.pk,
                            step=moment.step,
                            visit_key=moment.visit_key,
                            index=moment.reminder_index or 0,
                            confirm_by=definition.confirmation.by[:63],
                            due_at=moment.at,
                            created_at=now,
                        )
                    )
                else:
                    stalls.append(
                        Stall(
                            item_id=item.pk,
                            process_id=item.process_id,
                            rule=moment.rule.value,
                            step=moment.step,
                            team_key=(definition.team or "") if definition else "",
                            visit_key=moment.visit_key,
                            since=moment.at,
                            detected_at=now,
                            historical=historical,
                            **({"case_routing": HISTORY_ROUTED} if historical else {}),
                        )
                    )
            updates.append(
                (
                    adapt_json(fired),
                    adapt_time(next_deadline(schedule.moments, set(fired), now)),
                    item.pk,
                )
            )
        Stall.objects.bulk_create(stalls, ignore_conflicts=True)
        Reminder.objects.bulk_create(reminders, ignore_conflicts=True)
        rows_update(Item, ["fired", "next_deadline"], updates)
    return PassResult(len(items), len(stalls), len(reminders))
