"""Writes for calendars. Each runs in one transaction, touches the calendar it changes (so other
processes notice on their next revision check) and reloads this process's calendars on commit."""

from __future__ import annotations

import logging
from datetime import date, time

from django.db import transaction
from django.db.models import F
from django.utils import timezone as django_timezone

from unstuck.calendars.business_time import UnknownCalendar, calendar_keys, calendars_changed
from unstuck.calendars.models import Calendar, CalendarOverride, VerifiedYear
from unstuck.calendars.specs import DAY_END, Base, HolidayRegion, builtin_specs

logger = logging.getLogger(__name__)


def _time(seconds: int) -> time:
    seconds %= DAY_END  # 24:00 is stored as 00:00
    return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)


def _optional_time(seconds: int | None) -> time | None:
    return None if seconds is None else _time(seconds)


def _changed(calendar: Calendar) -> None:
    Calendar.objects.filter(pk=calendar.pk).update(
        updated_at=django_timezone.now(), revision=F("revision") + 1
    )
    transaction.on_commit(calendars_changed)


def _calendar_for_write(key: str) -> Calendar:
    """The row of `key`, locked; a built-in edited for the first time gets its row from the code default."""
    calendar = Calendar.objects.select_for_update().filter(key=key).first()
    if calendar is not None:
        return calendar
    spec = builtin_specs().get(key)
    if spec is None:
        raise UnknownCalendar(key, calendar_keys())
    calendar, _ = Calendar.objects.get_or_create(
        key=key,
        defaults={
            "name": spec.name,
            "timezone": spec.timezone,
            "base": spec.base.value,
            "holiday_region": spec.holiday_region.value,
            "work_start": _time(spec.hours.start),
            "work_end": _time(spec.hours.end),
            "lunch_start": _optional_time(spec.hours.lunch_start),
            "lunch_end": _optional_time(spec.hours.lunch_end),
        },
    )
    return calendar


@transaction.atomic
def calendar_define(
    *,
    key: str,
    name: str,
    timezone: str = "Asia/Shanghai",
    base: Base = Base.CN_WORKDAYS,
    holiday_region: HolidayRegion = HolidayRegion.CN,
    work_start: time = time(9),
    work_end: time = time(18),
    lunch_start: time | None = None,
    lunch_end: time | None = None,
    description: str = "",
) -> Calendar:
    """Create the calendar `key` or replace its definition (a built-in key replaces the code default).

    Raises ValidationError when the definition makes no sense (hours backwards, unknown time zone ...).
    """
    calendar = Calendar.objects.select_for_update().filter(key=key).first() or Calendar(key=key)
    calendar.name = name
    calendar.timezone = timezone
    calendar.base = Base(base).value
    calendar.holiday_region = HolidayRegion(holiday_region).value
    calendar.work_start, calendar.work_end = work_start, work_end
    calendar.lunch_start, calendar.lunch_end = lunch_start, lunch_end
    calendar.description = description
    calendar.full_clean()
    calendar.save()
    _changed(calendar)
    logger.info("calendar %s defined", key)
    return calendar


@transaction.atomic
def calendar_delete(*, key: str) -> bool:
    """Delete calendar `key` with its overrides; a built-in key falls back to its code default."""
    deleted, _ = Calendar.objects.filter(key=key).delete()
    transaction.on_commit(calendars_changed)
    logger.info("calendar %s deleted", key)
    return bool(deleted)


@transaction.atomic
def calendar_override_set(
    *,
    calendar_key: str,
    day: date,
    is_working_day: bool,
    work_start: time | None = None,
    work_end: time | None = None,
    lunch_start: time | None = None,
    lunch_end: time | None = None,
    note: str = "",
    updated_by: str = "",
) -> CalendarOverride:
    """Make `day` a working day or a day off on the calendar, optionally with its own hours (idempotent).

    Unset hours fall back to the calendar's; lunch start = lunch end removes the lunch break that day.
    """
    calendar = _calendar_for_write(calendar_key)
    override = CalendarOverride.objects.filter(calendar=calendar, date=day).first() or CalendarOverride(
        calendar=calendar, date=day
    )
    override.is_working_day = is_working_day
    override.work_start, override.work_end = work_start, work_end
    override.lunch_start, override.lunch_end = lunch_start, lunch_end
    override.note = note
    override.updated_by = updated_by
    override.full_clean(validate_constraints=False)
    override.save()
    _changed(calendar)
    logger.info("calendar %s: %s set %s by %s", calendar_key, day, is_working_day, updated_by or "-")
    return override


@transaction.atomic
def calendar_override_remove(*, calendar_key: str, day: date) -> bool:
    """Let `day` follow the calendar's rule again; False when it had no override."""
    calendar = _calendar_for_write(calendar_key)
    deleted, _ = CalendarOverride.objects.filter(calendar=calendar, date=day).delete()
    _changed(calendar)
    logger.info("calendar %s: override of %s removed", calendar_key, day)
    return bool(deleted)


@transaction.atomic
def calendar_year_verify(*, calendar_key: str, year: int, verified_by: str, note: str = "") -> VerifiedYear:
    """Record that a person checked `year`'s official arrangement, so business time may be computed in it.

    Enter the arrangement as overrides first: for a year the `holidays` package does not carry yet, only
    its estimated statutory days are known, without the extra days off and make-up workdays.
    """
    calendar = _calendar_for_write(calendar_key)
    verified, created = VerifiedYear.objects.get_or_create(
        calendar=calendar, year=year, defaults={"verified_by": verified_by, "note": note}
    )
    if not created and (verified.verified_by, verified.note) != (verified_by, note):
        verified.verified_by, verified.note = verified_by, note
        verified.save(update_fields=["verified_by", "note"])
    _changed(calendar)
    logger.info("calendar %s: %s verified by %s", calendar_key, year, verified_by)
    return verified


@transaction.atomic
def calendar_year_unverify(*, calendar_key: str, year: int) -> bool:
    """Withdraw an admin's verification of `year`; False when there was none."""
    calendar = _calendar_for_write(calendar_key)
    deleted, _ = VerifiedYear.objects.filter(calendar=calendar, year=year).delete()
    _changed(calendar)
    logger.info("calendar %s: verification of %s withdrawn", calendar_key, year)
    return bool(deleted)
