"""The admin edits calendars through the services, so an edit reaches business time at once."""

from __future__ import annotations

from typing import Any

import pytest

from unstuck.calendars.business_time import get_calendar
from unstuck.calendars.models import Calendar, CalendarOverride, VerifiedYear

from .helpers import sh

pytestmark = pytest.mark.django_db


def test_pages_render(admin_client: Any) -> None:
    calendar = Calendar.objects.get(key="cn-workdays")
    changelist = admin_client.get("/admin/calendars/calendar/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert changelist.status_code == 200
    assert "工作日历" in changelist.content.decode()  # Chinese first
    assert admin_client.get(f"/admin/calendars/calendar/{calendar.pk}/change/").status_code == 200
    assert admin_client.get("/admin/calendars/calendaroverride/").status_code == 200


def test_adding_an_override_in_the_admin(admin_client: Any, django_capture_on_commit_callbacks: Any) -> None:
    calendar = Calendar.objects.get(key="cn-workdays")
    assert not get_calendar("cn-workdays").is_open(sh("2026-09-26 10:00"))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/calendars/calendaroverride/add/",
            {"calendar": calendar.pk, "date": "2026-09-26", "is_working_day": "on", "note": "加班"},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    override = CalendarOverride.objects.get(calendar=calendar, date="2026-09-26")
    assert override.updated_by == "admin"
    assert get_calendar("cn-workdays").is_open(sh("2026-09-26 10:00"))


def _calendar_form(calendar: Calendar, **extra: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": calendar.name,
        "timezone": calendar.timezone,
        "base": calendar.base,
        "holiday_region": calendar.holiday_region,
        "work_start": "09:00",
        "work_end": "18:00",
        "description": "",
    }
    for prefix in ("overrides", "verified_years"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | extra


def test_verifying_a_year_inline(admin_client: Any, django_capture_on_commit_callbacks: Any) -> None:
    calendar = Calendar.objects.get(key="cn-workdays")
    data = _calendar_form(
        calendar,
        **{
            "verified_years-TOTAL_FORMS": "1",
            "verified_years-0-year": "2027",
            "verified_years-0-note": "国办发明电〔2026〕",
            "overrides-TOTAL_FORMS": "1",
            "overrides-0-date": "2027-01-04",
            "overrides-0-note": "调休",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/calendars/calendar/{calendar.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert VerifiedYear.objects.get(calendar=calendar, year=2027).verified_by == "admin"
    cn = get_calendar("cn-workdays")
    assert not cn.is_open(sh("2027-01-04 10:00"))
    assert cn.is_open(sh("2027-01-05 10:00"))
