"""An item's schedule: its promise, the moments its rules fire and its next deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from unstuck.calendars.business_time import get_calendar
from unstuck.processes.spec import ProcessSpec
from unstuck.tracking.deadlines import Moment, effective_promise, item_moments, next_deadline

if TYPE_CHECKING:
    from unstuck.tracking.models import Item


@dataclass(frozen=True, slots=True)
class Schedule:
    """What the stored item row must say after a change: promise, fired markers, next deadline."""

    promised_at: datetime | None
    moments: list[Moment]
    fired: list[str]
    next_deadline: datetime | None


def stored_item_schedule(spec: ProcessSpec, item: Item, *, now: datetime) -> Schedule:
    """The schedule of an item as stored (its current visit and promise) under `spec`."""
    return item_schedule(
        spec,
        step=item.current_step,
        step_since=item.step_since,
        started_at=item.started_at,
        explicit_promise=item.promised_at if item.promised_explicitly else None,
        fired=list(item.fired or []),
        now=now,
    )


def item_schedule(
    spec: ProcessSpec,
    *,
    step: str,
    step_since: datetime,
    started_at: datetime,
    explicit_promise: datetime | None,
    fired: list[str],
    now: datetime,
) -> Schedule:
    """Recompute an item's schedule; markers of visits it has left are dropped from `fired`."""
    calendar = get_calendar(spec.calendar)
    promised_at, promise_uncertain = effective_promise(
        spec, calendar, started_at=started_at, explicit=explicit_promise
    )
    moments = item_moments(
        spec,
        calendar,
        step=step,
        step_since=step_since,
        promised_at=promised_at,
        promise_uncertain=promise_uncertain,
    )
    markers = {moment.marker for moment in moments}
    kept = [marker for marker in fired if marker in markers]
    return Schedule(
        promised_at=promised_at,
        moments=moments,
        fired=kept,
        next_deadline=next_deadline(moments, set(kept), now),
    )
