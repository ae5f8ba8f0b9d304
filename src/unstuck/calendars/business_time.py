"""Business time: deadlines and elapsed working time on a calendar (工作日历).

Model. Each calendar defines, for every local date, the worked spans of that day (`day_plans`). Let
P(t) be the business time worked from a fixed origin up to moment t: it rises inside working spans and
stays flat outside them. Then

* `seconds_between(s, e)` = P(e) - P(s), in whole seconds (truncated towards zero), so it counts the
  worked part of [s, e) and is negative when e < s;
* `add_seconds(s, n)` for n > 0 is the *earliest* t with P(t) = P(s) + n: a deadline that lands exactly
  at the end of a span stays there (17:00 + 1h = 18:00 the same day, never 09:00 the next workday; a
  lunch break likewise: 11:00 + 1h = 12:00);
* for n <= 0 it is the *latest* such t: going back lands on an opening, not on the close before it,
  and `add_seconds(s, 0)` is s itself when s is open, else the next opening (the clock starts then);
* `add(s, Duration(days=N, seconds=S))` = `add_seconds(s, N * day_seconds + S)`.

So `seconds_between(s, add_seconds(s, n)) == n` for every s and n. Results are aware datetimes in the
calendar's time zone. Precision is one microsecond.

Speed. P is kept per local year as cumulative sums over the days (built once per calendar and year,
about 2 ms), so `add` is two bisections plus a walk over at most a few spans, whatever the duration.

Coverage. A calendar that follows China's holidays may compute only in verified years; reaching any
other year raises `CalendarNotCovered` (never a guess). Calendars are cached per process: the services
that change calendars call `calendars_changed()` on commit, and every process re-reads the database
when a cheap revision check (at most once per `REVISION_CHECK_SECONDS`) shows another process wrote.
"""

from __future__ import annotations

import threading
import time
import zoneinfo
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from unstuck.calendars.day_plans import DayPlan, follows_china, plan_day
from unstuck.calendars.durations import Duration
from unstuck.calendars.official_cn import ChinaWorkdays
from unstuck.calendars.specs import DAY_END, CalendarSpec

REVISION_CHECK_SECONDS = 30.0
_US = timedelta(microseconds=1)
_PER_SECOND = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_DAY = timedelta(days=1)
_MAX_YEARS_CROSSED = 200  # a calendar that never works would otherwise search forever


class CalendarError(Exception):
    """Base of every error business time raises."""


class UnknownCalendar(CalendarError, LookupError):
    """No calendar has this key; the message lists the keys that exist."""

    def __init__(self, key: str, known: list[str]) -> None:
        self.key = key
        self.known = known
        super().__init__(f"unknown calendar {key!r}; known calendars: {', '.join(known)}")


class CalendarNotCovered(CalendarError):
    """A computation reached a year for which no verified holiday arrangement exists."""

    def __init__(self, calendar_key: str, year: int) -> None:
        self.calendar_key = calendar_key
        self.year = year
        super().__init__(
            f"{calendar_key}: no verified holiday data for {year} (official arrangement not in the "
            f"`holidays` package yet); add it as overrides and mark {year} verified in the admin"
        )


@dataclass(frozen=True, slots=True)
class _Year:
    """One local year of a calendar, ready for bisection (all moments in epoch microseconds)."""

    number: int
    first: int  # ordinal of 1 January
    spans: list[tuple[tuple[int, int], ...]]  # per day: worked (open, close) spans
    starts: list[int]  # per day: business time worked in the year before the day
    ends: list[int]  # per day: business time worked in the year up to the end of the day
    total: int


