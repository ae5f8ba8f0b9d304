"""API v1 for problems (问题) and action items (行动项): open a problem, link cases to it, add and
complete action items; list my open action items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.cases.selectors import case_for_write
from unstuck.casework.api.schemas import ActionItemOut, action_item_out
from unstuck.casework.models import ActionItem, Problem
from unstuck.casework.permissions import acting_user
from unstuck.casework.selectors import action_item_list, problem_get, problem_list
from unstuck.casework.services import (
    action_item_add,
    action_item_complete,
    problem_case_link,
    problem_create,
    problem_update,
)
from unstuck.core.errors import DomainError
from unstuck.core.keyset import row_id_parse
from unstuck.core.moments import Day

router = Router(tags=["problems"])


class ProblemIn(Schema):
    title: str = Field(..., min_length=1, max_length=300, description="The recurring root cause, in a line.")
    owner: str = Field(..., description="Username of who owns the fix.")
    description: str = Field("", max_length=10_000, description="What recurs, where, how often.")
    fix_plan: str = Field("", max_length=10_000, description="How it will be fixed.")
    cause_category: str | None = Field(None, description="Cause category key.")


class ProblemUpdateIn(Schema):
    status: str | None = Field(None, description="open, fix_in_progress or resolved.")
    fix_plan: str | None = Field(None, max_length=10_000, description="A revised fix plan.")


class ProblemOut(Schema):
    id: int = Field(..., description="Problem id.")
    number: str = Field(..., description="Human number, e.g. P-00001.")
    title: str = Field(..., description="The recurring root cause.")
    description: str = Field(..., description="What recurs.")
    cause_category: str | None = Field(None, description="Cause category key.")
    owner: str = Field(..., description="Who owns the fix (username).")
    fix_plan: str = Field(..., description="How it will be fixed.")
    status: str = Field(..., description="open, fix_in_progress or resolved.")
    created_at: datetime = Field(..., description="When it was opened.")
    resolved_at: datetime | None = Field(None, description="When it was resolved.")
    case_count: int = Field(..., description="How many cases are linked (all of them, visible or not).")
    open_actions: int = Field(..., description="How many of its action items are still open.")


class ProblemDetailOut(ProblemOut):
    cases: list[int] = Field(..., description="Ids of the linked cases you may see.")
    action_items: list[ActionItemOut] = Field(..., description="Its action items, open ones first.")


class ProblemPage(Schema):
    items: list[ProblemOut] = Field(..., description="One page of problems, newest first.")
    next: str | None = Field(None, description="Cursor for the next page (pass as `after`).")


class ProblemLinkIn(Schema):
    case: int = Field(..., description="Id of the case to link to the problem.")


class ActionItemIn(Schema):
    title: str = Field(..., min_length=1, max_length=300, description="What is to be done.")
    owner: str = Field(..., description="Username of who does it.")
    due_date: Day = Field(..., description="By when (YYYY-MM-DD).")
    case: int | None = Field(None, description="Id of the case it comes from, if any.")


class ActionItemFilter(Schema):
    owner: str | None = Field(None, description="`me`, or a username.")
    open: bool = Field(False, description="Only items not done yet (`open=1`).")
    after: str | None = Field(None, description="Cursor from the previous page's `next`.")
    limit: int = Field(100, ge=1, le=500, description="Page size (max 500).")


class ActionItemPage(Schema):
    items: list[ActionItemOut] = Field(..., description="One page of action items, newest first.")
    next: str | None = Field(None, description="Cursor for the next page (pass as `after`).")


class ProblemFilter(Schema):
    status: str | None = Field(None, description="Only these statuses (comma-separated).")
    after: str | None = Field(None, description="Cursor from the previous page's `next`.")
    limit: int = Field(50, ge=1, le=500, description="Page size (max 500).")


def _cursor(after: str | None) -> int | None:
    if not after:
        return None
    row_id = row_id_parse(after)
    if row_id is None:
        raise DomainError(
            "invalid_cursor", "The `after` cursor is not one this API gave out.", details={"field": "after"}
        )
    return row_id


def _problem_out(problem: Problem) -> dict[str, Any]:
    return {
        "id": problem.pk,
        "number": problem.number or "",
        "title": problem.title,
        "description": problem.description,
        "cause_category": problem.cause_category.key if problem.cause_category else None,
        "owner": problem.owner.get_username(),
        "fix_plan": problem.fix_plan,
        "status": problem.status,
        "created_at": problem.created_at,
        "resolved_at": problem.resolved_at,
        "case_count": getattr(problem, "case_count", len(getattr(problem, "visible_links", []))),
        "open_actions": getattr(
            problem, "open_actions", sum(1 for item in getattr(problem, "items", []) if item.done_at is None)
        ),
    }


def _detail(request: HttpRequest, problem_id: int) -> dict[str, Any]:
    problem = problem_get(user=request.user, problem_id=problem_id)
    today = timezone.localdate()
    return {
        **_problem_out(problem),
        "case_count": problem.links.count(),
        "cases": [link.case_id for link in problem.visible_links],  # type: ignore[attr-defined]
        "action_items": [action_item_out(item, today) for item in problem.items],  # type: ignore[attr-defined]
    }


def _page(rows: list[Any], limit: int) -> tuple[list[Any], str | None]:
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, str(rows[-1].pk) if more and rows else None


@router.get("/problems", response=ProblemPage, summary="List problems")
def problems_list(request: HttpRequest, filters: Query[ProblemFilter]) -> dict[str, Any]:
    rows, cursor = _page(
        list(problem_list(status=filters.status, before_id=_cursor(filters.after))[: filters.limit + 1]),
        filters.limit,
    )
    return {"items": [_problem_out(problem) for problem in rows], "next": cursor}


@router.post("/problems", response={201: ProblemDetailOut}, summary="Open a problem")
def problems_create(request: HttpRequest, body: ProblemIn) -> Status[dict[str, Any]]:
    problem = problem_create(
        actor=acting_user(request),
        title=body.title,
        owner_username=body.owner,
        description=body.description,
        fix_plan=body.fix_plan,
        cause_category=body.cause_category,
    )
    return Status(201, _detail(request, problem.pk))


@router.get(
    "/problems/{problem_id}", response=ProblemDetailOut, summary="A problem with cases and action items"
)
def problems_read(request: HttpRequest, problem_id: int) -> dict[str, Any]:
    return _detail(request, problem_id)


@router.post(
    "/problems/{problem_id}", response=ProblemDetailOut, summary="Change a problem's status or fix plan"
)
def problems_update(request: HttpRequest, problem_id: int, body: ProblemUpdateIn) -> dict[str, Any]:
    problem_update(
        problem_id=problem_id, actor=acting_user(request), status=body.status, fix_plan=body.fix_plan
    )
    return _detail(request, problem_id)


@router.post(
    "/problems/{problem_id}/cases", response={201: ProblemDetailOut}, summary="Link a case to a problem"
)
def problems_link(request: AuthedHttpRequest, problem_id: int, body: ProblemLinkIn) -> Status[dict[str, Any]]:
    problem_get(user=request.user, problem_id=problem_id)
    case = case_for_write(user=request.user, case_id=body.case)
    problem_case_link(problem_id=problem_id, case_id=case.pk, actor=acting_user(request))
    return Status(201, _detail(request, problem_id))


@router.post(
    "/problems/{problem_id}/action-items",
    response={201: ActionItemOut},
    summary="Add an action item to a problem",
)
def problems_action_add(
    request: AuthedHttpRequest, problem_id: int, body: ActionItemIn
) -> Status[dict[str, Any]]:
    problem_get(user=request.user, problem_id=problem_id)
    case_id = case_for_write(user=request.user, case_id=body.case).pk if body.case is not None else None
    item = action_item_add(
        actor=acting_user(request),
        title=body.title,
        owner_username=body.owner,
        due_date=body.due_date,
        problem_id=problem_id,
        case_id=case_id,
    )
    return Status(201, _item(request, item.pk))


def _item(request: HttpRequest, item_id: int) -> dict[str, Any]:
    item = action_item_list(user=request.user).filter(pk=item_id).first()
    if item is None:
        raise DomainError("action_item_not_found", f"No action item {item_id}.", status=404)
    return action_item_out(item, timezone.localdate())


@router.post(
    "/action-items", response={201: ActionItemOut}, summary="Add an action item (to a case, or on its own)"
)
def action_items_add(request: AuthedHttpRequest, body: ActionItemIn) -> Status[dict[str, Any]]:
    case_id = case_for_write(user=request.user, case_id=body.case).pk if body.case is not None else None
    item = action_item_add(
        actor=acting_user(request),
        title=body.title,
        owner_username=body.owner,
        due_date=body.due_date,
        case_id=case_id,
    )
    return Status(201, _item(request, item.pk))


@router.get("/action-items", response=ActionItemPage, summary="List action items (e.g. mine, open)")
def action_items_list(request: AuthedHttpRequest, filters: Query[ActionItemFilter]) -> dict[str, Any]:
    query = action_item_list(
        user=request.user, owner=filters.owner, open_only=filters.open, before_id=_cursor(filters.after)
    )
    rows, cursor = _page(list(query[: filters.limit + 1]), filters.limit)
    today = timezone.localdate()
    return {"items": [action_item_out(item, today) for item in rows], "next": cursor}


@router.post("/action-items/{item_id}/complete", response=ActionItemOut, summary="Mark an action item done")
def action_items_complete(request: HttpRequest, item_id: int) -> dict[str, Any]:
    _item(request, item_id)
    item: ActionItem = action_item_complete(action_item_id=item_id, actor=acting_user(request))
    return _item(request, item.pk)
