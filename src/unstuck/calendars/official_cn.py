"""Mainland China's official working days: statutory days off and make-up workdays (调休).

The data comes from the `holidays` package. A year counts as *verified* only when the package carries
the State Council's arrangement for it (`ChinaStaticHolidays.special_public_holidays`, where the
4- and 5-tuples name the make-up workday each extra day off was swapped from) or when an admin has
marked it verified; for any other year the package silently estimates the holidays without make-up
days, so we refuse to compute there instead of guessing.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

import holidays
from holidays.countries.china import ChinaStaticHolidays

from unstuck.calendars.specs import DayOverride

MAKEUP_WORKDAY = "调休上班"


@functools.cache
def package_verified_years() -> frozenset[int]:
    """Years for which the installed `holidays` package carries the official arrangement."""
    return frozenset(ChinaStaticHolidays.special_public_holidays)


@dataclass(frozen=True, slots=True)
class OfficialYear:
    """One year as the `holidays` package sees it: days off with their names, and make-up workdays."""

    days_off: Mapping[date, str]
    makeup_workdays: frozenset[date]


@functools.lru_cache(maxsize=128)
def official_year(year: int) -> OfficialYear:
    """The package's days off (statutory, observed and swapped) and make-up workdays within `year`."""
    china = holidays.China(years=year, language="zh_CN")  # type: ignore[no-untyped-call]  # holidays' country classes are not annotated
    # `weekend_workdays` is filled from every 4-tuple of the populated year and from every 5-tuple
    # (whose make-up day may fall in the year before, e.g. 2001-12-29 for New Year 2002).
    makeup = frozenset(day for day in china.weekend_workdays if day.year == year)
    return OfficialYear(days_off=MappingProxyType(dict(china.items())), makeup_workdays=makeup)


class ChinaWorkdays:
    """The official mainland working-day calendar: the package's data, corrected by an admin.

    `corrections` are the working/not-working overrides of the `cn-workdays` calendar, so a correction
    entered once there (say the 2027 arrangement, before the package has it) reaches every calendar that
    follows China's holidays.
    """

    def __init__(self, corrections: Mapping[date, DayOverride], verified_years: frozenset[int]) -> None:
        self._corrections = corrections
        self.verified_years = package_verified_years() | verified_years

    def covers(self, year: int) -> bool:
        """True when days in `year` may be computed (the arrangement is verified)."""
        return year in self.verified_years

    def is_working(self, day: date) -> bool:
        """True when `day` is an official working day (make-up weekend days included)."""
        corrected = self._corrections.get(day)
        if corrected is not None:
            return corrected.working
        official = official_year(day.year)
        if day.weekday() >= 5:
            return day in official.makeup_workdays
        return day not in official.days_off

    def reason(self, day: date) -> str:
        """Why `day` is special: the correction's note, the holiday's name or make-up workday; else ""."""
        corrected = self._corrections.get(day)
        if corrected is not None and corrected.note:
            return corrected.note
        official = official_year(day.year)
        if day in official.makeup_workdays:
            return MAKEUP_WORKDAY
        return official.days_off.get(day, "")
