"""An item's planned path through its process: the events a source system would send, in order.

A `Journey` is written step by step (`go`, `note`, `hold_until`); waits are business time on the
process's calendar, so an account closure moves only on working days while an order moves at night.
Every event gets a deterministic idempotency key, which makes seeding the same history twice a no-op.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from unstuck.calendars.business_time import BusinessCalendar, CalendarNotCovered
from unstuck.calendars.durations import Duration
from unstuck.demo.catalog import CAUSES

MINUTE = 60
HOUR = 3600
#: A day on the 24x7 calendar; on cn-workdays use WORKDAY (one standard working day).
DAY = 86_400
WORKDAY = 9 * HOUR
#: Where the clock goes when a wait reaches a year the calendar has no verified holidays for: what
#: would happen then cannot be known, so every later event falls after any `now` and is dropped.
UNKNOWABLE = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    """One event of a journey, ready to become a row of `event_ingest_batch`."""

    at: datetime
    process: str
    item: str
    step: str
    index: int
    attrs: dict[str, Any]
    customer: dict[str, str] | None = None

    @property
    def key(self) -> str:
        return f"demo:{self.item}:{self.index:02d}"

    def as_event(self) -> dict[str, Any]:
        event: dict[str, Any] = {
            "process": self.process,
            "item": self.item,
            "step": self.step,
            "at": self.at,
            "key": self.key,
            "attrs": self.attrs,
        }
        if self.customer:
            event["customer"] = self.customer
        return event


@dataclass
class Journey:
    """The events of one item, built in time order; the first event names the customer."""

    process: str
    item: str
    start: datetime
    calendar: BusinessCalendar
    rng: random.Random
    customer: dict[str, str] | None = None
    events: list[PlannedEvent] = field(default_factory=list)
    clock: datetime | None = None

    @property
    def step(self) -> str | None:
        return self.events[-1].step if self.events else None

    def wait(self, low: float, high: float | None = None) -> datetime:
        """Move the clock on by a business-time wait (seconds, uniform in [low, high])."""
        seconds = low if high is None else self.rng.uniform(low, high)
        current = self.clock or self.start
        try:
            self.clock = self.calendar.add(current, Duration(seconds=max(0, int(seconds))))
        except CalendarNotCovered:
            self.clock = UNKNOWABLE
        return self.clock

    def hold_until(self, moment: datetime) -> Journey:
        """Nothing happens before `moment` (an outage, a restock, an absent approver's return)."""
        current = self.clock or self.start
        self.clock = max(current, moment)
        return self

    def go(self, step: str, low: float = 0.0, high: float | None = None, **attrs: Any) -> Journey:
        """The item reaches `step` after a wait in [low, high] seconds of business time."""
        at = self.start if not self.events and low == 0 else self.wait(low, high)
        if self.clock is None:
            self.clock = at
        self.events.append(
            PlannedEvent(
                at=at,
                process=self.process,
                item=self.item,
                step=step,
                index=len(self.events),
                attrs=attrs,
                customer=self.customer if not self.events else None,
            )
        )
        return self

    def note(self, cause: str, low: float = 0.0, high: float | None = None, **attrs: Any) -> Journey:
        """A source-system update on the current step that records why the item is stuck."""
        assert self.step is not None, "a journey starts with a step, not a note"
        return self.go(self.step, low, high, **{**cause_attrs(self.rng, cause), **attrs})

    def fail(
        self, step: str, cause: str, low: float = 0.0, high: float | None = None, **attrs: Any
    ) -> Journey:
        """The item falls into an interruption step, with the cause on the event."""
        return self.go(step, low, high, **{**cause_attrs(self.rng, cause), **attrs})


def cause_attrs(rng: random.Random, cause: str) -> dict[str, Any]:
    """The attributes that name a cause: key, Chinese label, taxonomy category and a free-text note."""
    known = CAUSES[cause]
    return {
        "cause": known.key,
        "cause_zh": known.zh,
        "cause_category": known.category,
        "note": rng.choice(known.notes),
    }


def pick(rng: random.Random, weighted: dict[str, float]) -> str:
    """One key of `weighted`, chosen with its weight (deterministic for a seeded RNG)."""
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]
