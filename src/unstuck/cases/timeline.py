"""The case timeline's hash chain: appending an entry and verifying every chain.

One chain per case. Appending needs the case row locked (`select_for_update`, which every service
takes first), so concurrent writers on PostgreSQL append one after the other; the per-case
`(case, seq)` unique constraint is the backstop. A global chain would serialise every case write
in the system on one row; a per-case chain only serialises writes to the same case, which happen
one at a time anyway. The case row keeps the head (`timeline_seq`, `timeline_head`).

Against someone who can write the database but has neither the audit key nor the anchor file
(`cases.audit_seal`, docs/audit.md): each hash is an HMAC under the key, so a rewritten entry cannot
be resealed, and `timeline_anchor` copies the heads out of the database, so deleting the last
entries and rolling the head back is caught up to the last anchor.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from unstuck.cases.audit_seal import anchor_append, anchors_read, audit_key, chain_heads, seal
from unstuck.cases.models import Case, TimelineEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def entry_canonical(
    *,
    case_id: int,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_label: str,
    kind: str,
    data: dict[str, Any],
    message: str,
) -> str:
    """The entry's canonical JSON, the text its hash covers (after the previous hash)."""
    return json.dumps(
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


def entry_hash(*, prev_hash: str, key: bytes | None, **content: Any) -> str:
    """HMAC-SHA256 under the audit key of the previous hash followed by the entry's canonical JSON
    (plain SHA-256 when `key` is None: how entries were sealed before the audit key existed)."""
    return seal(prev_hash + entry_canonical(**content), key=key)


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
        key=audit_key(),
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
    """The outcome of verifying every chain: counts, and one line per broken case (none if intact).

    `unsealed` counts entries written before the audit key existed (plain SHA-256): accepted up to
    the heads the baseline anchor pinned, or as a plain chain while there is no anchor file at all.
    """

    entries: int
    cases: int
    breaks: tuple[str, ...] = ()
    unsealed: int = 0
    anchored: int = 0
    baseline_at: str = ""

    @property
    def broken(self) -> str | None:
        """The first break, or None when every chain is intact."""
        return self.breaks[0] if self.breaks else None


def _entries_in_chain_order() -> Iterator[TimelineEntry]:
    return TimelineEntry.objects.order_by("case_id", "seq").iterator(chunk_size=5000)


@dataclass
class _Walk:
    seq: int = 0
    head: str = ""
    sealed: bool = False  # an entry under the audit key was seen: every later one must be too


def _entry_fault(entry: TimelineEntry, walk: _Walk, key: bytes, legacy_until: int | None) -> str | None:
    """Why `entry` does not fit its chain (None if it does); `legacy_until`: the last seq that may be
    an unkeyed SHA-256 entry (None: any, while nothing is anchored)."""
    if entry.seq != walk.seq + 1:
        return f"entry {walk.seq + 1} is missing"
    if entry.prev_hash != walk.head:
        return "does not follow the entry before it"
    content = {
        "prev_hash": entry.prev_hash,
        "case_id": entry.case_id,
        "seq": entry.seq,
        "at": entry.at,
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "kind": entry.kind,
        "data": entry.data,
        "message": entry.message,
    }
    if hmac.compare_digest(entry.hash, entry_hash(key=key, **content)):
        walk.sealed = True
        return None
    if not hmac.compare_digest(entry.hash, entry_hash(key=None, **content)):
        return "altered (its hash does not match its content)"
    if walk.sealed or (legacy_until is not None and entry.seq > legacy_until):
        return "not sealed with the audit key (rewritten by someone without the key?)"
    return None


def timeline_verify() -> ChainReport:
    """Walk every case's chain from its first entry, check the heads the case rows and the anchor
    file record, and name every broken case (its first fault)."""
    key = audit_key()
    anchors = anchors_read(key=key)
    numbers = dict(Case.objects.values_list("pk", "number"))
    tails = {
        pk: (seq, head) for pk, seq, head in Case.objects.values_list("pk", "timeline_seq", "timeline_head")
    }
    breaks: dict[int, str] = {}
    walks: dict[int, _Walk] = {}
    entries = unsealed = 0
    for entry in _entries_in_chain_order():
        entries += 1
        if entry.case_id in breaks:
            continue
        walk = walks.setdefault(entry.case_id, _Walk())
        if anchors.lines:  # pre-key entries are allowed up to where the baseline pinned the case
            legacy_until: int | None = anchors.baseline.get(entry.case_id, (0, ""))[0]
        else:
            legacy_until = None
        fault = _entry_fault(entry, walk, key, legacy_until)
        name = numbers.get(entry.case_id) or entry.case_id
        if fault is None:
            anchored = anchors.latest.get(entry.case_id)
            if anchored is not None and anchored[0] == entry.seq and entry.hash != anchored[1]:
                fault = f"differs from the entry anchored on {anchored[2]}"
        if fault is not None:
            breaks[entry.case_id] = f"case {name} entry {entry.seq} (id {entry.pk}): {fault}"
            continue
        if not walk.sealed:
            unsealed += 1
        walk.seq, walk.head = entry.seq, entry.hash
    for case_id, (seq, head) in tails.items():
        if case_id in breaks:
            continue
        walk = walks.get(case_id, _Walk())
        name = numbers.get(case_id) or case_id
        anchored = anchors.latest.get(case_id)
        if anchored is not None and walk.seq < anchored[0]:
            breaks[case_id] = (
                f"case {name}: anchored at entry {anchored[0]} on {anchored[2]}, chain ends at {walk.seq}"
            )
        elif (walk.seq, walk.head) != (seq, head):
            breaks[case_id] = f"case {name}: {seq} entries recorded, chain ends at {walk.seq}"
    for case_id, (seq, _head, at) in anchors.latest.items():
        if case_id not in tails:
            breaks[case_id] = f"case id {case_id}: anchored at entry {seq} on {at}, the case is gone"
    lines = [breaks[case_id] for case_id in sorted(breaks)]
    return ChainReport(
        entries,
        len(walks),
        tuple(anchors.problems + lines),
        unsealed,
        sum(1 for case_id in anchors.latest if case_id in tails),
        anchors.baseline_at,
    )


def timeline_anchor(*, full: bool = False, at: datetime | None = None) -> int:
    """Append the current head of every case whose chain moved since the last anchor (every case on
    the first run, or with `full`) to the anchor file; returns how many heads it wrote."""
    key = audit_key()
    return anchor_append(heads=chain_heads(), key=key, full=full, at=at or timezone.now())
