"""An item's schedule: its promise, the moments its rules fire and its next deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from unstuck.calendars.business_time import get_calendar
from unstuck.processes.spec import ProcessSpec
from unstuck.stalls.rules import Moment, effective_promise, item_moments, next_deadline


@dataclass(frozen=True, slots=True)
class Schedule:
    """What the stored item row must say after a change: promise, fired markers, next deadline."""

    promised_at: datetime | None
    moments: list[Moment]
    fired: list[str]
    next_deadline: datetime | None


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
