"""The storage side of event ingest: customers, items, events and item states, in bulk.

Kept apart from services.py because it speaks SQL directly on the hot path: inserting events with
ON CONFLICT DO NOTHING RETURNING tells exactly which rows were new (PostgreSQL and SQLite >= 3.35),
which the ORM's bulk_create cannot do while ignoring duplicates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Q

from unstuck.core.bulk_sql import adapt_json, adapt_time, rows_insert_ignoring_conflicts, rows_update
from unstuck.customers.models import Customer
from unstuck.processes.models import Process
from unstuck.processes.spec import ProcessSpec, spec_for_version
from unstuck.stalls.resolution import stalls_resolve_left_behind
from unstuck.stalls.scheduling import item_schedule
from unstuck.tracking.item_state import EventFact, ItemState, state_apply, state_replay, state_start
from unstuck.tracking.models import Event, Item
from unstuck.tracking.validation import CheckedEvent



@dataclass(slots=True)
class StoredEvent:
    """A checked event bound to its item, and after insertion its arrival id."""

    event: CheckedEvent
    process_id: int
    item_id: int
    known_step: bool
    customer_id: int | None
    seq: int = 0


def customers_upsert(events: Iterable[CheckedEvent]) -> dict[str, int]:
    """Create or update the customers the events name; contact details follow the latest event."""
    latest: dict[str, dict[str, str]] = {}
    for event in sorted((e for e in events if e.customer), key=lambda e: e.at):
        assert event.customer is not None
        merged = latest.setdefault(event.customer["id"], {})
        merged.update(event.customer)
    if not latest:
        return {}
    existing = {c.external_id: c for c in Customer.objects.filter(external_id__in=list(latest))}
    fields = ["name", "email", "phone", "channel"]
    to_create, to_update = [], []
    for external_id, data in latest.items():
        customer = existing.get(external_id)
        if customer is None:
            to_create.append(Customer(external_id=external_id, **{f: data.get(f, "") for f in fields}))
            continue
        changed = False
        for name in fields:
            if data.get(name) and getattr(customer, name) != data[name]:
                setattr(customer, name, data[name])
                changed = True
        if changed:
            to_update.append(customer)
    if to_create:
        Customer.objects.bulk_create(to_create, ignore_conflicts=True)
    if to_update:
        Customer.objects.bulk_update(to_update, fields + ["updated_at"])
    return dict(Customer.objects.filter(external_id__in=list(latest)).values_list("external_id", "id"))


def items_lock(
    processes: dict[str, Process], events: Sequence[CheckedEvent], now: datetime
) -> dict[tuple[int, str], Item]:
    """Fetch (creating where missing) and lock the items the events name, keyed by (process id, id)."""
    wanted: dict[int, set[str]] = defaultdict(set)
    first: dict[tuple[int, str], CheckedEvent] = {}
    for event in events:
        process = processes[event.process]
        wanted[process.pk].add(event.item)
        pair = (process.pk, event.item)
        if pair not in first or event.at < first[pair].at:
            first[pair] = event

    def select() -> dict[tuple[int, str], Item]:
        condition = Q()
        for process_id, ids in wanted.items():
            condition |= Q(process_id=process_id, external_id__in=list(ids))
        query = Item.objects.filter(condition).order_by("id")
        if connection.features.has_select_for_update:
            query = query.select_for_update()
        return {(item.process_id, item.external_id): item for item in query}

    items = select()
    missing = [pair for pair in first if pair not in items]
    if missing:
        by_id = {p.pk: p for p in processes.values()}
        by_id = {p.pk: p for p in processes.values()}
        columns = [
            "process_id", "version_id", "external_id", "current_step", "step_since", "started_at",
            "last_event_at", "last_event_id", "event_count", "is_terminal", "known_step", "promised_explicitly",
            "attrs", "fired", "created_at", "updated_at",
        ]
        stamp = adapt_time(now)
        empty = adapt_json(Item, "attrs", {})
        rows = []
        for process_id, external_id in missing:
            first_event = first[(process_id, external_id)]
            at = adapt_time(first_event.at)
            rows.append(
                (
                    process_id, by_id[process_id].current_version_id, external_id, first_event.step, at, at,
                    at, 0, 0, False, True, False, empty, adapt_json(Item, "fired", []), stamp, stamp,
                )
            )
        rows_insert_ignoring_conflicts(Item, columns, rows, conflict=["process_id", "external_id"])
        items = select()
    return items


def events_insert(rows: list[StoredEvent], source: str, now: datetime) -> list[StoredEvent]:
    """Insert events, skipping keys already stored; return the rows that were new, with their ids."""
    columns = [
        "process_id", "item_id", "step", "at", "key", "attrs", "promised_at", "known_step", "source", "received_at",
    ]
    received = adapt_time(now)
    source = source[:200]
    values = [
        (
            row.process_id,
            row.item_id,
            row.event.step,
            adapt_time(row.event.at),
            row.event.key,
            adapt_json(Event, "attrs", row.event.attrs),
            adapt_time(row.event.promised_at),
            row.known_step,
            source,
            received,
        )
        for row in rows
    ]
    by_key = {(row.process_id, row.event.key): row for row in rows}
    new = rows_insert_ignoring_conflicts(
        Event, columns, values, conflict=["process_id", "key"], returning=["id", "process_id", "key"]
    )
    inserted = []
    for event_id, process_id, key in new:
        stored = by_key[(process_id, key)]
        stored.seq = event_id
        inserted.append(stored)
    return inserted


def _state_of(item: Item) -> ItemState | None:
    if item.event_count == 0:
        return None
    return ItemState(
        step=item.current_step,
        step_since=item.step_since,
        started_at=item.started_at,
        last_at=item.last_event_at,
        last_seq=item.last_event_id,
        explicit_promise=item.promised_at if item.promised_explicitly else None,
        attrs=dict(item.attrs or {}),
        customer_id=item.customer_id,
        event_count=item.event_count,
    )


def _replayed_states(item_ids: list[int]) -> dict[int, ItemState]:
    """Rebuild states from the stored log, for items that received an event older than their latest."""
    facts: dict[int, list[EventFact]] = defaultdict(list)
    rows = Event.objects.filter(item_id__in=item_ids).values_list(
        "item_id", "id", "step", "at", "promised_at", "attrs"
    )
    for item_id, event_id, step, at, promised_at, attrs in rows.iterator(chunk_size=5000):
        facts[item_id].append(EventFact(event_id, step, at, promised_at, attrs))
    states = {}
    for item_id, item_facts in facts.items():
        state = state_replay(item_facts)
        if state is not None:
            states[item_id] = state
    return states


def items_advance(items: dict[int, Item], stored: list[StoredEvent], now: datetime) -> None:
    """Move each item's state past its new events and store its new schedule."""
    per_item: dict[int, list[StoredEvent]] = defaultdict(list)
    for row in stored:
        per_item[row.item_id].append(row)
    states: dict[int, ItemState] = {}
    replay: list[int] = []
    for item_id, rows in per_item.items():
        rows.sort(key=lambda r: (r.event.at, r.seq))
        item = items[item_id]
        state = _state_of(item)
        if state is not None and not state.is_after_last(_fact(rows[0])):
            replay.append(item_id)
            continue
        for row in rows:
            fact = _fact(row)
            if state is None:
                state = state_start(fact)
            else:
                state_apply(state, fact)
        assert state is not None
        states[item_id] = state
    if replay:
        replayed = _replayed_states(replay)
        for item_id in replay:
            state = replayed[item_id]
            # The log holds no customer per event; keep the one the newest event named, if any.
            newest = max(per_item[item_id], key=lambda r: (r.event.at, r.seq))
            state.customer_id = newest.customer_id or items[item_id].customer_id
            states[item_id] = state
    _items_save(items, states, now)


