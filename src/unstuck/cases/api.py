"""API v1 for cases: list and read the cases a user may see, open one by hand, assign, move its
status, add notes. Handlers parse, call one selector or service, and render."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from unstuck.cases.models import Case, TimelineEntry
from unstuck.cases.selectors import case_create_check, case_for_write, case_get, case_list, case_timeline
from unstuck.cases.services import case_assign, case_create, case_note_add, case_status_change
from unstuck.core.errors import DomainError

router = Router(tags=["cases"])


class CaseFilter(Schema):
    status: str | None = Field(
        None, description="Only these statuses (comma-separated), e.g. `new,in_progress`."
    )
    team: str | None = Field(None, description="Only this team (key).")
    process: str | None = Field(None, description="Only this process (key).")
    item: str | None = Field(None, description="Only cases about this item (external id).")
    type: str | None = Field(None, description="Only this case type, e.g. `overdue`.")
    priority: str | None = Field(None, description="Only this priority: P1, P2, P3 or P4.")
    owner: str | None = Field(None, description="Only cases owned by this user (username).")
    after: str | None = Field(None, description="Cursor from the previous page's `next`.")
    limit: int = Field(50, ge=1, le=500, description="Page size (max 500).")


class CaseOut(Schema):
    id: int = Field(..., description="Case id (use it in URLs).")
    number: str = Field(..., description="Human case number, e.g. C-000123.")
    title: str = Field(..., description="What the case is about.")
    type: str = Field(..., description="unconfirmed, interrupted, overdue, stuck, complaint, ...")
    status: str = Field(
        ..., description="new, in_progress, waiting_customer, waiting_internal, resolved, closed."
    )
    priority: str = Field(..., description="P1 (highest) to P4, from impact × urgency.")
    impact: str = Field(..., description="high, medium or low.")
    urgency: str = Field(..., description="high, medium or low.")
    origin: str = Field(..., description="`stall` (opened by the worker) or `manual`.")
    rule: str = Field(..., description="The stall rule that opened the case ('' for manual cases).")
    process: str | None = Field(None, description="Process key, if the case is about a process.")
    item: str | None = Field(None, description="Item external id, if the case is about an item.")
    team: str | None = Field(None, description="Team key owning the case.")
    owner: str | None = Field(None, description="Username of the owner, null while unassigned.")
    opened_at: datetime = Field(..., description="When the case was opened.")
    resolved_at: datetime | None = Field(None, description="When it was resolved (null while open).")
    closed_at: datetime | None = Field(None, description="When it was closed.")


class TimelineEntryOut(Schema):
    seq: int = Field(..., description="Position in the case's timeline, from 1.")
    at: datetime = Field(..., description="When it happened.")
    actor: str = Field(..., description="Who did it: a username, or `worker` / `system`.")
    kind: str = Field(
        ..., description="opened, stall_added, assigned, status_changed, note, resolved_auto, reopened."
    )
    message: str = Field(..., description="What happened and why, for people.")
    data: dict[str, Any] = Field(..., description="The same as structured data.")
    hash: str = Field(
        ..., description="SHA-256 chaining this entry to the one before (see `unstuck audit verify`)."
    )


class CaseDetailOut(CaseOut):
    timeline: list[TimelineEntryOut] = Field(
        ..., description="Everything that happened to the case, in order."
    )


class CasePage(Schema):
    items: list[CaseOut] = Field(..., description="One page of cases, newest first.")
    next: str | None = Field(
        None, description="Cursor for the next page (pass as `after`), null on the last one."
    )


class CaseCreateIn(Schema):
    type: str = Field(..., description="Case type, e.g. `complaint`, `contract_dispute`, `emergency`.")
    title: str = Field(..., min_length=1, max_length=300, description="What the case is about.")
    team: str | None = Field(
        None, description="Team key (created if new); required unless you are a supervisor or admin."
    )
    process: str | None = Field(
        None, description="Process key, when the case is about a process or one of its items."
    )
    item: str | None = Field(None, description="Item external id (needs `process`).")
    priority: str | None = Field(None, description="P1-P4 to override the impact × urgency matrix.")
    note: str = Field("", description="Optional first note, kept on the `opened` entry.")


class AssignIn(Schema):
    owner: str | None = Field(
        None, description="Username of the new owner; omit to let the team's strategy choose."
    )


class StatusIn(Schema):
    status: str = Field(
        ..., description="Target status; the lifecycle refuses other moves with `invalid_transition`."
    )
    reason: str = Field("", description="Why (required to reopen a resolved or closed case).")


class NoteIn(Schema):
    text: str = Field(..., min_length=1, max_length=10_000, description="The note.")


def _out(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number or "",
        "title": case.title,
        "type": case.type,
        "status": case.status,
        "priority": case.priority,
        "impact": case.impact,
        "urgency": case.urgency,
        "origin": case.origin,
        "rule": case.rule,
        "process": case.process.key if case.process else None,
        "item": case.item.external_id if case.item else None,
        "team": case.team.key if case.team else None,
        "owner": case.owner.get_username() if case.owner else None,
        "opened_at": case.opened_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
    }


def _entry_out(entry: TimelineEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor_label,
        "kind": entry.kind,
        "message": entry.message,
        "data": entry.data,
        "hash": entry.hash,
    }


def _detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    case = case_get(user=request.user, case_id=case_id)
    return {**_out(case), "timeline": [_entry_out(entry) for entry in case_timeline(case=case)]}


@router.get("/cases", response=CasePage, summary="List cases (keyset pagination)")
def cases_list(request: HttpRequest, filters: Query[CaseFilter]) -> Any:
    before = None
    if filters.after:
        if not filters.after.isdigit():
            raise DomainError("invalid_cursor", "The `after` cursor is not one this API gave out.")
        before = int(filters.after)
    query = case_list(
        user=request.user,
        status=filters.status,
        team=filters.team,
        process=filters.process,
        item=filters.item,
        case_type=filters.type,
        priority=filters.priority,
        owner=filters.owner,
        before_id=before,
    )
    rows = list(query[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {"items": [_out(case) for case in rows], "next": str(rows[-1].pk) if more and rows else None}


@router.get("/cases/{case_id}", response=CaseDetailOut, summary="Read one case with its timeline")
def cases_read(request: HttpRequest, case_id: int) -> Any:
    return _detail(request, case_id)


@router.post("/cases", response={201: CaseDetailOut}, summary="Open a case by hand")
def cases_create(request: HttpRequest, body: CaseCreateIn) -> Any:
    case_create_check(user=request.user, team_key=body.team)
    case = case_create(
        actor=request.user,  # type: ignore[arg-type]  # authenticated: API_AUTH guarantees a User
        case_type=body.type,
        title=body.title,
        team_key=body.team,
        process_key=body.process,
        item_external_id=body.item,
        priority=body.priority,
        note=body.note,
    )
    return Status(201, _detail(request, case.pk))


@router.post("/cases/{case_id}/assign", response=CaseDetailOut, summary="Assign a case")
def cases_assign(request: HttpRequest, case_id: int, body: AssignIn) -> Any:
    case = case_for_write(user=request.user, case_id=case_id)
    case_assign(case_id=case.pk, actor=request.user, owner_username=body.owner)  # type: ignore[arg-type]
    return _detail(request, case.pk)


@router.post("/cases/{case_id}/status", response=CaseDetailOut, summary="Change a case's status")
def cases_status(request: HttpRequest, case_id: int, body: StatusIn) -> Any:
    case = case_for_write(user=request.user, case_id=case_id)
    case_status_change(case_id=case.pk, actor=request.user, status=body.status, reason=body.reason)  # type: ignore[arg-type]
    return _detail(request, case.pk)


@router.post("/cases/{case_id}/notes", response={201: TimelineEntryOut}, summary="Add a note to a case")
def cases_note(request: HttpRequest, case_id: int, body: NoteIn) -> Any:
    case = case_for_write(user=request.user, case_id=case_id)
    entry = case_note_add(case_id=case.pk, actor=request.user, text=body.text)  # type: ignore[arg-type]
    return Status(201, _entry_out(entry))
