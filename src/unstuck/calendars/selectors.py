"""Reads for calendars. Calendars are shared reference data every signed-in user may see, so these take
no acting user; what a user may *change* is the admin's permission system."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import time
from types import MappingProxyType
from typing import Any

from django.db.models import Count, Max, Sum

from unstuck.calendars.models import Calendar, CalendarOverride, VerifiedYear
from unstuck.calendars.official_cn import ChinaWorkdays
from unstuck.calendars.specs import (
    CN_WORKDAYS_KEY,
    Base,
    CalendarSpec,
    DayOverride,
    HolidayRegion,
    WorkHours,
    builtin_specs,
    end_seconds_of_day,
    seconds_of_day,
)

logger = logging.getLogger(__name__)


def calendar_revision() -> tuple[Any, ...]:
    """A value that changes whenever any calendar, override or verified year is written (one query).

    Services bump the owning calendar's `revision` and `updated_at`; a deleted calendar changes the count.
    """
    summary = Calendar.objects.aggregate(
        count=Count("id"), revisions=Sum("revision"), newest=Max("updated_at")
    )
    return (summary["count"], summary["revisions"], summary["newest"])


def work_hours(start: time, end: time, lunch_start: time | None, lunch_end: time | None) -> WorkHours:
    """Database times as `WorkHours` (00:00 as an end is midnight)."""
    return WorkHours(
        start=seconds_of_day(start),
        end=end_seconds_of_day(end),
        lunch_start=None if lunch_start is None else seconds_of_day(lunch_start),
        lunch_end=None if lunch_end is None else seconds_of_day(lunch_end),
    )


def _override(row: CalendarOverride, calendar: Calendar) -> DayOverride:
    if not row.is_working_day:
        return DayOverride(working=False, note=row.note)
    own = (row.work_start, row.work_end, row.lunch_start, row.lunch_end)
    if all(value is None for value in own):
        return DayOverride(working=True, note=row.note)
    row.calendar = calendar
    try:
        hours = work_hours(*row.effective_hours())
    except ValueError:
        # Services validate, but a later change of the calendar's hours can leave an override's own
        # start after the new end: keep every other calendar computing and use the usual hours.
        logger.error(
            "calendar %s: override of %s has impossible hours; using the usual ones", calendar.key, row.date
        )
        return DayOverride(working=True, note=row.note)
    return DayOverride(working=True, hours=hours, note=row.note)


def calendar_spec(
    calendar: Calendar, overrides: list[CalendarOverride], verified: list[VerifiedYear]
) -> CalendarSpec:
    """A database calendar and its rows as the immutable spec business time computes with."""
    return CalendarSpec(
        key=calendar.key,
        name=calendar.name,
        timezone=calendar.timezone,
        base=Base(calendar.base),
        hours=work_hours(calendar.work_start, calendar.work_end, calendar.lunch_start, calendar.lunch_end),
        holiday_region=HolidayRegion(calendar.holiday_region),
        overrides=MappingProxyType({row.date: _override(row, calendar) for row in overrides}),
        verified_years=frozenset(row.year for row in verified),
    )


def calendar_spec_map() -> dict[str, CalendarSpec]:
    """Every calendar by key: the built-ins, replaced or joined by the database's (three queries)."""
    overrides: dict[int, list[CalendarOverride]] = defaultdict(list)
    for override in CalendarOverride.objects.order_by("date"):
        overrides[override.calendar_id].append(override)
    verified: dict[int, list[VerifiedYear]] = defaultdict(list)
    for year in VerifiedYear.objects.all():
        verified[year.calendar_id].append(year)
    specs = builtin_specs()
    for calendar in Calendar.objects.all():
        specs[calendar.key] = calendar_spec(calendar, overrides[calendar.id], verified[calendar.id])
    return specs


def china_workdays(specs: dict[str, CalendarSpec]) -> ChinaWorkdays:
    """The official China calendar, corrected by the `cn-workdays` calendar's overrides and years."""
    official = specs.get(CN_WORKDAYS_KEY)
    if official is None or official.base is not Base.CN_WORKDAYS:
        return ChinaWorkdays(MappingProxyType({}), frozenset())
    return ChinaWorkdays(official.overrides, official.verified_years)
