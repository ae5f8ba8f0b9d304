"""Which hours of one date work on a calendar, and why: the rule that business time is built from.

Precedence, first match wins:
1. the calendar's own override for the date;
2. base `always`: every day works;
3. no holiday region: Monday to Friday work;
4. holiday region CN: the official China working day (package data corrected by `cn-workdays`
   overrides); base `weekdays` then still keeps Saturday and Sunday off, so it takes statutory days off
   but never works a make-up weekend day, while base `cn-workdays` works those make-up days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from unstuck.calendars.official_cn import ChinaWorkdays
from unstuck.calendars.specs import Base, CalendarSpec, HolidayRegion, WorkHours

WEEKEND = "周末"
EXTRA_WORKDAY = "加班日"
EXTRA_DAY_OFF = "休息日"


@dataclass(frozen=True, slots=True)
class DayPlan:
    """One date on one calendar: its worked hours (None when not worked) and the reason, if special."""

    day: date
    hours: WorkHours | None
    reason: str = ""

    @property
    def working(self) -> bool:
        return self.hours is not None


def plan_day(spec: CalendarSpec, china: ChinaWorkdays | None, day: date) -> DayPlan:
    """The plan for `day`; `china` is the official China calendar when the spec follows it, else None."""
    override = spec.overrides.get(day)
    if override is not None:
        if override.working:
            return DayPlan(day, override.hours or spec.hours, override.note or EXTRA_WORKDAY)
        return DayPlan(day, None, override.note or EXTRA_DAY_OFF)
    if spec.base is Base.ALWAYS:
        return DayPlan(day, spec.hours)
    weekend = day.weekday() >= 5
    if china is None:
        return DayPlan(day, None, WEEKEND) if weekend else DayPlan(day, spec.hours)
    working = china.is_working(day) and not (weekend and spec.base is Base.WEEKDAYS)
    reason = china.reason(day) or (WEEKEND if weekend and not working else "")
    return DayPlan(day, spec.hours if working else None, reason)


def follows_china(spec: CalendarSpec) -> bool:
    """True when the spec's days depend on China's official arrangement (and so on verified years)."""
    return spec.base is Base.CN_WORKDAYS or (
        spec.base is Base.WEEKDAYS and spec.holiday_region is HolidayRegion.CN
    )
