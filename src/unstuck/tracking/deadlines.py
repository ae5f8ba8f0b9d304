"""An item's deadlines: for its state, the moments each stall rule fires. Pure, so the worker, the
ingest and the `--as-of` replay all agree by construction; in tracking, so ingest can store each
item's next deadline without calling up into stalls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from unstuck.calendars.business_time import BusinessCalendar, CalendarNotCovered
from unstuck.calendars.durations import Duration
from unstuck.processes.spec import ProcessSpec

# How long to wait before trying again a deadline that falls in a year without verified holidays.
UNCOVERED_RETRY = timedelta(hours=6)


class Rule(StrEnum):
    DWELL = "dwell"
    CONFIRMATION = "confirmation"
    INTERRUPTION = "interruption"
    PROMISE = "promise"
    REMINDER = "reminder"


@dataclass(frozen=True, slots=True)
class Moment:
    """A moment at which a rule fires for an item; `marker` identifies it within the item."""

    rule: Rule
    step: str
    visit_key: str
    at: datetime
    reminder_index: int | None = None
    # True when the calendar cannot say when (a year without verified holiday data): `at` is then
    # the earliest moment it could be, and nothing is recorded until the data exists.
    uncertain: bool = False

    @property
    def marker(self) -> str:
        if self.rule is Rule.REMINDER:
            return f"reminder:{self.reminder_index}|{self.visit_key}"
        return f"{self.rule.value}|{self.visit_key}"

    @property
    def is_stall(self) -> bool:
        return self.rule is not Rule.REMINDER


def visit_key(step: str, since: datetime) -> str:
    return f"{step}@{since.astimezone(UTC).isoformat()}"


def promise_key(promised_at: datetime) -> str:
    return f"promise@{promised_at.astimezone(UTC).isoformat()}"


def _due(calendar: BusinessCalendar, start: datetime, duration: Duration) -> tuple[datetime, bool]:
    try:
        return calendar.add(start, duration), False
    except CalendarNotCovered as error:
        year_start = datetime(error.year, 1, 1, tzinfo=calendar.timezone)
        return max(year_start, start), True


def item_moments(
    spec: ProcessSpec,
    calendar: BusinessCalendar,
    *,
    step: str,
    step_since: datetime,
    promised_at: datetime | None,
    promise_uncertain: bool = False,
) -> list[Moment]:
    """Every moment a rule fires for an item in `step` since `step_since` (none once terminal)."""
    if step in spec.terminal:
        return []
    moments: list[Moment] = []
    visit = visit_key(step, step_since)
    definition = spec.steps.get(step)
    if definition is not None:
        if definition.interruption:
            moments.append(Moment(Rule.INTERRUPTION, step, visit, step_since))
        elif definition.confirmation is not None:
            limit = definition.confirmation.within or definition.max_dwell
            assert limit is not None  # the process file parser guarantees a deadline
            deadline, uncertain = _due(calendar, step_since, limit)
            for index, after in enumerate(definition.confirmation.remind_after):
                at, unsure = _due(calendar, step_since, after)
                if at < deadline:
                    moments.append(
                        Moment(Rule.REMINDER, step, visit, at, reminder_index=index, uncertain=unsure)
                    )
            moments.append(Moment(Rule.CONFIRMATION, step, visit, deadline, uncertain=uncertain))
            within = definition.confirmation.within
            if within is not None and definition.max_dwell is not None and definition.max_dwell != within:
                at, unsure = _due(calendar, step_since, definition.max_dwell)
                moments.append(Moment(Rule.DWELL, step, visit, at, uncertain=unsure))
        elif definition.max_dwell is not None:
            at, unsure = _due(calendar, step_since, definition.max_dwell)
            moments.append(Moment(Rule.DWELL, step, visit, at, uncertain=unsure))
    if promised_at is not None:
        moments.append(
            Moment(Rule.PROMISE, step, promise_key(promised_at), promised_at, uncertain=promise_uncertain)
        )
    return moments


def effective_promise(
    spec: ProcessSpec, calendar: BusinessCalendar, *, started_at: datetime, explicit: datetime | None
) -> tuple[datetime | None, bool]:
    """The promised-by moment: an event's `promised_at`, else first event + the process's promise."""
    if explicit is not None:
        return explicit, False
    if spec.promise is None:
        return None, False
    return _due(calendar, started_at, spec.promise)


def current_markers(moments: list[Moment]) -> set[str]:
    return {moment.marker for moment in moments}


def next_deadline(moments: list[Moment], fired: set[str], now: datetime) -> datetime | None:
    """The earliest moment a rule not yet fired could fire; uncertain ones are retried later."""
    candidates = []
    for moment in moments:
        if moment.marker in fired:
            continue
        candidates.append(max(moment.at, now + UNCOVERED_RETRY) if moment.uncertain else moment.at)
    return min(candidates) if candidates else None
