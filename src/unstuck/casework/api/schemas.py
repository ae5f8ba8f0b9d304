"""Shapes shared by the casework API modules, and the functions that fill them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from unstuck.casework.models import ActionItem, CaseCause, ChecklistItem, Remedy


class CauseOut(Schema):
    category: str = Field(..., description="Cause category key, e.g. `inventory`.")
    category_name: str = Field(..., description="The category's name in the request's language.")
    text: str = Field(..., description="The cause in free text.")
    whys: list[str] = Field(..., description="The 5-whys chain, first why first (at most five).")
    set_by: str | None = Field(None, description="Who set it (username).")
    set_at: datetime = Field(..., description="When it was set.")


class ChecklistItemOut(Schema):
    id: int = Field(..., description="Checklist item id (to tick it).")
    position: int = Field(..., description="Order in the playbook, from 1.")
    title: str = Field(..., description="What to do, in the request's language.")
    role: str = Field(..., description="Who does it: agent, supervisor, team_lead or admin.")
    time_limit: str = Field(
        ..., description="Business time allowed after the step before, e.g. `4h` ('' for none)."
    )
    due_at: datetime | None = Field(None, description="Due moment in the case team's business calendar.")
    message_template: str = Field(
        ..., description="Customer message template key to use at this step ('' for none)."
    )
    done_at: datetime | None = Field(None, description="When it was ticked (null while open).")
    done_by: str | None = Field(None, description="Who ticked it (username).")
    playbook: str = Field(..., description="Key of the playbook the item comes from.")


class RemedyOut(Schema):
    id: int = Field(..., description="Remedy id (to approve or reject it).")
    case: int = Field(..., description="Id of the case it is for.")
    kind: str = Field(..., description="expedite, substitute, coupon, refund or fee_waiver.")
    amount: Decimal | None = Field(None, description="Cost, two decimals (null when it costs nothing).")
    currency: str = Field(..., description="ISO 4217 currency code, default CNY.")
    note: str = Field(..., description="What exactly is offered.")
    status: str = Field(..., description="pending (waiting for a supervisor), approved or rejected.")
    needs_approval: bool = Field(..., description="True when the amount is above the approval threshold.")
    requested_by: str = Field(..., description="Who proposed it (username).")
    requested_at: datetime = Field(..., description="When it was proposed.")
    decided_by: str | None = Field(
        None, description="Who approved or rejected it (null when below the threshold)."
    )
    decided_at: datetime | None = Field(
        None, description="When it was decided (granted at once below the threshold)."
    )
    decision_reason: str = Field(..., description="Why it was approved or rejected.")
    incident: int | None = Field(None, description="Incident id, when it was added for a whole incident.")


class ActionItemOut(Schema):
    id: int = Field(..., description="Action item id.")
    title: str = Field(..., description="What is to be done.")
    owner: str = Field(..., description="Who does it (username).")
    due_date: date = Field(..., description="By when.")
    done_at: datetime | None = Field(None, description="When it was done (null while open).")
    done_by: str | None = Field(None, description="Who marked it done.")
    problem: str | None = Field(None, description="Problem number, if it belongs to a problem.")
    case: int | None = Field(None, description="Case id, if it came from a case (a review).")
    overdue: bool = Field(..., description="Open and past its due date.")


def _name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def cause_out(cause: CaseCause) -> dict[str, Any]:
    return {
        "category": cause.category.key,
        "category_name": cause.category.name,
        "text": cause.text,
        "whys": list(cause.whys),
        "set_by": _name(cause.set_by),
        "set_at": cause.set_at,
    }


def checklist_item_out(item: ChecklistItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "position": item.position,
        "title": item.name,
        "role": item.role,
        "time_limit": item.time_limit,
        "due_at": item.due_at,
        "message_template": item.message_template,
        "done_at": item.done_at,
        "done_by": _name(item.done_by),
        "playbook": item.playbook.key,
    }


def remedy_out(remedy: Remedy) -> dict[str, Any]:
    return {
        "id": remedy.pk,
        "case": remedy.case_id,
        "kind": remedy.kind,
        "amount": remedy.amount,
        "currency": remedy.currency,
        "note": remedy.note,
        "status": remedy.status,
        "needs_approval": remedy.needs_approval,
        "requested_by": remedy.requested_by.get_username(),
        "requested_at": remedy.requested_at,
        "decided_by": _name(remedy.decided_by),
        "decided_at": remedy.decided_at,
        "decision_reason": remedy.decision_reason,
        "incident": remedy.incident_id,
    }


def action_item_out(item: ActionItem, today: date) -> dict[str, Any]:
    return {
        "id": item.pk,
        "title": item.title,
        "owner": item.owner.get_username(),
        "due_date": item.due_date,
        "done_at": item.done_at,
        "done_by": _name(item.done_by),
        "problem": item.problem.number if item.problem is not None else None,
        "case": item.case_id,
        "overdue": item.done_at is None and item.due_date < today,
    }
