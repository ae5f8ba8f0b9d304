"""What a business calendar is, as plain immutable values: the built-ins and what the database adds.

`business_time` computes with these; `selectors` builds them from the database rows. Keeping them free
of Django lets the hot path (deadline arithmetic) run without touching the ORM.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum
from types import MappingProxyType

DAY_END = 86_400  # seconds of day; a working day may run to midnight (24:00)


class Base(StrEnum):
    """Which days of the week work before overrides: every day, Mon–Fri, or China's official days."""

    ALWAYS = "always"
    WEEKDAYS = "weekdays"
    CN_WORKDAYS = "cn-workdays"


class HolidayRegion(StrEnum):
    """Whose statutory holidays are days off; NONE keeps the weekly pattern as it is."""

    NONE = ""
    CN = "CN"


ALWAYS_KEY = "always"
CN_WORKDAYS_KEY = "cn-workdays"


def seconds_of_day(moment: time) -> int:
    """A wall-clock time as seconds after midnight."""
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def end_seconds_of_day(moment: time) -> int:
    """Like `seconds_of_day`, but 00:00 as an end means midnight at the end of the day (24:00)."""
    return seconds_of_day(moment) or DAY_END


@dataclass(frozen=True, slots=True)
class WorkHours:
    """The working hours of one day in seconds after local midnight; the lunch break is not worked.

    A lunch break is ignored unless it lies strictly inside the day and is not empty, so setting
    lunch start = lunch end on an override means "no lunch break that day".
    """

    start: int
    end: int
    lunch_start: int | None = None
    lunch_end: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= DAY_END:
            raise ValueError(f"working hours must run forwards within one day, got {self.start}..{self.end}")

    def intervals(self) -> tuple[tuple[int, int], ...]:
        """The worked spans of the day, in order."""
        ls, le = self.lunch_start, self.lunch_end
        if ls is not None and le is not None and self.start < ls < le < self.end:
            return ((self.start, ls), (le, self.end))
        return ((self.start, self.end),)

    @property
    def seconds(self) -> int:
        """How many seconds of the day are worked."""
        return sum(end - start for start, end in self.intervals())

    def describe(self) -> str:
        """`09:00-18:00` or `09:00-12:00,13:00-18:00`."""
        return ",".join(f"{_hhmm(start)}-{_hhmm(end)}" for start, end in self.intervals())


def _hhmm(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


@dataclass(frozen=True, slots=True)
class DayOverride:
    """One date set apart from the calendar's rule: worked or not, with its own hours when worked."""

    working: bool
    hours: WorkHours | None = None  # None: the calendar's usual hours
    note: str = ""


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """Everything needed to compute business time on one calendar, already merged with the database."""

    key: str
    name: str
    timezone: str
    base: Base
    hours: WorkHours
    holiday_region: HolidayRegion = HolidayRegion.NONE
    overrides: Mapping[date, DayOverride] = field(default_factory=lambda: MappingProxyType({}))
    verified_years: frozenset[int] = frozenset()


def builtin_specs() -> dict[str, CalendarSpec]:
    """The calendars that exist with an empty database; a database row with the same key replaces one."""
    return {
        ALWAYS_KEY: CalendarSpec(
            key=ALWAYS_KEY,
            name="全天候（24x7）/ Always",
            timezone="UTC",
            base=Base.ALWAYS,
            hours=WorkHours(0, DAY_END),
        ),
        CN_WORKDAYS_KEY: CalendarSpec(
            key=CN_WORKDAYS_KEY,
            name="中国大陆工作日 / Mainland China workdays",
            timezone="Asia/Shanghai",
            base=Base.CN_WORKDAYS,
            hours=WorkHours(9 * 3600, 18 * 3600),
            holiday_region=HolidayRegion.CN,
        ),
    }
