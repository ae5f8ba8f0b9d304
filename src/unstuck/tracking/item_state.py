"""How an item's state follows from its events: pure functions shared by ingest and replay."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class EventFact:
    """The part of an event that moves an item; `seq` is the arrival order (the event's id)."""

    seq: int
    step: str
    at: datetime
    promised_at: datetime | None = None
    attrs: dict[str, Any] | None = None
    customer_id: int | None = None


@dataclass(slots=True)
class ItemState:
    """Where an item stands after some of its events, in (at, arrival) order.

    A run of consecutive events naming the same step is one visit: the clock of that step starts
    at the first of them, so a repeated "still waiting" event does not reset a dwell limit.
    """

    step: str
    step_since: datetime
    started_at: datetime
    last_at: datetime
    last_seq: int
    explicit_promise: datetime | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    customer_id: int | None = None
    event_count: int = 0

    def is_after_last(self, fact: EventFact) -> bool:
        return (fact.at, fact.seq) > (self.last_at, self.last_seq)


def state_start(fact: EventFact) -> ItemState:
    return ItemState(
        step=fact.step,
        step_since=fact.at,
        started_at=fact.at,
        last_at=fact.at,
        last_seq=fact.seq,
        explicit_promise=fact.promised_at,
        attrs=dict(fact.attrs or {}),
        customer_id=fact.customer_id,
        event_count=1,
    )


def state_apply(state: ItemState, fact: EventFact) -> None:
    """Advance `state` by an event that comes after every event applied so far."""
    if fact.step != state.step:
        state.step = fact.step
        state.step_since = fact.at
    state.last_at = fact.at
    state.last_seq = fact.seq
    if fact.promised_at is not None:
        state.explicit_promise = fact.promised_at
    if fact.attrs:
        state.attrs.update(fact.attrs)
    if fact.customer_id is not None:
        state.customer_id = fact.customer_id
    state.event_count += 1


def state_replay(facts: Iterable[EventFact]) -> ItemState | None:
    """The state after all `facts`, whatever order they are given in."""
    state: ItemState | None = None
    for fact in sorted(facts, key=lambda f: (f.at, f.seq)):
        if state is None:
            state = state_start(fact)
        else:
            state_apply(state, fact)
    return state
