"""Business time on the built-in calendars, checked by hand against the 2026 official arrangement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from unstuck.calendars.business_time import BusinessCalendar, CalendarNotCovered
from unstuck.calendars.durations import Duration, parse_duration
from unstuck.calendars.specs import DAY_END, Base, CalendarSpec, WorkHours

from .helpers import SHANGHAI, sh

HOUR = 3600


def test_national_day_2026_example_from_the_brief(cn: BusinessCalendar) -> None:
    # 09-30 17:00-18:00 is 1h; 10-01..10-07 are off; 10-08 09:00 + 7h = 16:00.
    due = cn.add(datetime.fromisoformat("2026-09-30T17:00:00+08:00"), parse_duration("8h"))
    assert due.isoformat() == "2026-10-08T16:00:00+08:00"


def test_mid_autumn_2026_is_a_day_off(cn: BusinessCalendar) -> None:
    assert not cn.is_open(sh("2026-09-25 10:00"))
    # Thu 09-24 17:00 + 2h: 1h on Thursday, Friday off, weekend off, 1h on Monday 09-28.
    assert cn.add_seconds(sh("2026-09-24 17:00"), 2 * HOUR) == sh("2026-09-28 10:00")


@pytest.mark.parametrize("day", ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"])
def test_national_day_week_is_off(cn: BusinessCalendar, day: str) -> None:
    assert not cn.is_open(sh(f"{day} 10:00"))


@pytest.mark.parametrize(
    "day", ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
)
def test_2026_make_up_weekend_days_work(cn: BusinessCalendar, day: str) -> None:
    moment = sh(f"{day} 10:00")
    assert moment.weekday() >= 5
    assert cn.is_open(moment)
    assert cn.day_plan(moment.date()).reason == "调休上班"


def test_make_up_sunday_0920_counts(cn: BusinessCalendar) -> None:
    # Fri 09-18 17:00 + 2h: Saturday off, Sunday 09-20 is a make-up workday.
    assert cn.add_seconds(sh("2026-09-18 17:00"), 2 * HOUR) == sh("2026-09-20 10:00")
    assert cn.seconds_between(sh("2026-09-18 00:00"), sh("2026-09-21 00:00")) == 2 * 9 * HOUR


def test_make_up_saturday_1010_counts(cn: BusinessCalendar) -> None:
    # Fri 10-09 17:30 + 1h: 30 min on Friday, 30 min on the make-up Saturday.
    assert cn.add_seconds(sh("2026-10-09 17:30"), HOUR) == sh("2026-10-10 09:30")


def test_year_boundary_with_new_year_2026(cn: BusinessCalendar) -> None:
    # 2025-12-31 17:00 → 2026-01-05 10:00: 1h + (01-01 holiday, 01-02 off, 01-03 Sat, 01-04 make-up 9h) + 1h.
    assert cn.seconds_between(sh("2025-12-31 17:00"), sh("2026-01-05 10:00")) == 11 * HOUR
    assert cn.add_seconds(sh("2025-12-31 17:00"), 11 * HOUR) == sh("2026-01-05 10:00")


def test_deadline_on_a_close_stays_that_day(cn: BusinessCalendar) -> None:
    assert cn.add_seconds(sh("2026-09-29 17:00"), HOUR) == sh("2026-09-29 18:00")
    assert cn.add(sh("2026-09-29 09:00"), Duration(days=1)) == sh("2026-09-29 18:00")
    assert not cn.is_open(sh("2026-09-29 18:00"))
    assert cn.is_open(sh("2026-09-29 09:00"))


def test_start_outside_hours_starts_at_next_opening(cn: BusinessCalendar) -> None:
    assert cn.add_seconds(sh("2026-09-26 10:00"), 4 * HOUR) == sh("2026-09-28 13:00")  # Saturday
    assert cn.add_seconds(sh("2026-09-28 07:00"), HOUR) == sh("2026-09-28 10:00")  # early morning
    assert cn.add_seconds(sh("2026-09-28 20:00"), HOUR) == sh("2026-09-29 10:00")  # evening


def test_zero_duration(cn: BusinessCalendar) -> None:
    open_moment = sh("2026-09-28 10:15:30.5")
    assert cn.add(open_moment, Duration()) == open_moment
    assert cn.add(sh("2026-09-26 10:00"), Duration()) == sh("2026-09-28 09:00")
    assert cn.add(sh("2026-09-28 18:00"), Duration()) == sh("2026-09-29 09:00")
    assert cn.next_opening(sh("2026-09-30 18:00")) == sh("2026-10-08 09:00")


def test_going_back_lands_on_openings(cn: BusinessCalendar) -> None:
    assert cn.add_seconds(sh("2026-09-29 10:00"), -HOUR) == sh("2026-09-29 09:00")
    assert cn.add_seconds(sh("2026-09-29 10:00"), -2 * HOUR) == sh("2026-09-28 17:00")
    assert cn.add_seconds(sh("2026-10-08 10:00"), -2 * HOUR) == sh("2026-09-30 17:00")


def test_days_are_standard_working_days(cn: BusinessCalendar) -> None:
    assert cn.day_seconds == 9 * HOUR
    assert cn.add(sh("2026-09-28 10:00"), Duration(days=1)) == sh("2026-09-29 10:00")
    # Wed 09-30 10:00 + 3d: Thu 10-08 10:00, Fri 10-09 10:00, Sat 10-10 (make-up) 10:00.
    assert cn.add(sh("2026-09-30 10:00"), parse_duration("3d")) == sh("2026-10-10 10:00")
    assert cn.add(sh("2026-09-30 10:00"), parse_duration("1d4h")) == sh("2026-10-08 14:00")


def test_seconds_between(cn: BusinessCalendar) -> None:
    monday, tuesday = sh("2026-09-28 00:00"), sh("2026-09-29 00:00")
    assert cn.seconds_between(monday, tuesday) == 9 * HOUR
    assert cn.seconds_between(tuesday, monday) == -9 * HOUR
    assert cn.seconds_between(monday, monday) == 0
    assert cn.seconds_between(sh("2026-10-01 00:00"), sh("2026-10-08 00:00")) == 0
    assert cn.seconds_between(sh("2026-01-01 00:00"), sh("2026-12-31 00:00")) > 240 * 9 * HOUR


def test_results_are_in_the_calendar_time_zone(cn: BusinessCalendar) -> None:
    start = datetime(2026, 9, 30, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai
    due = cn.add_seconds(start, HOUR)
    assert due.tzinfo == SHANGHAI
    assert due == sh("2026-09-30 18:00")


def test_naive_datetimes_are_refused(cn: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="no time zone"):
        cn.add_seconds(datetime(2026, 9, 30, 9), HOUR)  # noqa: DTZ001  (naive on purpose: refused)


def test_2027_is_refused(cn: BusinessCalendar) -> None:
    assert cn.covered_years() is not None
    assert 2026 in cn.covered_years() and 2027 not in cn.covered_years()  # type: ignore[operator]
    with pytest.raises(CalendarNotCovered) as caught:
        cn.add_seconds(sh("2026-12-31 17:00"), 2 * HOUR)
    assert caught.value.year == 2027
    assert caught.value.calendar_key == "cn-workdays"
    assert str(caught.value) == (
        "cn-workdays: no verified holiday data for 2027 (official arrangement not in the `holidays` "
        "package yet); add it as overrides and mark 2027 verified in the admin"
    )
    with pytest.raises(CalendarNotCovered):
        cn.is_open(sh("2027-03-01 10:00"))
    with pytest.raises(CalendarNotCovered):
        cn.seconds_between(sh("2026-12-01 10:00"), sh("2027-01-10 10:00"))
    with pytest.raises(CalendarNotCovered):
        cn.day_plan(date(2027, 1, 4))
    # Within 2026 everything still works.
    assert cn.add_seconds(sh("2026-12-31 17:00"), HOUR) == sh("2026-12-31 18:00")


def test_always_is_plain_wall_clock(always: BusinessCalendar) -> None:
    start = datetime(2030, 2, 27, 13, 45, 10, 123, tzinfo=UTC)
    assert always.covered_years() is None
    assert always.day_seconds == 86_400
    assert always.add(start, parse_duration("3d")) == start + timedelta(days=3)
    assert always.add(start, parse_duration("1d4h")) == start + timedelta(hours=28)
    assert always.add(start, Duration()) == start
    assert always.seconds_between(start, start + timedelta(days=400, seconds=5)) == 400 * 86_400 + 5
    assert always.is_open(start)
    assert always.add(start, Duration(seconds=1)).tzinfo == ZoneInfo("UTC") == always.timezone


def test_daylight_saving_days_are_as_long_as_the_clock_says() -> None:
    spec = CalendarSpec(
        key="berlin", name="Berlin", timezone="Europe/Berlin", base=Base.ALWAYS, hours=WorkHours(0, DAY_END)
    )
    calendar = BusinessCalendar(spec)
    berlin = ZoneInfo("Europe/Berlin")
    spring, autumn = datetime(2026, 3, 29, tzinfo=berlin), datetime(2026, 10, 25, tzinfo=berlin)
    assert calendar.seconds_between(spring, spring + timedelta(days=1)) == 23 * HOUR
    assert calendar.seconds_between(autumn, autumn + timedelta(days=1)) == 25 * HOUR
    assert calendar.add_seconds(spring, 23 * HOUR) == datetime(2026, 3, 30, tzinfo=berlin)


def test_weekdays_without_holidays() -> None:
    spec = CalendarSpec(
        key="plain",
        name="Plain",
        timezone="Asia/Shanghai",
        base=Base.WEEKDAYS,
        hours=WorkHours(9 * HOUR, 17 * HOUR),
    )
    calendar = BusinessCalendar(spec)
    assert calendar.covered_years() is None
    assert calendar.is_open(sh("2026-10-01 10:00"))  # National Day is just a Thursday here
    assert not calendar.is_open(sh("2026-10-10 10:00"))  # and no make-up Saturday
    assert calendar.add(sh("2040-06-01 16:00"), Duration(days=1)) == sh("2040-06-04 16:00")


def test_make_up_day_in_the_year_before_its_holiday(cn: BusinessCalendar) -> None:
    # New Year 2002 was bridged by working Saturday and Sunday 2001-12-29/30 (a 5-tuple in `holidays`).
    assert cn.is_open(sh("2001-12-29 10:00"))
    assert cn.is_open(sh("2001-12-30 10:00"))
    assert not cn.is_open(sh("2002-01-02 10:00"))
