"""The live part of the demo: new items every few seconds, moving on in compressed time.

Live items go through their steps in seconds rather than hours, so the screens move; about one in
eight stalls on purpose in a step with a short limit (an order not released to the warehouse within
15 minutes, a dispatch whose confirmation request never went out) or falls into an interruption,
so new stalls appear within minutes. Now and then an item of the seeded history that has been stuck
for a while is followed up and recovers. The database stays the source of truth: a restart just
leaves the in-flight live items where they are, where they look stuck — as they would in life.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from unstuck.demo.history import (
    CLOSURE,
    DISPATCH,
    LOCAL,
    ORDER,
    PREFIXES,
    closure_profile,
    customer_pool,
    dispatch_profile,
    new_journey,
    order_profile,
)
from unstuck.demo.journeys import MINUTE, Journey, PlannedEvent
from unstuck.tracking.models import Item
from unstuck.tracking.services import event_ingest_batch

LIVE_SOURCE = "demo:live"
#: Average events per live item, to turn an events-per-second rate into items per second.
EVENTS_PER_ITEM = 5.0
#: How often (seconds, on average) an old stuck item of the demo is followed up and moves on.
RECOVER_EVERY = 45.0
#: The happy next step of an item that is followed up after being stuck.
RECOVERY_STEPS: dict[str, dict[str, str]] = {
    ORDER: {
        "paid": "picking",
        "address_confirmation": "picking",
        "picking": "shipped",
        "shipped": "out_for_delivery",
        "out_for_delivery": "delivered",
        "delivery_failed": "address_confirmation",
    },
    DISPATCH: {
        "created": "dispatched",
        "dispatched": "awaiting_confirmation",
        "awaiting_confirmation": "confirmed",
        "confirmed": "in_service",
        "in_service": "completed",
        "dispatch_failed": "dispatched",
        "rejected": "awaiting_confirmation",
    },
    CLOSURE: {
        "requested": "identity_verified",
        "identity_verified": "balance_settled",
        "balance_settled": "approvals",
        "approvals": "closed",
        "closure_interrupted": "identity_verified",
    },
}


def _live_order(j: Journey, rng: random.Random) -> None:
    attrs, carrier, tracking_no = order_profile(rng, j.start)
    j.go("paid", **attrs)
    if rng.random() < 0.06:
        j.note("system_failure", 1 * MINUTE, 3 * MINUTE)
        if rng.random() < 0.3:
            return  # stays stuck until someone follows it up
        j.go("picking", 16 * MINUTE, 25 * MINUTE)
    else:
        j.go("picking", 5, 40)
    j.go("shipped", 10, 60, carrier=carrier, tracking_no=tracking_no)
    j.go("out_for_delivery", 20, 90)
    if rng.random() < 0.05:
        j.fail("delivery_failed", "wrong_address", 10, 60)
        if rng.random() < 0.4:
            return
        j.go("address_confirmation", 3 * MINUTE, 8 * MINUTE)
        j.go("out_for_delivery", 30, 120, address_corrected=True)
    j.go("delivered", 10, 60)


def _live_dispatch(j: Journey, rng: random.Random) -> None:
    j.go("created", **dispatch_profile(rng))
    roll = rng.random()
    if roll < 0.04:
        j.note("owner_absent", 5 * MINUTE, 10 * MINUTE, note="值班调度员不在岗，工单无人派发")
        j.go("dispatched", 31 * MINUTE, 40 * MINUTE)
    elif roll < 0.08:
        j.fail("dispatch_failed", "system_failure", 5, 30)
        if rng.random() < 0.4:
            return
        j.go("dispatched", 2 * MINUTE, 6 * MINUTE)
    else:
        j.go("dispatched", 5, 30)
    if rng.random() < 0.06:
        j.note("information_not_passed", 2 * MINUTE, 5 * MINUTE)
        if rng.random() < 0.3:
            return
        j.go("awaiting_confirmation", 16 * MINUTE, 25 * MINUTE)
    else:
        j.go("awaiting_confirmation", 5, 30)
    if rng.random() < 0.05:
        j.fail("rejected", "policy_change", 20, 90)
        return
    j.go("confirmed", 10, 90)
    j.go("in_service", 10, 60)
    j.go("completed", 10, 60)


def _live_closure(j: Journey, rng: random.Random) -> None:
    j.go("requested", **closure_profile(rng))
    if rng.random() < 0.08:
        j.fail("closure_interrupted", rng.choice(("customer_data_error", "system_failure")), 10, 60)
        if rng.random() < 0.5:
            return
        j.go("identity_verified", 3 * MINUTE, 10 * MINUTE)
    else:
        j.go("identity_verified", 10, 60)
    j.go("balance_settled", 10, 60)
    j.go("approvals", 10, 60)
    j.go("closed", 10, 90)


LIVE_JOURNEYS: dict[str, tuple[float, Callable[[Journey, random.Random], None]]] = {
    ORDER: (0.6, _live_order),
    DISPATCH: (0.3, _live_dispatch),
    CLOSURE: (0.1, _live_closure),
}


class LiveGenerator:
    """Produces the demo's live events: call `tick(now=...)` every second or so.

    Keeps the planned future events of the items it started in memory (a heap by time); each tick
    starts new items at `rate` events per second on average, sends every planned event that fell
    due, and now and then follows up an item of the demo that has been stuck for over an hour.
    """

    def __init__(self, *, rng: random.Random, rate: float, now: datetime) -> None:
        self.rng = rng
        self.rate = rate
        self.last = now
        self.started = 0
        self._credit = 0.0
        self._recover_credit = 0.0
        self._planned: list[tuple[datetime, int, PlannedEvent]] = []
        self._order = itertools.count()
        # Customers of their own id range, the same on every start, so live events never rewrite
        # the seeded customers' contact details.
        self._customers = customer_pool(random.Random(20261111), 500, first_id=3_000_001)

    @property
    def pending(self) -> int:
        """Planned events not sent yet."""
        return len(self._planned)

    def tick(self, *, now: datetime) -> int:
        """Start items, send the events due by `now`; returns how many events were stored."""
        elapsed = max(0.0, (now - self.last).total_seconds())
        self.last = now
        self._credit += elapsed * self.rate / EVENTS_PER_ITEM
        while self._credit >= 1:
            self._credit -= 1
            self._start(now)
        due = []
        while self._planned and self._planned[0][0] <= now:
            due.append(heapq.heappop(self._planned)[2].as_event())
        self._recover_credit += elapsed / RECOVER_EVERY
        if self._recover_credit >= 1 and self.rng.random() < self._recover_credit:
            self._recover_credit = 0.0
            follow_up = self._follow_up(now)
            if follow_up:
                due.append(follow_up)
        if not due:
            return 0
        return event_ingest_batch(events=due, source=LIVE_SOURCE).accepted

    def start_items(self, count: int, *, now: datetime) -> None:
        """Start `count` items at once (the tests use it; `tick` starts them at the configured rate)."""
        for _ in range(count):
            self._start(now)

    def _start(self, now: datetime) -> None:
        processes = list(LIVE_JOURNEYS)
        process = self.rng.choices(processes, weights=[LIVE_JOURNEYS[p][0] for p in processes])[0]
        self.started += 1
        local = now.astimezone(LOCAL)
        item = f"{PREFIXES[process]}{local:%Y%m%d%H%M%S}{self.started % 100:02d}"
        # Live items move in seconds on a 24x7 clock, whatever their process's calendar says.
        customer = self.rng.choice(self._customers)
        journey = new_journey(process, item, now, self.rng, customer, calendar_key="always")
        LIVE_JOURNEYS[process][1](journey, self.rng)
        for event in journey.events:
            heapq.heappush(self._planned, (event.at, next(self._order), event))

    def _follow_up(self, now: datetime) -> dict[str, Any] | None:
        """The event that moves an old stuck demo item one step on, if there is such an item."""
        # A system actor reading the demo's own items, not a user-facing read: no selector needed.
        stuck = list(
            Item.objects.filter(
                process__key__in=list(RECOVERY_STEPS),
                is_terminal=False,
                step_since__lte=now - timedelta(hours=1),
            )
            .order_by("step_since")
            .values_list("process__key", "external_id", "current_step", "event_count")[:200]
        )
        if not stuck:
            return None
        process, item, step, count = self.rng.choice(stuck)
        following = RECOVERY_STEPS[process].get(step)
        if following is None:
            return None
        return {
            "process": process,
            "item": item,
            "step": following,
            "at": now,
            "key": f"demo:{item}:followup:{count:03d}",
            "attrs": {"resolution": "客服跟进后恢复"},
        }
