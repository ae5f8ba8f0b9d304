"""Calendars from the database: built-ins with no rows, overrides, verified years, caching."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, time
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from unstuck.calendars import business_time, services
from unstuck.calendars.business_time import CalendarNotCovered, UnknownCalendar, calendar_keys, get_calendar
from unstuck.calendars.durations import Duration
from unstuck.calendars.models import Calendar
from unstuck.calendars.specs import Base, HolidayRegion

from .helpers import sh

pytestmark = pytest.mark.django_db
HOUR = 3600
Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Capture) -> Callable[[], AbstractContextManager[Any]]:
    """Run services as if their transaction committed (tests run inside one that never does)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_builtins_work_with_an_empty_database() -> None:
    Calendar.objects.all().delete()
    assert calendar_keys() == ["always", "cn-workdays"]
    cn = get_calendar("cn-workdays")
    assert cn.add(sh("2026-09-30 17:00"), Duration(seconds=8 * HOUR)) == sh("2026-10-08 16:00")
    assert get_calendar("always").day_seconds == 86_400


def test_builtins_have_rows_after_migrate() -> None:
    assert set(Calendar.objects.values_list("key", flat=True)) >= {"always", "cn-workdays"}
    assert get_calendar("cn-workdays").day_seconds == 9 * HOUR


def test_unknown_calendar_lists_the_known_keys() -> None:
    with pytest.raises(
        UnknownCalendar, match=r"unknown calendar 'nope'; known calendars: always, cn-workdays"
    ):
        get_calendar("nope")


def test_get_calendar_is_cached(django_assert_num_queries: Any) -> None:
    first = get_calendar("cn-workdays")
    with django_assert_num_queries(0):
        assert get_calendar("cn-workdays") is first
        first.add(sh("2026-09-30 17:00"), Duration(seconds=HOUR))


def test_extra_day_off_takes_effect_after_commit(committed: Any) -> None:
    start = sh("2026-09-28 17:00")
    assert get_calendar("cn-workdays").add_seconds(start, 2 * HOUR) == sh("2026-09-29 10:00")
    with committed():
        services.calendar_override_set(
            calendar_key="cn-workdays", day=date(2026, 9, 29), is_working_day=False, note="公司活动"
        )
    assert get_calendar("cn-workdays").add_seconds(start, 2 * HOUR) == sh("2026-09-30 10:00")
    assert get_calendar("cn-workdays").day_plan(date(2026, 9, 29)).reason == "公司活动"
    with committed():
        assert services.calendar_override_remove(calendar_key="cn-workdays", day=date(2026, 9, 29))
    assert get_calendar("cn-workdays").add_seconds(start, 2 * HOUR) == sh("2026-09-29 10:00")


def test_the_cache_holds_until_calendars_changed() -> None:
    before = get_calendar("cn-workdays")
    services.calendar_override_set(calendar_key="cn-workdays", day=date(2026, 9, 26), is_working_day=True)
    assert get_calendar("cn-workdays") is before  # the on-commit reload has not run (nothing committed)
    business_time.calendars_changed()
    assert get_calendar("cn-workdays").is_open(sh("2026-09-26 10:00"))