def _fact(row: StoredEvent) -> EventFact:
    event = row.event
    return EventFact(row.seq, event.step, event.at, event.promised_at, event.attrs, row.customer_id)


def _items_save(items: dict[int, Item], states: dict[int, ItemState], now: datetime) -> None:
    updates: list[tuple[Any, ...]] = []
    current: dict[int, tuple[ItemState, set[str]]] = {}
    for item_id, state in states.items():
        item = items[item_id]
        spec: ProcessSpec = spec_for_version(item.version_id)
        schedule = item_schedule(
            spec,
            step=state.step,
            step_since=state.step_since,
            started_at=state.started_at,
            explicit_promise=state.explicit_promise,
            fired=list(item.fired or []),
            now=now,
        )
        current[item_id] = (state, {m.marker for m in schedule.moments})
        updates.append(
            (
                state.step,
                adapt_time(state.step_since),
                adapt_time(state.started_at),
                adapt_time(state.last_at),
                state.last_seq,
                adapt_time(schedule.promised_at),
                state.explicit_promise is not None,
                state.step in spec.terminal,
                spec.is_known_step(state.step),
                adapt_json(Item, "attrs", state.attrs),
                state.event_count,
                adapt_time(schedule.next_deadline),
                adapt_json(Item, "fired", schedule.fired),
                state.customer_id,
                adapt_time(now),
                item_id,
            )
        )
    rows_update(
        Item,
        [
            "current_step",
            "step_since",
            "started_at",
            "last_event_at",
            "last_event_id",
            "promised_at",
            "promised_explicitly",
            "is_terminal",
            "known_step",
            "attrs",
            "event_count",
            "next_deadline",
            "fired",
            "customer_id",
            "updated_at",
        ],
        updates,
    )
    stalls_resolve_left_behind(current)
