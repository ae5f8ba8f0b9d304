"""Writes for tracking: ingesting event batches and moving open items to a new process version."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import OperationalError, transaction
from django.utils import timezone

from unstuck.core.sqlite_writer import sqlite_writer_turn
from unstuck.processes.models import Process, ProcessVersion
from unstuck.processes.spec import spec_for_version
from unstuck.tracking.ingest import (
    StoredEvent,
    customers_upsert,
    events_insert,
    events_within_item_attrs,
    items_advance,
    items_lock,
)
from unstuck.tracking.ingest_scope import RowNotice, customers_shielded
from unstuck.tracking.item_state import ItemState
from unstuck.tracking.models import Item
from unstuck.tracking.schedule import stored_item_schedule
from unstuck.tracking.signals import items_rescheduled
from unstuck.tracking.validation import ITEM_ATTRS_MAX_BYTES, CheckedEvent, RowError, TimeWindow, check_event

MAX_BATCH = 10_000
DEADLOCK_RETRIES = 3
logger = logging.getLogger(__name__)


@dataclass
class RowRejection:
    """An event that was not stored: its position in the batch, a stable code and why."""

    index: int
    code: str
    message: str
    field: str | None = None


@dataclass
class IngestResult:
    """What happened to each event of a batch; nothing is dropped without being counted here."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[RowRejection] = field(default_factory=list)
    unknown_steps: dict[str, dict[str, int]] = field(default_factory=dict)
    notices: list[RowNotice] = field(default_factory=list)


class BatchTooLarge(ValueError):
    """More events than one batch may carry."""


def event_ingest_batch(
    *, events: Sequence[Any], source: str = "api", writable_processes: Collection[str] | None = None
) -> IngestResult:
    """Store a batch of events in one transaction and advance their items.

    Valid rows are stored even when others are rejected; an event whose key is already stored is
    a duplicate and changes nothing, so replaying a batch is safe. With `writable_processes` (the
    caller's, see processes.selectors), events of any other process are rejected
    (`forbidden_process`) and shared customers keep their details (see tracking.ingest_scope).
    """
    if len(events) > MAX_BATCH:
        raise BatchTooLarge(f"a batch carries at most {MAX_BATCH:,} events, this one has {len(events):,}")
    result = IngestResult()
    checked: list[CheckedEvent] = []
    window = TimeWindow.around()
    for index, row in enumerate(events):
        try:
            checked.append(check_event(index, row, window))
        except RowError as error:
            result.rejected.append(RowRejection(index, error.code, error.message, error.field))
    processes = {
        p.key: p
        for p in Process.objects.filter(key__in={e.process for e in checked}, current_version__isnull=False)
    }
    valid: list[CheckedEvent] = []
    seen_keys: set[tuple[str, str]] = set()
    for event in checked:
        if writable_processes is not None and event.process not in writable_processes:
            result.rejected.append(
                RowRejection(
                    event.index,
                    "forbidden_process",
                    f"process: you may not push events into {event.process!r}",
                    "process",
                )
            )
        elif event.process not in processes:
            result.rejected.append(
                RowRejection(
                    event.index,
                    "unknown_process",
                    f"process: no process {event.process!r} is loaded",
                    "process",
                )
            )
        elif (event.process, event.key) in seen_keys:
            result.duplicates += 1
        else:
            seen_keys.add((event.process, event.key))
            valid.append(event)
    if not valid:
        result.rejected.sort(key=lambda r: r.index)
        return result
    if writable_processes is not None:
        valid, result.notices = customers_shielded(valid, writable_processes)

    inserted, too_large = _store(processes, valid, source)
    result.rejected.extend(
        RowRejection(
            row.event.index,
            "attrs_too_large",
            f"attrs: the item's attributes would grow past {ITEM_ATTRS_MAX_BYTES:,} bytes",
            "attrs",
        )
        for row in too_large
    )
    result.rejected.sort(key=lambda r: r.index)
    result.accepted = len(inserted)
    result.duplicates += len(valid) - len(inserted) - len(too_large)
    unknown: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for stored in inserted:
        if not stored.known_step:
            unknown[stored.event.process][stored.event.step] += 1
    result.unknown_steps = {process: dict(steps) for process, steps in unknown.items()}
    return result


def _store(
    processes: dict[str, Process], valid: list[CheckedEvent], source: str
) -> tuple[list[StoredEvent], list[StoredEvent]]:
    """Store checked events and advance their items in one transaction; returns the new events and
    those refused because their item's attrs would grow too large.

    Concurrent batches lock items in a fixed order, but two batches replaying the same events in
    different orders can still deadlock on PostgreSQL; the database then aborts one of them, which
    is simply run again (its work was rolled back whole).
    """
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            with sqlite_writer_turn(), transaction.atomic():
                now = timezone.now()
                customer_ids = customers_upsert(valid, now)
                items = items_lock(processes, valid, now)
                rows = []
                for event in valid:
                    process = processes[event.process]
                    item = items[(process.pk, event.item)]
                    rows.append(
                        StoredEvent(
                            event=event,
                            process_id=process.pk,
                            item_id=item.id,
                            known_step=spec_for_version(item.version_id).is_known_step(event.step),
                            customer_id=customer_ids.get(event.customer["id"]) if event.customer else None,
                        )
                    )
                by_id = {item.id: item for item in items.values()}
                rows, too_large = events_within_item_attrs(by_id, rows)
                inserted = events_insert(rows, source, now)
                items_advance(by_id, inserted, now)
                return inserted, too_large
        except OperationalError as error:
            if attempt == DEADLOCK_RETRIES or not _is_deadlock(error):
                raise
            logger.warning("event batch deadlocked with another; retrying (%s)", attempt + 1)
    raise AssertionError("unreachable")


def _is_deadlock(error: OperationalError) -> bool:
    cause = error.__cause__
    return type(cause).__name__ in {"DeadlockDetected", "SerializationFailure"}


@transaction.atomic
def items_move_to_version(*, process: Process, version: ProcessVersion, chunk: int = 2000) -> int:
    """Put every open item of `process` on `version` and recompute its deadlines; returns how many."""
    now = timezone.now()
    spec = spec_for_version(version.pk)
    moved = 0
    open_items = Item.objects.filter(process=process, is_terminal=False).exclude(version=version)
    left_behind: dict[int, tuple[ItemState, set[str]]] = {}
    for item in open_items.iterator(chunk_size=chunk):
        schedule = stored_item_schedule(spec, item, now=now)
        state = ItemState(
            item.current_step, item.step_since, item.started_at, item.last_event_at, item.last_event_id
        )
        left_behind[item.pk] = (state, {moment.marker for moment in schedule.moments})
        item.version = version
        item.promised_at = schedule.promised_at
        item.fired = schedule.fired
        item.next_deadline = schedule.next_deadline
        item.is_terminal = item.current_step in spec.terminal
        item.known_step = spec.is_known_step(item.current_step)
        item.save(
            update_fields=[
                "version",
                "promised_at",
                "fired",
                "next_deadline",
                "is_terminal",
                "known_step",
                "updated_at",
            ]
        )
        moved += 1
    # Stalls of rules the new version no longer has (a limit removed, a step made terminal) close.
    items_rescheduled.send(sender=Item, current=left_behind)
    return moved
