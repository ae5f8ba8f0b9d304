"""Remaining SLA time of a case in business time, as the queue's countdown shows it.

Business time runs in the case team's calendar (cn-workdays when the case has no team): an SLA
due tomorrow at 10:00 seen at 17:30 today has 1.5 working hours left, not 16.5 wall-clock hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from unstuck.calendars.business_time import BusinessCalendar, CalendarError, get_calendar
from unstuck.cases.models import Case, SlaState

DEFAULT_CALENDAR = "cn-workdays"
#: Less than this share of the SLA budget left turns the countdown amber.
AMBER_SHARE = 0.25


@dataclass(frozen=True)
class Countdown:
    """A case's SLA clock at one moment.

    `remaining` is in business seconds (negative once breached); `ticking` says whether the
    calendar is open now, so the page counts down every second or holds still; `tone` is
    calm, amber, red, paused or none.
    """

    remaining: int | None
    ticking: bool
    tone: str
    business: bool  # False when the calendar could not compute (wall-clock fallback)


class CalendarCache:
    """Calendars by key for one request, so a page of cases resolves each calendar once."""

    def __init__(self) -> None:
        self._calendars: dict[str, BusinessCalendar | None] = {}

    def get(self, key: str) -> BusinessCalendar | None:
        if key not in self._calendars:
            try:
                self._calendars[key] = get_calendar(key)
            except CalendarError:
                self._calendars[key] = None
        return self._calendars[key]


def case_countdown(case: Case, *, now: datetime, calendars: CalendarCache) -> Countdown:
    """The countdown of `case` at `now` (the case's team comes select_related)."""
    if case.sla_state == SlaState.PAUSED:
        return Countdown(None, False, "paused", True)
    due = case.sla_due_at
    if due is None:
        return Countdown(None, False, "none", True)
    key = case.team.calendar_key if case.team is not None else DEFAULT_CALENDAR
    calendar = calendars.get(key) or calendars.get(DEFAULT_CALENDAR)
    remaining: int
    budget: int
    business = True
    ticking = True
    try:
        if calendar is None:
            raise CalendarError(key)
        remaining = calendar.seconds_between(now, due)
        budget = calendar.seconds_between(case.opened_at, due)
        ticking = calendar.is_open(now)
    except CalendarError:  # a year without verified holidays: show wall-clock time, and say so
        remaining = int((due - now).total_seconds())
        budget = int((due - case.opened_at).total_seconds())
        business = False
    if case.sla_state == SlaState.BREACHED or remaining <= 0:
        tone = "red"
    elif case.sla_state == SlaState.WARNING or (budget > 0 and remaining < AMBER_SHARE * budget):
        tone = "amber"
    else:
        tone = "calm"
    return Countdown(remaining, ticking, tone, business)
