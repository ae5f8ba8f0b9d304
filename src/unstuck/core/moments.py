"""Dates and times that people and programs hand us (a URL, a form, the command line), bounded to
years a live system can mean.

Python holds years 1 to 9999, but `0001-01-01T00:00:00+08:00` or `9999-12-31T23:00:00-08:00`
overflow as soon as they are turned into UTC or moved by a day, and the databases refuse them: a
500 instead of an answer. Every such value goes through `moment_check` / `day_check` (or the
`Moment` / `Day` field types of the API), which refuse a year outside `FIRST_YEAR`..`LAST_YEAR`
with `invalid_timestamp` / `invalid_date` naming the field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import AfterValidator

from unstuck.core.errors import DomainError

FIRST_YEAR = 1900
LAST_YEAR = 2999


def _in_range(value: date) -> bool:
    return FIRST_YEAR <= value.year <= LAST_YEAR


def _year_refused(value: date, *, field: str, code: str) -> DomainError:
    return DomainError(
        code,
        _("%(field)s: %(value)s is outside the years %(first)s to %(last)s.")
        % {"field": field, "value": value.isoformat(), "first": FIRST_YEAR, "last": LAST_YEAR},
        details={"field": field},
    )


def moment_check(moment: datetime, *, field: str) -> datetime:
    """`moment` itself, or DomainError `invalid_timestamp` (400) when its year is out of range."""
    if not _in_range(moment):
        raise _year_refused(moment, field=field, code="invalid_timestamp")
    return moment


def day_check(day: date, *, field: str) -> date:
    """`day` itself, or DomainError `invalid_date` (400) when its year is out of range."""
    if not _in_range(day):
        raise _year_refused(day, field=field, code="invalid_date")
    return day


def _pydantic_in_range(value: date) -> date:
    if not _in_range(value):
        # pydantic turns a ValueError into a 422 `invalid_request` entry at the field's location.
        raise ValueError(f"the year must be between {FIRST_YEAR} and {LAST_YEAR}")
    return value


#: An API field holding a date-time of a year a live system can mean (else 422 at that field).
Moment = Annotated[datetime, AfterValidator(_pydantic_in_range)]
#: An API field holding a day of a year a live system can mean (else 422 at that field).
Day = Annotated[date, AfterValidator(_pydantic_in_range)]