def test_other_processes_notice_through_the_revision_check(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not get_calendar("cn-workdays").is_open(sh("2026-09-26 10:00"))
    # Another process writes: this one's on-commit hook never runs.
    services.calendar_override_set(calendar_key="cn-workdays", day=date(2026, 9, 26), is_working_day=True)
    assert not get_calendar("cn-workdays").is_open(sh("2026-09-26 10:00"))  # within the check interval
    monkeypatch.setattr(business_time, "REVISION_CHECK_SECONDS", 0.0)
    assert get_calendar("cn-workdays").is_open(sh("2026-09-26 10:00"))


def test_extra_workday(committed: Any) -> None:
    with committed():
        services.calendar_override_set(
            calendar_key="cn-workdays", day=date(2026, 9, 26), is_working_day=True, note="加班"
        )
    cn = get_calendar("cn-workdays")
    assert cn.add_seconds(sh("2026-09-24 17:00"), 2 * HOUR) == sh("2026-09-26 10:00")


def test_per_day_hours_and_lunch_break(committed: Any) -> None:
    with committed():
        services.calendar_override_set(
            calendar_key="cn-workdays",
            day=date(2026, 12, 30),
            is_working_day=True,
            work_start=time(9),
            work_end=time(12),
        )
        services.calendar_override_set(
            calendar_key="cn-workdays",
            day=date(2026, 12, 29),
            is_working_day=True,
            lunch_start=time(12),
            lunch_end=time(13),
        )
    cn = get_calendar("cn-workdays")
    assert cn.add_seconds(sh("2026-12-30 11:00"), 2 * HOUR) == sh("2026-12-31 10:00")
    assert cn.add_seconds(sh("2026-12-29 11:00"), 2 * HOUR) == sh("2026-12-29 14:00")
    assert cn.add_seconds(sh("2026-12-29 11:00"), HOUR) == sh("2026-12-29 12:00")  # lands on lunch: stays
    assert not cn.is_open(sh("2026-12-29 12:30"))
    assert cn.seconds_between(sh("2026-12-29 00:00"), sh("2026-12-31 00:00")) == 8 * HOUR + 3 * HOUR


def test_team_calendar_with_lunch_break(committed: Any) -> None:
    with committed():
        services.calendar_define(
            key="support",
            name="客服组",
            work_start=time(8, 30),
            work_end=time(17, 30),
            lunch_start=time(12),
            lunch_end=time(13),
        )
    team = get_calendar("support")
    assert team.day_seconds == 8 * HOUR
    assert team.add(sh("2026-09-30 11:00"), Duration(days=1)) == sh("2026-10-08 11:00")
    assert team.add_seconds(sh("2026-09-30 11:30"), HOUR) == sh("2026-09-30 13:30")
    assert "support" in calendar_keys()


def test_weekdays_with_china_holidays_skips_make_up_days(committed: Any) -> None:
    with committed():
        services.calendar_define(
            key="no-tiaoxiu", name="无调休", base=Base.WEEKDAYS, holiday_region=HolidayRegion.CN
        )
    calendar = get_calendar("no-tiaoxiu")
    assert not calendar.is_open(sh("2026-10-01 10:00"))
    assert not calendar.is_open(sh("2026-10-10 10:00"))
    assert calendar.is_open(sh("2026-10-09 10:00"))
    with pytest.raises(CalendarNotCovered):
        calendar.is_open(sh("2027-01-05 10:00"))


def test_verifying_2027_after_entering_its_arrangement(committed: Any) -> None:
    with committed():
        services.calendar_define(key="team", name="Team", work_start=time(10), work_end=time(19))
    with pytest.raises(CalendarNotCovered):
        get_calendar("cn-workdays").add_seconds(sh("2026-12-31 17:00"), 2 * HOUR)
    with committed():
        services.calendar_override_set(
            calendar_key="cn-workdays", day=date(2027, 1, 4), is_working_day=False, note="元旦调休"
        )
        services.calendar_year_verify(
            calendar_key="cn-workdays", year=2027, verified_by="ops", note="国办发明电"
        )
    cn = get_calendar("cn-workdays")
    assert 2027 in (cn.covered_years() or ())
    # 2027-01-01 (Fri) is New Year's Day; the weekend; 01-04 is off per the override above.
    assert cn.add_seconds(sh("2026-12-31 17:00"), 2 * HOUR) == sh("2027-01-05 10:00")
    # A calendar that follows China inherits both the correction and the verification.
    team = get_calendar("team")
    assert team.add_seconds(sh("2026-12-31 18:00"), 2 * HOUR) == sh("2027-01-05 11:00")
    with committed():
        assert services.calendar_year_unverify(calendar_key="cn-workdays", year=2027)
    with pytest.raises(CalendarNotCovered):
        get_calendar("team").add_seconds(sh("2026-12-31 18:00"), 2 * HOUR)


def test_first_override_of_a_builtin_creates_its_row(committed: Any) -> None:
    Calendar.objects.all().delete()
    with committed():
        services.calendar_override_set(calendar_key="cn-workdays", day=date(2026, 9, 26), is_working_day=True)
    row = Calendar.objects.get(key="cn-workdays")
    assert (row.base, row.holiday_region, row.work_start, row.work_end) == (
        "cn-workdays",
        "CN",
        time(9),
        time(18),
    )
    assert get_calendar("cn-workdays").is_open(sh("2026-09-26 10:00"))
    with pytest.raises(UnknownCalendar):
        services.calendar_override_set(calendar_key="nope", day=date(2026, 9, 26), is_working_day=True)


def test_deleting_a_builtin_row_falls_back_to_the_code_default(committed: Any) -> None:
    with committed():
        services.calendar_define(key="cn-workdays", name="CN", work_start=time(8), work_end=time(17))
    assert get_calendar("cn-workdays").is_open(sh("2026-09-28 08:30"))
    with committed():
        services.calendar_delete(key="cn-workdays")
    assert not get_calendar("cn-workdays").is_open(sh("2026-09-28 08:30"))


@pytest.mark.parametrize(
    "changes",
    [
        {"work_start": time(18), "work_end": time(9)},
        {"lunch_start": time(12)},
        {"lunch_start": time(7), "lunch_end": time(8)},
        {"timezone": "Mars/Olympus"},
        {"base": Base.CN_WORKDAYS, "holiday_region": HolidayRegion.NONE},
        {"base": Base.ALWAYS, "holiday_region": HolidayRegion.CN},
    ],
)
def test_nonsense_definitions_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        services.calendar_define(key="bad", name="Bad", **changes)


def test_always_can_run_to_midnight(committed: Any) -> None:
    with committed():
        services.calendar_define(
            key="evenings",
            name="Evenings",
            base=Base.ALWAYS,
            holiday_region=HolidayRegion.NONE,
            work_start=time(18),
            work_end=time(0),
        )
    evenings = get_calendar("evenings")
    assert evenings.day_seconds == 6 * HOUR
    assert evenings.add_seconds(sh("2026-10-01 23:00"), 2 * HOUR) == sh("2026-10-02 19:00")


def test_override_hours_are_checked_against_the_calendar() -> None:
    with pytest.raises(ValidationError):
        services.calendar_override_set(
            calendar_key="cn-workdays", day=date(2026, 9, 28), is_working_day=True, work_start=time(19)
        )


def test_an_override_made_impossible_by_new_hours_falls_back(committed: Any) -> None:
    with committed():
        services.calendar_override_set(
            calendar_key="cn-workdays", day=date(2026, 9, 28), is_working_day=True, work_start=time(17, 30)
        )
        services.calendar_define(key="cn-workdays", name="CN", work_start=time(9), work_end=time(17))
    cn = get_calendar("cn-workdays")
    assert cn.is_open(sh("2026-09-28 10:00"))
    assert cn.day_seconds == 8 * HOUR
