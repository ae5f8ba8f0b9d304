"""The storage side of event ingest: customers, items, events and item states, in bulk.

Kept apart from services.py because it speaks SQL directly on the hot path: inserting events with
ON CONFLICT DO NOTHING RETURNING tells exactly which rows were new (PostgreSQL and SQLite >= 3.35),
which the ORM's bulk_create cannot do while ignoring duplicates, and plain tuples instead of model
instances keep a 1,000-event batch in the low milliseconds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from unstuck.core.bulk_sql import adapt_json, adapt_time, rows_insert_ignoring_conflicts, rows_update
from unstuck.customers.models import Customer
from unstuck.processes.models import Process
from unstuck.processes.spec import spec_for_version
from unstuck.tracking.item_state import EventFact, ItemState, state_apply, state_replay, state_start
from unstuck.tracking.models import Event, Item
from unstuck.tracking.schedule import item_schedule
from unstuck.tracking.signals import items_rescheduled
from unstuck.tracking.validation import ITEM_ATTRS_MAX_BYTES, CheckedEvent, attrs_size

CUSTOMER_FIELDS = ("name", "email", "phone", "channel")
ITEM_FIELDS = (
    "id", "process_id", "version_id", "external_id", "current_step", "step_since", "started_at",
    "last_event_at", "last_event_id", "promised_at", "promised_explicitly", "attrs", "customer_id",
    "event_count", "fired",
)  # fmt: skip
ITEM_STATE_COLUMNS = (
    "current_step", "step_since", "started_at", "last_event_at", "last_event_id", "promised_at",
    "promised_explicitly", "is_terminal", "known_step", "attrs", "event_count", "next_deadline", "fired",
    "customer_id", "updated_at",
)  # fmt: skip


@dataclass(slots=True)
class ItemRow:
    """The stored state of an item as the ingest needs it (a plain record, not a model instance)."""

    id: int
    process_id: int
    version_id: int
    external_id: str
    current_step: str
    step_since: datetime
    started_at: datetime
    last_event_at: datetime
    last_event_id: int
    promised_at: datetime | None
    promised_explicitly: bool
    attrs: dict[str, Any]
    customer_id: int | None
    event_count: int
    fired: list[str]

    def state(self) -> ItemState | None:
        if self.event_count == 0:
            return None
        return ItemState(
            step=self.current_step,
            step_since=self.step_since,
            started_at=self.started_at,
            last_at=self.last_event_at,
            last_seq=self.last_event_id,
            explicit_promise=self.promised_at if self.promised_explicitly else None,
            attrs=dict(self.attrs or {}),
            customer_id=self.customer_id,
            event_count=self.event_count,
        )


@dataclass(slots=True)
class StoredEvent:
    """A checked event bound to its item, and after insertion its arrival id."""

    event: CheckedEvent
    process_id: int
    item_id: int
    known_step: bool
    customer_id: int | None
    seq: int = 0


def customers_upsert(events: Iterable[CheckedEvent], now: datetime) -> dict[str, int]:
    """Create or update the customers the events name; contact details follow the latest event."""
    latest: dict[str, dict[str, str]] = {}
    for event in sorted((e for e in events if e.customer), key=lambda e: e.at):
        assert event.customer is not None
        latest.setdefault(event.customer["id"], {}).update(event.customer)
    if not latest:
        return {}
    stored = {
        row[0]: row
        for row in Customer.objects.filter(external_id__in=list(latest)).values_list(
            "external_id", "id", *CUSTOMER_FIELDS
        )
    }
    stamp = adapt_time(now)
    new_rows, changes = [], []
    for external_id, data in sorted(latest.items()):  # one order for all batches: no deadlocks
        row = stored.get(external_id)
        if row is None:
            new_rows.append((external_id, *(data.get(f, "") for f in CUSTOMER_FIELDS), stamp, stamp))
            continue
        merged = tuple(data.get(f) or old for f, old in zip(CUSTOMER_FIELDS, row[2:], strict=True))
        if merged != row[2:]:
            changes.append((*merged, stamp, row[1]))
    ids = {external_id: row[1] for external_id, row in stored.items()}
    if new_rows:
        created = rows_insert_ignoring_conflicts(
            Customer,
            ["external_id", *CUSTOMER_FIELDS, "created_at", "updated_at"],
            new_rows,
            conflict=["external_id"],
            returning=["external_id", "id"],
        )
        ids.update(dict(created))
        if len(created) < len(new_rows):  # created meanwhile by a concurrent batch
            lost = [r[0] for r in new_rows if r[0] not in ids]
            ids.update(Customer.objects.filter(external_id__in=lost).values_list("external_id", "id"))
    rows_update(Customer, [*CUSTOMER_FIELDS, "updated_at"], changes)
    return ids


def _select_items(wanted: dict[int, set[str]]) -> dict[tuple[int, str], ItemRow]:
    condition = Q()
    for process_id, external_ids in wanted.items():
        condition |= Q(process_id=process_id, external_id__in=list(external_ids))
    query = Item.objects.filter(condition).order_by("id")
    if connection.features.has_select_for_update:
        query = query.select_for_update()
    return {(r[1], r[3]): ItemRow(*r) for r in query.values_list(*ITEM_FIELDS)}


def items_lock(
    processes: dict[str, Process], events: Sequence[CheckedEvent], now: datetime
) -> dict[tuple[int, str], ItemRow]:
    """Fetch (creating where missing) and lock the items the events name, keyed by (process, id)."""
    wanted: dict[int, set[str]] = defaultdict(set)
    first: dict[tuple[int, str], CheckedEvent] = {}
    for event in events:
        pair = (processes[event.process].pk, event.item)
        wanted[pair[0]].add(event.item)
        if pair not in first or event.at < first[pair].at:
            first[pair] = event
    items = _select_items(wanted)
    # Sorted: concurrent batches then create (and lock) new items in one order and cannot deadlock
    # on each other's new rows. Events keep the batch order: it is their arrival order.
    missing = sorted(pair for pair in first if pair not in items)
    if not missing:
        return items
    versions: dict[int, int] = {}
    for process in processes.values():
        assert process.current_version_id is not None  # the caller only passes loaded processes
        versions[process.pk] = process.current_version_id
    stamp, empty_attrs, no_markers = adapt_time(now), adapt_json({}), adapt_json([])
    rows = []
    for process_id, external_id in missing:
        event = first[(process_id, external_id)]
        at = adapt_time(event.at)
        rows.append(
            (process_id, versions[process_id], external_id, event.step, at, at, at, 0, 0,
             False, True, False, empty_attrs, no_markers, stamp, stamp)
        )  # fmt: skip
    created = rows_insert_ignoring_conflicts(
        Item,
        ["process_id", "version_id", "external_id", "current_step", "step_since", "started_at",
         "last_event_at", "last_event_id", "event_count", "is_terminal", "known_step",
         "promised_explicitly", "attrs", "fired", "created_at", "updated_at"],
        rows,
        conflict=["process_id", "external_id"],
        returning=["id", "process_id", "external_id"],
    )  # fmt: skip
    for item_id, process_id, external_id in created:
        event = first[(process_id, external_id)]
        items[(process_id, external_id)] = ItemRow(
            item_id, process_id, versions[process_id], external_id, event.step, event.at, event.at,
            event.at, 0, None, False, {}, None, 0, [],
        )  # fmt: skip
    if len(created) < len(missing):  # created meanwhile by a concurrent batch: lock those too
        lost: dict[int, set[str]] = defaultdict(set)
        for process_id, external_id in missing:
            if (process_id, external_id) not in items:
                lost[process_id].add(external_id)
        items.update(_select_items(lost))
    return items


def events_within_item_attrs(
    items: dict[int, ItemRow], rows: list[StoredEvent]
) -> tuple[list[StoredEvent], list[StoredEvent]]:
    """Split events into those whose attrs the item can take and those that would push its merged
    attrs past ITEM_ATTRS_MAX_BYTES (kept out, so an item cannot grow without bound).

    Merged in batch order over the item's stored attrs: a late event merges by time later, but it
    brings the same keys, so the size measured here is the size stored (up to the values kept).
    """
    merged: dict[int, dict[str, Any]] = {}
    fitting, too_large = [], []
    for row in rows:
        if not row.event.attrs:
            fitting.append(row)
            continue
        current = merged.get(row.item_id)
        if current is None:
            current = merged[row.item_id] = dict(items[row.item_id].attrs or {})
        trial = current | row.event.attrs
        if attrs_size(trial) > ITEM_ATTRS_MAX_BYTES:
            too_large.append(row)
        else:
            merged[row.item_id] = trial
            fitting.append(row)
    return fitting, too_large


def events_insert(rows: list[StoredEvent], source: str, now: datetime) -> list[StoredEvent]:
    """Insert events, skipping keys already stored; return the rows that were new, with their ids."""
    received = adapt_time(now)
    source = source[:200]
    values = [
        (
            row.process_id,
            row.item_id,
            row.event.step,
            adapt_time(row.event.at),
            row.event.key,
            adapt_json(row.event.attrs),
            adapt_time(row.event.promised_at),
            row.known_step,
            source,
            received,
        )
        for row in rows
    ]
    by_key = {(row.process_id, row.event.key): row for row in rows}
    new = rows_insert_ignoring_conflicts(
        Event,
        [
            "process_id",
            "item_id",
            "step",
            "at",
            "key",
            "attrs",
            "promised_at",
            "known_step",
            "source",
            "received_at",
        ],
        values,
        conflict=["process_id", "key"],
        returning=["id", "process_id", "key"],
    )
    inserted = []
    for event_id, process_id, key in new:
        stored = by_key[(process_id, key)]
        stored.seq = event_id
        inserted.append(stored)
    return inserted


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


def _fact(row: StoredEvent) -> EventFact:
    event = row.event
    return EventFact(row.seq, event.step, event.at, event.promised_at, event.attrs, row.customer_id)


def items_advance(items: dict[int, ItemRow], stored: list[StoredEvent], now: datetime) -> None:
    """Move each item's state past its new events and store its new schedule.

    Events newer than everything the item has seen are applied incrementally; an item that got an
    older one (a late arrival) is replayed from its stored log so it is placed by time.
    """
    per_item: dict[int, list[StoredEvent]] = defaultdict(list)
    for row in stored:
        per_item[row.item_id].append(row)
    states: dict[int, ItemState] = {}
    replay: list[int] = []
    for item_id, rows in per_item.items():
        rows.sort(key=lambda r: (r.event.at, r.seq))
        state = items[item_id].state()
        if state is not None and not state.is_after_last(_fact(rows[0])):
            replay.append(item_id)
            continue
        for row in rows:
            if state is None:
                state = state_start(_fact(row))
            else:
                state_apply(state, _fact(row))
        assert state is not None
        states[item_id] = state
    if replay:
        replayed = _replayed_states(replay)
        for item_id in replay:
            state = replayed[item_id]
            # The log keeps no customer per event; keep the one the newest event named, if any.
            newest = max(per_item[item_id], key=lambda r: (r.event.at, r.seq))
            state.customer_id = newest.customer_id or items[item_id].customer_id
            states[item_id] = state
    _items_save(items, states, now)


def _items_save(items: dict[int, ItemRow], states: dict[int, ItemState], now: datetime) -> None:
    updates: list[tuple[Any, ...]] = []
    current: dict[int, tuple[ItemState, set[str]]] = {}
    stamp = adapt_time(now or timezone.now())
    for item_id, state in states.items():
        spec = spec_for_version(items[item_id].version_id)
        schedule = item_schedule(
            spec,
            step=state.step,
            step_since=state.step_since,
            started_at=state.started_at,
            explicit_promise=state.explicit_promise,
            fired=list(items[item_id].fired or []),
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
                adapt_json(state.attrs),
                state.event_count,
                adapt_time(schedule.next_deadline),
                adapt_json(schedule.fired),
                state.customer_id,
                stamp,
                item_id,
            )
        )
    rows_update(Item, ITEM_STATE_COLUMNS, updates)
    items_rescheduled.send(sender=Item, current=current)
