"""`unstuck calendar`: compute business time from the shell and let admins check a calendar's days."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from unstuck.calendars.business_time import BusinessCalendar, CalendarError, calendar_keys, get_calendar
from unstuck.calendars.durations import InvalidDuration, parse_duration

WEEKDAYS = "一二三四五六日"
MAX_DAYS = 3700  # `days` over ten years is a mistake, not a check


#: The years core.moments accepts everywhere (calendars sit below core, so the rule is restated):
#: a year at Python's edge overflows as soon as it is moved to UTC or by a day.
FIRST_YEAR, LAST_YEAR = 1900, 2999
_Day = TypeVar("_Day", date, datetime)


def _in_years(value: _Day, text: str) -> _Day:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise CommandError(f"{text!r} is outside the years {FIRST_YEAR} to {LAST_YEAR}")
    return value


def parse_moment(text: str) -> datetime:
    """An ISO-8601 moment that must carry its UTC offset (2026-09-30T17:00:00+08:00, ...Z)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not an ISO-8601 timestamp, e.g. 2026-09-30T17:00:00+08:00") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CommandError(f"{text!r} has no UTC offset; add one, e.g. 2026-09-30T17:00:00+08:00 or ...Z")
    return _in_years(moment, text)


def parse_day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date; write it like 2026-10-01") from None
    return _in_years(day, text)


def year_ranges(years: frozenset[int] | None) -> str:
    """`2001-2026, 2028` for a set of years; `all` when unrestricted."""
    if years is None:
        return "all"
    ranges: list[str] = []
    for year in sorted(years):
        if ranges and ranges[-1].rsplit("-", 1)[-1] == str(year - 1):
            ranges[-1] = f"{ranges[-1].split('-')[0]}-{year}"
        else:
            ranges.append(str(year))
    return ", ".join(ranges) or "none"


class Command(BaseCommand):
    help = "Business time on a calendar: due moments, elapsed seconds, the calendars, and their days."
    # A read-only calculation: the project-wide system checks (URLs, admin, every app) only slow it down.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True, metavar="{due,between,list,days}")
        due = commands.add_parser("due", help="the due moment DURATION of business time after START")
        due.add_argument("calendar")
        due.add_argument("start", help="ISO-8601 with offset, e.g. 2026-09-30T17:00:00+08:00")
        due.add_argument("duration", help="30s, 90m, 4h, 3d, 1d4h")
        between = commands.add_parser("between", help="business seconds from START to END")
        between.add_argument("calendar")
        between.add_argument("start")
        between.add_argument("end")
        commands.add_parser("list", help="every calendar with its hours and verified years")
        days = commands.add_parser("days", help="each date FROM..TO (inclusive): worked or not, and why")
        days.add_argument("calendar")
        days.add_argument("first", metavar="FROM")
        days.add_argument("last", metavar="TO")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except (CalendarError, InvalidDuration) as error:
            raise CommandError(str(error)) from None
        except DatabaseError as error:
            raise CommandError(f"cannot read calendars ({error}); has `unstuck migrate` run?") from None

    def _due(self, options: dict[str, Any]) -> None:
        start = parse_moment(options["start"])
        duration = parse_duration(options["duration"])
        self.stdout.write(get_calendar(options["calendar"]).add(start, duration).isoformat())

    def _between(self, options: dict[str, Any]) -> None:
        start, end = parse_moment(options["start"]), parse_moment(options["end"])
        self.stdout.write(str(get_calendar(options["calendar"]).seconds_between(start, end)))

    def _list(self, options: dict[str, Any]) -> None:
        for key in calendar_keys():
            calendar = get_calendar(key)
            spec = calendar.spec
            self.stdout.write(
                f"{key}\t{spec.name}\t{spec.timezone}\t{spec.base.value}\t{spec.hours.describe()}"
                f"\tyears: {year_ranges(calendar.covered_years())}"
            )

    def _days(self, options: dict[str, Any]) -> None:
        calendar = get_calendar(options["calendar"])
        first, last = parse_day(options["first"]), parse_day(options["last"])
        if not 0 <= (last - first).days < MAX_DAYS:
            raise CommandError(f"FROM must not be after TO, and the range at most {MAX_DAYS} days")
        day = first
        while day <= last:
            self.stdout.write(self._day_line(calendar, day))
            day += timedelta(days=1)

    @staticmethod
    def _day_line(calendar: BusinessCalendar, day: date) -> str:
        plan = calendar.day_plan(day, unverified=True)
        state = f"上班 {plan.hours.describe()}" if plan.hours is not None else "休息 -"
        unverified = "" if calendar.covers(day.year) else "\t未核实 unverified"
        return f"{day.isoformat()} 周{WEEKDAYS[day.weekday()]}\t{state}\t{plan.reason}{unverified}".rstrip()
