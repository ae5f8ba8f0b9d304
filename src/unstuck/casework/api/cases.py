"""API v1 on one case: its cause and review, its playbook checklist, its remedies; and the
decisions on remedies. Handlers parse, call one selector or service, and render."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.cases.selectors import case_for_write, case_get
from unstuck.casework.api.schemas import (
    ActionItemOut,
    CauseOut,
    ChecklistItemOut,
    RemedyOut,
    action_item_out,
    cause_out,
    checklist_item_out,
    remedy_out,
)
from unstuck.casework.models import MAX_WHYS, ActionItem
from unstuck.casework.permissions import acting_user
from unstuck.casework.selectors import (
    category_list,
    cause_for_case,
    checklist_for_case,
    remedies_for_case,
    remedy_get,
)
from unstuck.casework.services import (
    case_review_add,
    cause_set,
    checklist_item_tick,
    remedy_add,
    remedy_decide,
)
from unstuck.casework.services.problems import user_by_name
from unstuck.core.errors import DomainError
from unstuck.core.moments import Day

router = Router(tags=["casework"])


class CauseCategoryOut(Schema):
    key: str = Field(..., description="Stable key, e.g. `supply_chain`.")
    name_zh: str = Field(..., description="Chinese name, e.g. 供应链.")
    name_en: str = Field(..., description="English name.")


class CauseIn(Schema):
    category: str = Field(..., description="Cause category key (see `GET /cause-categories`).")
    text: str = Field("", max_length=5000, description="The cause in free text.")
    whys: list[str] = Field(
        default_factory=list, description=f"The 5-whys chain, first why first; at most {MAX_WHYS} answers."
    )


class ReviewActionItemIn(Schema):
    title: str = Field(..., min_length=1, max_length=300, description="What is to be done.")
    owner: str = Field(..., description="Username of who does it.")
    due_date: Day = Field(..., description="By when (YYYY-MM-DD).")


class ReviewIn(Schema):
    notes: str = Field(..., min_length=1, max_length=10_000, description="What happened and why (复盘).")
    lessons: str = Field("", max_length=10_000, description="What to keep doing or change.")
    action_items: list[ReviewActionItemIn] = Field(
        default_factory=list,
        description="Action items coming out of the review, each with an owner and due date.",
    )


class ReviewOut(Schema):
    id: int = Field(..., description="Review id.")
    case: int = Field(..., description="Case id.")
    notes: str = Field(..., description="The review notes.")
    lessons: str = Field(..., description="Lessons.")
    reviewed_by: str = Field(..., description="Who wrote it (username).")
    action_items: list[ActionItemOut] = Field(..., description="The action items created with it.")


class ChecklistTickIn(Schema):
    note: str = Field("", max_length=2000, description="Optional note for the timeline entry.")


class RemedyIn(Schema):
    kind: str = Field(..., description="expedite, substitute, coupon, refund or fee_waiver.")
    amount: Decimal | None = Field(
        None, description="Cost with at most two decimals; omit when it costs nothing."
    )
    currency: str = Field("CNY", description="ISO 4217 currency code.")
    note: str = Field("", max_length=2000, description="What exactly is offered.")


class RemedyDecisionIn(Schema):
    reason: str = Field("", max_length=2000, description="Why (required to reject).")


@router.get("/cause-categories", response=list[CauseCategoryOut], summary="The cause taxonomy")
def categories_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"key": c.key, "name_zh": c.name_zh, "name_en": c.name_en} for c in category_list()]


@router.get("/cases/{case_id}/cause", response=CauseOut, summary="A case's cause")
def cause_read(request: AuthedHttpRequest, case_id: int) -> dict[str, Any]:
    cause = cause_for_case(case=case_get(user=request.user, case_id=case_id))
    if cause is None:
        raise DomainError("cause_not_set", "No cause has been set for this case yet.", status=404)
    return cause_out(cause)


@router.put("/cases/{case_id}/cause", response=CauseOut, summary="Set a case's cause and 5 whys")
def cause_put(request: AuthedHttpRequest, case_id: int, body: CauseIn) -> dict[str, Any]:
    case = case_for_write(user=request.user, case_id=case_id)
    cause_set(
        case_id=case.pk,
        actor=acting_user(request),
        category_key=body.category,
        text=body.text,
        whys=body.whys,
    )
    found = cause_for_case(case=case)
    assert found is not None
    return cause_out(found)


@router.post("/cases/{case_id}/review", response={201: ReviewOut}, summary="Review a resolved case")
def review_post(request: AuthedHttpRequest, case_id: int, body: ReviewIn) -> Status[dict[str, Any]]:
    case = case_for_write(user=request.user, case_id=case_id)
    items = [
        (item.title, user_by_name(item.owner, f"action_items[{index}].owner"), item.due_date)
        for index, item in enumerate(body.action_items)
    ]
    review = case_review_add(
        case_id=case.pk,
        actor=acting_user(request),
        notes=body.notes,
        lessons=body.lessons,
        action_items=items,
    )
    created = ActionItem.objects.filter(case=case, created_at=review.reviewed_at).select_related(
        "owner", "done_by"
    )
    return Status(
        201,
        {
            "id": review.pk,
            "case": case.pk,
            "notes": review.notes,
            "lessons": review.lessons,
            "reviewed_by": review.reviewed_by.get_username(),
            "action_items": [
                action_item_out(item, review.reviewed_at.date()) for item in created.order_by("pk")
            ],
        },
    )


@router.get(
    "/cases/{case_id}/checklist", response=list[ChecklistItemOut], summary="A case's playbook checklist"
)
def checklist_list(request: AuthedHttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = case_get(user=request.user, case_id=case_id)
    return [checklist_item_out(item) for item in checklist_for_case(case=case)]


@router.post(
    "/cases/{case_id}/checklist/{item_id}/tick", response=ChecklistItemOut, summary="Tick a checklist item"
)
def checklist_tick(
    request: AuthedHttpRequest, case_id: int, item_id: int, body: ChecklistTickIn
) -> dict[str, Any]:
    case = case_for_write(user=request.user, case_id=case_id)
    item = checklist_item_tick(case_id=case.pk, item_id=item_id, actor=acting_user(request), note=body.note)
    return checklist_item_out(checklist_for_case(case=case).get(pk=item.pk))


@router.get("/cases/{case_id}/remedies", response=list[RemedyOut], summary="A case's remedies")
def remedies_list(request: AuthedHttpRequest, case_id: int) -> list[dict[str, Any]]:
    case = case_get(user=request.user, case_id=case_id)
    return [remedy_out(remedy) for remedy in remedies_for_case(case=case)]


@router.post("/cases/{case_id}/remedies", response={201: RemedyOut}, summary="Add a remedy to a case")
def remedies_add(request: AuthedHttpRequest, case_id: int, body: RemedyIn) -> Status[dict[str, Any]]:
    case = case_for_write(user=request.user, case_id=case_id)
    remedy = remedy_add(
        case_id=case.pk,
        actor=acting_user(request),
        kind=body.kind,
        amount=body.amount,
        currency=body.currency,
        note=body.note,
    )
    return Status(201, remedy_out(remedy_get(user=request.user, remedy_id=remedy.pk)))


def _decide(request: HttpRequest, remedy_id: int, approve: bool, reason: str) -> Any:
    remedy = remedy_get(user=request.user, remedy_id=remedy_id)
    case_for_write(user=request.user, case_id=remedy.case_id)  # auditors: 403
    remedy_decide(remedy_id=remedy.pk, actor=acting_user(request), approve=approve, reason=reason)
    return remedy_out(remedy_get(user=request.user, remedy_id=remedy.pk))


@router.post("/remedies/{remedy_id}/approve", response=RemedyOut, summary="Approve a pending remedy")
def remedy_approve(request: HttpRequest, remedy_id: int, body: RemedyDecisionIn) -> Any:
    return _decide(request, remedy_id, True, body.reason)


@router.post("/remedies/{remedy_id}/reject", response=RemedyOut, summary="Reject a pending remedy")
def remedy_reject(request: HttpRequest, remedy_id: int, body: RemedyDecisionIn) -> Any:
    return _decide(request, remedy_id, False, body.reason)
