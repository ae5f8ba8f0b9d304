"""The case timeline's hash chain: appending an entry and verifying every chain.

One chain per case. Appending needs the case row locked (`select_for_update`, which every service
takes first), so concurrent writers on PostgreSQL append one after the other; the per-case
`(case, seq)` unique constraint is the backstop. A global chain would serialise every case write
in the system on one row; a per-case chain only serialises writes to the same case, which happen
one at a time anyway. The case row keeps the head (`timeline_seq`, `timeline_head`), so removing
the last entries is detected as surely as altering one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from unstuck.cases.models import Case, TimelineEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def entry_hash(
    *,
    prev_hash: str,
    case_id: int,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_label: str,
    kind: str,
    data: dict[str, Any],
    message: str,
) -> str:
    """SHA-256 of the previous hash followed by the entry's canonical JSON."""
    canonical = json.dumps(
        {
            "case": case_id,
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(),
            "actor": actor_id,
            "actor_label": actor_label,
            "kind": kind,
            "data": data,
            "message": message,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def timeline_entry_next(
    *,
    case: Case,
    kind: str,
    message: str,
    actor: User | None = None,
    actor_label: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TimelineEntry:
    """The next entry of `case`'s chain, unsaved; moves the case's head (in memory only).

    For writers that store many entries at once (the routing batch): they save the entries and the
    cases' heads in bulk, inside the transaction that holds the cases locked.
    """
    at = at or timezone.now()
    data = data or {}
    label = actor_label or (actor.get_username() if actor is not None else "system")
    seq = case.timeline_seq + 1
    digest = entry_hash(
        prev_hash=case.timeline_head,
        case_id=case.pk,
        seq=seq,
        at=at,
        actor_id=actor.pk if actor is not None else None,
        actor_label=label,
        kind=kind,
        data=data,
        message=message,
    )
    entry = TimelineEntry(
        case=case,
        seq=seq,
        at=at,
        actor=actor,
        actor_label=label,
        kind=kind,
        data=data,
        message=message,
        prev_hash=case.timeline_head,
        hash=digest,
    )
    case.timeline_seq, case.timeline_head = seq, digest
    return entry


def timeline_append(
    *,
    case: Case,
    kind: str,
    message: str,
    actor: User | None = None,
    actor_label: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TimelineEntry:
    """Add the next entry to `case`'s chain. The caller holds the case row locked, in a transaction."""
    entry = timeline_entry_next(
        case=case, kind=kind, message=message, actor=actor, actor_label=actor_label, data=data, at=at
    )
    entry.save(force_insert=True)
    Case.objects.filter(pk=case.pk).update(timeline_seq=case.timeline_seq, timeline_head=case.timeline_head)
    return entry


@dataclass(frozen=True)
class ChainReport:
    """The outcome of verifying every chain: counts, and the first break found (None if intact)."""

    entries: int
    cases: int
    broken: str | None


def _entries_in_chain_order() -> Iterator[TimelineEntry]:
    return TimelineEntry.objects.order_by("case_id", "seq").iterator(chunk_size=5000)


def timeline_verify() -> ChainReport:
    """Walk every case's chain from its first entry and stop at the first one that does not fit."""
    heads = dict(Case.objects.values_list("pk", "number"))
    tails = {
        pk: (seq, head) for pk, seq, head in Case.objects.values_list("pk", "timeline_seq", "timeline_head")
    }
    entries = 0
    seen: dict[int, tuple[int, str]] = {}
    for entry in _entries_in_chain_order():
        entries += 1
        prev_seq, prev_hash = seen.get(entry.case_id, (0, ""))
        where = f"case {heads.get(entry.case_id) or entry.case_id} entry {entry.seq} (id {entry.pk})"
        if entry.seq != prev_seq + 1:
            return ChainReport(entries, len(seen), f"{where}: entry {prev_seq + 1} is missing")
        if entry.prev_hash != prev_hash:
            return ChainReport(entries, len(seen), f"{where}: does not follow the entry before it")
        expected = entry_hash(
            prev_hash=entry.prev_hash,
            case_id=entry.case_id,
            seq=entry.seq,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_label=entry.actor_label,
            kind=entry.kind,
            data=entry.data,
            message=entry.message,
        )
        if entry.hash != expected:
            return ChainReport(entries, len(seen), f"{where}: altered (its hash does not match its content)")
        seen[entry.case_id] = (entry.seq, entry.hash)
    for case_id, (seq, head) in tails.items():
        if seen.get(case_id, (0, "")) != (seq, head):
            found = seen.get(case_id, (0, ""))[0]
            return ChainReport(
                entries,
                len(seen),
                f"case {heads.get(case_id) or case_id}: {seq} entries recorded, chain ends at {found}",
            )
    return ChainReport(entries, len(seen), None)
