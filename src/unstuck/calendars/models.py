"""Business calendars (工作日历) as the admin edits them: calendars, per-date overrides, verified years.

With no rows at all the built-in `always` and `cn-workdays` still work (see `specs.builtin_specs`);
a row with the same key replaces a built-in. Rows change only through `services`, which tell every
process to reload (see `business_time.calendars_changed`).
"""

from __future__ import annotations

import zoneinfo
from datetime import time

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from unstuck.calendars.specs import DAY_END, Base, HolidayRegion, end_seconds_of_day, seconds_of_day


def validate_timezone(value: str) -> None:
    """Accept only IANA time zone names this machine knows (Asia/Shanghai, UTC, ...)."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("%(value)s is not a known time zone"), params={"value": value}) from None


def hours_errors(
    start: time | None, end: time | None, lunch_start: time | None, lunch_end: time | None
) -> dict[str, str]:
    """Why these working hours make no sense, by field; empty when they are fine."""
    errors: dict[str, str] = {}
    if start is not None and end is not None and seconds_of_day(start) >= end_seconds_of_day(end):
        errors["work_end"] = str(_("The working day must end after it starts (00:00 means midnight)."))
    if (lunch_start is None) != (lunch_end is None):
        errors["lunch_end"] = str(_("Give both ends of the lunch break, or neither."))
    elif lunch_start is not None and lunch_end is not None:
        ls, le = seconds_of_day(lunch_start), seconds_of_day(lunch_end)
        day_start = seconds_of_day(start) if start is not None else 0
        day_end = end_seconds_of_day(end) if end is not None else DAY_END
        if ls > le or (ls < le and not day_start < ls < le < day_end):
            errors["lunch_start"] = str(_("The lunch break must lie inside the working day."))
    return errors


class Calendar(models.Model):
    """A named working-time calendar: the days that work, their hours, and the time zone they are in."""

    key = models.SlugField(_("key"), max_length=63, unique=True)
    name = models.CharField(_("name"), max_length=200)
    timezone = models.CharField(
        _("time zone"), max_length=63, default="Asia/Shanghai", validators=[validate_timezone]
    )
    base = models.CharField(
        _("working days"),
        max_length=16,
        choices=[
            (Base.CN_WORKDAYS.value, _("Mainland China workdays (holidays off, make-up days on)")),
            (Base.WEEKDAYS.value, _("Monday to Friday")),
            (Base.ALWAYS.value, _("Every day")),
        ],
        default=Base.CN_WORKDAYS.value,
    )
    holiday_region = models.CharField(
        _("statutory holidays"),
        max_length=2,
        choices=[(HolidayRegion.CN.value, _("Mainland China")), (HolidayRegion.NONE.value, _("None"))],
        default=HolidayRegion.CN.value,
        blank=True,
        help_text=_("Mainland China: statutory days off are off (required for China workdays)."),
    )
    work_start = models.TimeField(_("work starts"), default=time(9))
    work_end = models.TimeField(_("work ends"), default=time(18), help_text=_("00:00 means midnight."))
    lunch_start = models.TimeField(_("lunch break starts"), null=True, blank=True)
    lunch_end = models.TimeField(_("lunch break ends"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Bumped by every service that changes the calendar or its rows: other processes compare the sum
    # (see selectors.calendar_revision) to notice changes without trusting clocks to agree.
    revision = models.PositiveBigIntegerField(_("revision"), default=0, editable=False)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    def clean(self) -> None:
        errors = hours_errors(self.work_start, self.work_end, self.lunch_start, self.lunch_end)
        if self.base == Base.CN_WORKDAYS and self.holiday_region != HolidayRegion.CN:
            errors["holiday_region"] = str(_("China workdays follow mainland China's statutory holidays."))
        if self.base == Base.ALWAYS and self.holiday_region:
            errors["holiday_region"] = str(_("A calendar that works every day cannot take holidays off."))
        if errors:
            raise ValidationError(errors)


class CalendarOverride(models.Model):
    """One date that differs from its calendar's rule: an extra day off or on, other hours, a lunch break.

    Empty hours fall back to the calendar's. Overrides of `cn-workdays` also correct the official China
    arrangement for every calendar that follows China's holidays.
    """

    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="overrides"
    )
    date = models.DateField(_("date"))
    is_working_day = models.BooleanField(_("working day"))
    work_start = models.TimeField(_("work starts"), null=True, blank=True)
    work_end = models.TimeField(_("work ends"), null=True, blank=True, help_text=_("00:00 means midnight."))
    lunch_start = models.TimeField(
        _("lunch break starts"),
        null=True,
        blank=True,
        help_text=_("Same start and end: no lunch break that day."),
    )
    lunch_end = models.TimeField(_("lunch break ends"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.CharField(_("updated by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_override_date_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {'+' if self.is_working_day else '-'}"

    def effective_hours(self) -> tuple[time, time, time | None, time | None]:
        """Start, end, lunch start and lunch end of this date: its own where set, else the calendar's."""
        calendar = self.calendar
        return (
            self.work_start if self.work_start is not None else calendar.work_start,
            self.work_end if self.work_end is not None else calendar.work_end,
            self.lunch_start if self.lunch_start is not None else calendar.lunch_start,
            self.lunch_end if self.lunch_end is not None else calendar.lunch_end,
        )

    def clean(self) -> None:
        if self.calendar_id is None:
            errors = hours_errors(self.work_start, self.work_end, self.lunch_start, self.lunch_end)
        else:  # the hours that will apply, so "start 19:00" on a calendar ending at 18:00 is caught
            errors = hours_errors(*self.effective_hours())
        if errors:
            raise ValidationError(errors)


class VerifiedYear(models.Model):
    """A year whose official holiday arrangement a person checked, so business time may be computed in it.

    Years the `holidays` package carries the State Council's arrangement for need no row. For a later
    year, first enter the arrangement as overrides (extra days off, make-up workdays), then verify it.
    """

    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="verified_years"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    verified_by = models.CharField(_("verified by"), max_length=150)
    verified_at = models.DateTimeField(_("verified at"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("Source, e.g. the notice."))

    class Meta:
        verbose_name = _("verified year")
        verbose_name_plural = _("verified years")
        ordering = ["calendar", "year"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "year"], name="calendar_verified_year_unique"),
        ]

    def __str__(self) -> str:
        return str(self.year)
