"""API v1 for cases: list and read the cases a user may see, open one by hand, assign, move its
status, add notes. Handlers parse, call one selector or service, and render."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.cases.models import Case, SlaClock, SlaState, TimelineEntry
from unstuck.cases.selectors import (
    case_create_check,
    case_for_write,
    case_get,
    case_list,
    case_rows,
    case_timeline,
)
from unstuck.cases.services import case_assign, case_create, case_note_add, case_status_change
from unstuck.cases.sla_selectors import sla_policy_list
from unstuck.core.errors import DomainError
from unstuck.core.keyset import row_id_parse

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
    sla_state: str | None = Field(
        None, description="Only these SLA states (comma-separated): ok, warning, breached, paused."
    )
    after: str | None = Field(None, description="Cursor from the previous page's `next`.")
    limit: int = Field(50, ge=1, le=500, description="Page size (max 500).")


class SlaClockOut(Schema):
    target: str = Field(..., description="first_response, next_update or resolution.")
    priority: str = Field(..., description="The priority whose policy set this target's time.")
    calendar: str = Field(..., description="Business calendar the clock counts in (the team's).")
    allowed_seconds: int = Field(..., description="Business seconds the target allows.")
    cycle: int = Field(..., description="Next update: how many times the clock (re)started; else 1.")
    started_at: datetime | None = Field(
        None, description="When the clock (this cycle) started; null if not yet."
    )
    paused: bool = Field(..., description="True while the case waits in a pausing status (waiting_customer).")
    paused_seconds: int = Field(..., description="Business seconds paused so far (added to the due time).")
    due_at: datetime | None = Field(None, description="When the target is due; null while paused or done.")
    warned: list[float] = Field(..., description="Warning fractions already reached, e.g. [0.5, 0.75].")
    breached_at: datetime | None = Field(None, description="When the target was breached (this cycle).")
    met_at: datetime | None = Field(
        None, description="When it was met (next update: the last customer-facing update)."
    )
    stopped_at: datetime | None = Field(
        None, description="When it stopped unmet because the case finished (resolved or closed)."
    )
    problem: str = Field(..., description="Why no due time could be computed (e.g. an unverified year); ''.")


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
    step: str = Field(
        ..., description="Key of the step the item stalled at (for a case opened by hand: its step then)."
    )
    process: str | None = Field(None, description="Process key, if the case is about a process.")
    item: str | None = Field(None, description="Item external id, if the case is about an item.")
    team: str | None = Field(None, description="Team key owning the case.")
    owner: str | None = Field(None, description="Username of the owner, null while unassigned.")
    opened_at: datetime = Field(..., description="When the case was opened.")
    resolved_at: datetime | None = Field(None, description="When it was resolved (null while open).")
    closed_at: datetime | None = Field(None, description="When it was closed.")
    sla_due_at: datetime | None = Field(
        None, description="Due moment of the nearest running SLA target; null while paused or none runs."
    )
    sla_state: str = Field(..., description="'' (no SLA), ok, warning, breached or paused.")
    sla: list[SlaClockOut] = Field(..., description="Each SLA target with its due, breached and met times.")


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
        ...,
        description="HMAC-SHA256 under the audit key (plain SHA-256 for entries written before the key "
        "existed) chaining this entry to the one before (see `unstuck audit verify`, docs/audit.md).",
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
    customer_update: bool = Field(
        False,
        description="True when the note records an update given to the customer (restarts next update).",
    )


class EscalationLevelOut(Schema):
    position: int = Field(..., description="Rung of the ladder, from 1.")
    target: str = Field(..., description="The SLA target it watches.")
    at_fraction: float = Field(..., description="Share of the target's time (1 = the breach).")
    delay: str = Field(..., description="More business time after that point, e.g. `2h`; '' for none.")
    notify: str = Field(..., description="owner, team_lead, team_supervisors or user.")
    reassign: str = Field(..., description="none, team_lead or user.")
    user: str | None = Field(None, description="The named user (username) for notify/reassign `user`.")


class SlaPolicyOut(Schema):
    priority: str = Field(..., description="P1-P4: the cases this policy applies to.")
    first_response: str = Field(..., description="Business time to the first human action, e.g. `30m`.")
    next_update: str = Field(..., description="Business time allowed between customer-facing updates.")
    resolution: str = Field(..., description="Business time to resolution, e.g. `4h`, `3d` (working days).")
    pause_statuses: list[str] = Field(..., description="Statuses in which the clocks pause.")
    warn_fractions: list[float] = Field(..., description="Warnings at these shares of a target's time.")
    active: bool = Field(..., description="Inactive policies start no clocks.")
    escalation: list[EscalationLevelOut] = Field(..., description="The escalation ladder, in order.")


def _clock_out(clock: SlaClock) -> dict[str, Any]:
    return {
        "target": clock.target,
        "priority": clock.priority,
        "calendar": clock.calendar_key,
        "allowed_seconds": clock.budget_seconds,
        "cycle": clock.cycle,
        "started_at": clock.started_at,
        "paused": clock.is_paused,
        "paused_seconds": clock.paused_seconds,
        "due_at": clock.due_at,
        "warned": clock.warned,
        "breached_at": clock.breached_at,
        "met_at": clock.met_at,
        "stopped_at": clock.stopped_at,
        "problem": clock.problem,
    }


_TARGET_ORDER = {"first_response": 0, "next_update": 1, "resolution": 2}


def _out(case: Case) -> dict[str, Any]:
    clocks = sorted(case.sla_clocks.all(), key=lambda clock: _TARGET_ORDER.get(clock.target, 9))
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
        "step": case.step,
        "process": case.process.key if case.process else None,
        "item": case.item.external_id if case.item else None,
        "team": case.team.key if case.team else None,
        "owner": case.owner.get_username() if case.owner else None,
        "opened_at": case.opened_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "sla_due_at": case.sla_due_at,
        "sla_state": case.sla_state,
        "sla": [_clock_out(clock) for clock in clocks],
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
def cases_list(request: AuthedHttpRequest, filters: Query[CaseFilter]) -> dict[str, Any]:
    before = None
    if filters.after:
        before = row_id_parse(filters.after)
        if before is None:
            raise DomainError(
                "invalid_cursor",
                "The `after` cursor is not one this API gave out.",
                details={"field": "after"},
            )
    if filters.sla_state:
        unknown = sorted(set(filters.sla_state.split(",")) - set(SlaState.values))
        if unknown:
            raise DomainError(
                "invalid_sla_state",
                f"Unknown SLA state {', '.join(unknown)}; use some of: {', '.join(SlaState.values)}.",
            )
    query = case_list(
        user=request.user,
        status=filters.status,
        team=filters.team,
        process=filters.process,
        item=filters.item,
        case_type=filters.type,
        priority=filters.priority,
        owner=filters.owner,
        sla_state=filters.sla_state,
        before_id=before,
    )
    rows = case_rows(query.prefetch_related("sla_clocks"), limit=filters.limit + 1)
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {"items": [_out(case) for case in rows], "next": str(rows[-1].pk) if more and rows else None}


@router.get("/cases/{case_id}", response=CaseDetailOut, summary="Read one case with its timeline")
def cases_read(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return _detail(request, case_id)


@router.post("/cases", response={201: CaseDetailOut}, summary="Open a case by hand")
def cases_create(request: AuthedHttpRequest, body: CaseCreateIn) -> Status[dict[str, Any]]:
    case_create_check(
        user=request.user, team_key=body.team, process_key=body.process, item_external_id=body.item
    )
    case = case_create(
        actor=request.user,
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
def cases_assign(request: AuthedHttpRequest, case_id: int, body: AssignIn) -> dict[str, Any]:
    case = case_for_write(user=request.user, case_id=case_id)
    case_assign(case_id=case.pk, actor=request.user, owner_username=body.owner)
    return _detail(request, case.pk)


@router.post("/cases/{case_id}/status", response=CaseDetailOut, summary="Change a case's status")
def cases_status(request: AuthedHttpRequest, case_id: int, body: StatusIn) -> dict[str, Any]:
    case = case_for_write(user=request.user, case_id=case_id)
    case_status_change(case_id=case.pk, actor=request.user, status=body.status, reason=body.reason)
    return _detail(request, case.pk)


@router.post("/cases/{case_id}/notes", response={201: TimelineEntryOut}, summary="Add a note to a case")
def cases_note(request: AuthedHttpRequest, case_id: int, body: NoteIn) -> Status[dict[str, Any]]:
    case = case_for_write(user=request.user, case_id=case_id)
    entry = case_note_add(
        case_id=case.pk,
        actor=request.user,
        text=body.text,
        customer_update=body.customer_update,
    )
    return Status(201, _entry_out(entry))


@router.get(
    "/sla/policies", response=list[SlaPolicyOut], summary="SLA policies and escalation ladders", tags=["sla"]
)
def sla_policies(request: AuthedHttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "priority": policy.priority,
            "first_response": policy.first_response,
            "next_update": policy.next_update,
            "resolution": policy.resolution,
            "pause_statuses": policy.pause_statuses,
            "warn_fractions": policy.warn_fractions,
            "active": policy.active,
            "escalation": [
                {
                    "position": level.position,
                    "target": level.target,
                    "at_fraction": level.at_fraction,
                    "delay": level.delay,
                    "notify": level.notify,
                    "reassign": level.reassign,
                    "user": level.user.get_username() if level.user else None,
                }
                for level in policy.levels.all()
            ],
        }
        for policy in sla_policy_list(user=request.user)
    ]
