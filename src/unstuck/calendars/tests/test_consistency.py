"""add_seconds and seconds_between agree with each other and with a slow, obvious reference."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import holidays
import pytest

from unstuck.calendars.business_time import BusinessCalendar, CalendarNotCovered

from .helpers import SHANGHAI

SPAN_START = datetime(2024, 1, 1, tzinfo=SHANGHAI)
SPAN_SECONDS = 3 * 366 * 86_400  # 2024-2026
MINUTE = timedelta(minutes=1)


def _check(calendar: BusinessCalendar, start: datetime, seconds: int) -> None:
    try:
        due = calendar.add_seconds(start, seconds)
    except CalendarNotCovered as error:
        assert error.year == 2027
        return
    assert due >= start
    assert calendar.seconds_between(start, due) == seconds
    assert calendar.seconds_between(due, start) == -seconds
    if seconds > 0:
        # earliest: the microsecond before is still worked time; and going back returns to the start
        assert calendar.is_open(due - timedelta(microseconds=1))
        if calendar.is_open(start):
            assert calendar.add_seconds(due, -seconds) == start
    else:
        assert calendar.is_open(due)


def test_random_cross_check(cn: BusinessCalendar) -> None:
    rng = random.Random(20260920)
    for _ in range(5000):
        start = SPAN_START + timedelta(
            seconds=rng.randrange(SPAN_SECONDS), microseconds=rng.choice([0, 250_000])
        )
        seconds = rng.choice([0, 1, 3600, 4 * 3600, 9 * 3600, 3 * 9 * 3600, rng.randrange(60 * 9 * 3600)])
        _check(cn, start, seconds)


def test_hypothesis_cross_check(cn: BusinessCalendar) -> None:
    hypothesis = pytest.importorskip("hypothesis")
    strategies = pytest.importorskip("hypothesis.strategies")

    @hypothesis.settings(max_examples=400, deadline=None, derandomize=True)
    @hypothesis.given(
        offset=strategies.integers(0, SPAN_SECONDS * 1_000_000),
        seconds=strategies.integers(0, 40 * 9 * 3600),
    )
    def check(offset: int, seconds: int) -> None:
        _check(cn, SPAN_START + timedelta(microseconds=offset), seconds)

    check()


def _reference_workday(day: date, china: holidays.HolidayBase) -> bool:
    return china.is_working_day(day)


def _reference_add_minutes(start: datetime, minutes: int, china: holidays.HolidayBase) -> datetime:
    """Walk minute by minute over Mon-Fri 09-18 per `holidays` itself: slow, obviously right."""
    moment = start
    while minutes:
        if _reference_workday(moment.date(), china) and 9 <= moment.hour < 18:
            minutes -= 1
        moment += MINUTE
    return moment  # the end of the last worked minute: the earliest moment


def test_against_a_minute_by_minute_reference(cn: BusinessCalendar) -> None:
    china = holidays.China(years=[2025, 2026])
    rng = random.Random(7)
    for _ in range(60):
        start = datetime(2025, 1, 1, tzinfo=SHANGHAI) + timedelta(minutes=rng.randrange(700 * 24 * 60))
        minutes = rng.randrange(1, 4 * 9 * 60)
        assert cn.add_seconds(start, minutes * 60) == _reference_add_minutes(start, minutes, china), start


def test_every_day_of_2025_and_2026_matches_holidays_is_working_day(cn: BusinessCalendar) -> None:
    china = holidays.China(years=[2025, 2026])
    day = date(2025, 1, 1)
    while day.year < 2027:
        assert cn.day_plan(day).working == china.is_working_day(day), day
        day += timedelta(days=1)