class BusinessCalendar:
    """Working time of one calendar: deadlines, elapsed business time, open/closed. Immutable, thread-safe."""

    def __init__(self, spec: CalendarSpec, *, china: ChinaWorkdays | None = None) -> None:
        self.spec = spec
        self.key: str = spec.key
        self.name: str = spec.name
        self.timezone: zoneinfo.ZoneInfo = zoneinfo.ZoneInfo(spec.timezone)
        self.day_seconds: int = spec.hours.seconds
        self._china = china if follows_china(spec) else None
        self._covered: frozenset[int] | None = (
            None if self._china is None else self._china.verified_years | spec.verified_years
        )
        self._years: dict[int, _Year] = {}

    def __repr__(self) -> str:
        return f"<BusinessCalendar {self.key}>"

    # -- coverage ---------------------------------------------------------------------------------
    def covered_years(self) -> frozenset[int] | None:
        """The years business time may be computed in, or None when every year is (no holiday data)."""
        return self._covered

    def covers(self, year: int) -> bool:
        """True when computing in `year` is allowed."""
        return self._covered is None or year in self._covered

    # -- days -------------------------------------------------------------------------------------
    def day_plan(self, day: date, *, unverified: bool = False) -> DayPlan:
        """The worked hours of `day` and why; an uncovered year raises unless `unverified` is set
        (to let an admin preview an arrangement before verifying it)."""
        if not unverified and not self.covers(day.year):
            raise CalendarNotCovered(self.key, day.year)
        return plan_day(self.spec, self._china, day)

    # -- arithmetic -------------------------------------------------------------------------------
    def add(self, start: datetime, duration: Duration) -> datetime:
        """The due moment `duration` of business time after `start` (a day is `day_seconds`)."""
        return self.add_seconds(start, duration.days * self.day_seconds + duration.seconds)

    def add_seconds(self, start: datetime, seconds: int) -> datetime:
        """The moment `seconds` of business time after `start` (before it when negative)."""
        year, index, moment = self._locate(start)
        target = self._position(year, index, moment) + seconds * _PER_SECOND
        if seconds > 0:
            for _ in range(_MAX_YEARS_CROSSED):
                if target <= year.total:
                    return self._earliest(year, target)
                target -= year.total
                year = self._year(year.number + 1)
        else:
            for _ in range(_MAX_YEARS_CROSSED):
                if target < 0:
                    year = self._year(year.number - 1)
                    target += year.total
                elif target >= year.total:  # after the year's last close: the next opening
                    target -= year.total
                    year = self._year(year.number + 1)
                else:
                    return self._latest(year, target)
        raise CalendarError(f"{self.key}: no working time within {_MAX_YEARS_CROSSED} years")

    def seconds_between(self, start: datetime, end: datetime) -> int:
        """Business seconds in [start, end); negative when end is before start."""
        first, first_index, first_moment = self._locate(start)
        last, last_index, last_moment = self._locate(end)
        if last_moment < first_moment:
            return -self.seconds_between(end, start)
        elapsed = self._position(last, last_index, last_moment) - self._position(
            first, first_index, first_moment
        )
        for number in range(first.number, last.number):
            elapsed += self._year(number).total
        return elapsed // _PER_SECOND

    def is_open(self, moment: datetime) -> bool:
        """True when `moment` lies inside working hours (openings included, closes excluded)."""
        year, index, at = self._locate(moment)
        return any(opens <= at < closes for opens, closes in year.spans[index])

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself when open, else the moment work next starts."""
        return self.add_seconds(moment, 0)

    # -- internals --------------------------------------------------------------------------------
    def _locate(self, moment: datetime) -> tuple[_Year, int, int]:
        try:
            at = (moment - _EPOCH) // _US
        except TypeError:
            raise ValueError(f"{moment!r} has no time zone; business time needs an aware datetime") from None
        local = moment.astimezone(self.timezone)
        year = self._years.get(local.year) or self._year(local.year)
        return year, local.toordinal() - year.first, at

    @staticmethod
    def _position(year: _Year, index: int, at: int) -> int:
        position = year.starts[index]
        for opens, closes in year.spans[index]:
            if at <= opens:
                break
            position += (closes if at > closes else at) - opens
        return position

    def _earliest(self, year: _Year, target: int) -> datetime:
        index = bisect_left(year.ends, target)
        rest = target - year.starts[index]
        for opens, closes in year.spans[index]:
            if rest <= closes - opens:
                return self._datetime(opens + rest)
            rest -= closes - opens
        raise AssertionError("unreachable: the day found by bisection holds the target")

    def _latest(self, year: _Year, target: int) -> datetime:
        index = bisect_right(year.starts, target) - 1
        rest = target - year.starts[index]
        for opens, closes in year.spans[index]:
            if rest < closes - opens:
                return self._datetime(opens + rest)
            rest -= closes - opens
        raise AssertionError("unreachable: the day found by bisection holds the target")

    def _datetime(self, at: int) -> datetime:
        return (_EPOCH + at * _US).astimezone(self.timezone)

    def _year(self, number: int) -> _Year:
        year = self._years.get(number)
        if year is None:
            if not self.covers(number):
                raise CalendarNotCovered(self.key, number)
            # Racing threads may both build a year; the results are equal, the last one stays.
            year = self._years[number] = self._build_year(number)
        return year

    def _build_year(self, number: int) -> _Year:
        day = date(number, 1, 1)
        first = day.toordinal()
        spans: list[tuple[tuple[int, int], ...]] = []
        starts: list[int] = []
        ends: list[int] = []
        worked = 0
        while day.year == number:
            hours = plan_day(self.spec, self._china, day).hours
            day_spans = () if hours is None else self._spans(day, hours.intervals())
            starts.append(worked)
            worked += sum(closes - opens for opens, closes in day_spans)
            ends.append(worked)
            spans.append(day_spans)
            day += _ONE_DAY
        return _Year(number, first, spans, starts, ends, worked)

    def _spans(self, day: date, intervals: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
        result = []
        for start, end in intervals:
            opens, closes = self._local_us(day, start), self._local_us(day, end)
            if opens < closes:  # a span swallowed by a daylight-saving jump is simply not worked
                result.append((opens, closes))
        return tuple(result)

    def _local_us(self, day: date, seconds: int) -> int:
        if seconds >= DAY_END:
            day, seconds = day + _ONE_DAY, 0
        hour, rest = divmod(seconds, 3600)
        local = datetime(day.year, day.month, day.day, hour, rest // 60, rest % 60, tzinfo=self.timezone)
        return (local - _EPOCH) // _US


class _Registry:
    """The calendars of one process, as loaded at one database revision."""

    def __init__(self, specs: dict[str, CalendarSpec], china: ChinaWorkdays, revision: Any) -> None:
        self.specs = specs
        self.china = china
        self.revision = revision
        self.checked_at = time.monotonic()
        self.calendars: dict[str, BusinessCalendar] = {}


_registry: _Registry | None = None
_load_lock = threading.Lock()


def _current_registry() -> _Registry:
    global _registry
    registry = _registry
    if registry is not None and time.monotonic() - registry.checked_at < REVISION_CHECK_SECONDS:
        return registry
    from unstuck.calendars import selectors  # the ORM stays out of import time and of the hot path

    with _load_lock:
        registry = _registry
        if registry is not None:
            if time.monotonic() - registry.checked_at < REVISION_CHECK_SECONDS:
                return registry
            if selectors.calendar_revision() == registry.revision:
                registry.checked_at = time.monotonic()
                return registry
        revision = selectors.calendar_revision()  # read first: a write racing the load reloads again
        specs = selectors.calendar_spec_map()
        registry = _registry = _Registry(specs, selectors.china_workdays(specs), revision)
        return registry


def get_calendar(key: str) -> BusinessCalendar:
    """The calendar with this key, cached per process; raises UnknownCalendar."""
    registry = _current_registry()
    calendar = registry.calendars.get(key)
    if calendar is None:
        spec = registry.specs.get(key)
        if spec is None:
            raise UnknownCalendar(key, sorted(registry.specs))
        calendar = registry.calendars[key] = BusinessCalendar(spec, china=registry.china)
    return calendar


def calendar_keys() -> list[str]:
    """Every calendar key, built-ins included, sorted."""
    return sorted(_current_registry().specs)


def calendars_changed() -> None:
    """Forget this process's calendars; the next `get_calendar` reloads them from the database."""
    global _registry
    _registry = None
