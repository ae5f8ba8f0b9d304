"""Writes for problems (问题) and action items (行动项): a recurring root cause with an owner and a
fix plan, the cases it caused, and the action items that fix it, tracked to done."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.accounts.selectors import user_is_supervisor
from unstuck.cases.services import case_lock
from unstuck.cases.timeline import timeline_append
from unstuck.casework.models import ActionItem, Problem, ProblemCase, ProblemStatus
from unstuck.casework.permissions import require_supervisor, require_writer
from unstuck.casework.services.causes import category_get
from unstuck.core.errors import DomainError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

#: status → statuses it may move to; a resolved problem reopens when it recurs.
PROBLEM_TRANSITIONS: dict[str, frozenset[str]] = {
    ProblemStatus.OPEN: frozenset({ProblemStatus.FIX_IN_PROGRESS, ProblemStatus.RESOLVED}),
    ProblemStatus.FIX_IN_PROGRESS: frozenset({ProblemStatus.OPEN, ProblemStatus.RESOLVED}),
    ProblemStatus.RESOLVED: frozenset({ProblemStatus.OPEN}),
}


def user_by_name(username: str, field: str = "owner") -> User:
    """The active user `username`, or DomainError `user_not_found` naming the field."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise DomainError(
            "user_not_found", f"No active user {username!r}.", status=404, details={"field": field}
        )
    return user


def _problem_locked(problem_id: int) -> Problem:
    problem = Problem.objects.select_for_update().filter(pk=problem_id).first()
    if problem is None:
        raise DomainError("problem_not_found", f"No problem {problem_id}.", status=404)
    return problem


@transaction.atomic
def problem_create(
    *,
    actor: User,
    title: str,
    owner_username: str,
    description: str = "",
    fix_plan: str = "",
    cause_category: str | None = None,
) -> Problem:
    """Open a problem (supervisors and admins), owned by a named person."""
    require_supervisor(actor, "open problems")
    title = title.strip()
    if not title:
        raise DomainError("missing_field", "A problem needs a title.", details={"field": "title"})
    owner = user_by_name(owner_username)
    category = category_get(cause_category) if cause_category else None
    problem = Problem.objects.create(
        title=title[:300],
        description=description.strip()[:10_000],
        fix_plan=fix_plan.strip()[:10_000],
        cause_category=category,
        owner=owner,
        created_by=actor,
        created_at=timezone.now(),
    )
    problem.number = f"P-{problem.pk:05d}"
    Problem.objects.filter(pk=problem.pk).update(number=problem.number)
    return problem


@transaction.atomic
def problem_update(
    *, problem_id: int, actor: User, status: str | None = None, fix_plan: str | None = None
) -> Problem:
    """Move a problem along open → fix in progress → resolved, or revise its fix plan: its owner,
    supervisors and admins."""
    require_writer(actor)
    problem = _problem_locked(problem_id)
    if problem.owner_id != actor.pk and not user_is_supervisor(actor):
        raise DomainError("forbidden", "Only the problem's owner or a supervisor may change it.", status=403)
    fields = []
    if status is not None and status != problem.status:
        if status not in ProblemStatus.values:
            raise DomainError(
                "invalid_status", f"Unknown status {status!r}; use one of: {', '.join(ProblemStatus.values)}."
            )
        if status not in PROBLEM_TRANSITIONS[problem.status]:
            raise DomainError(
                "invalid_transition", f"A problem cannot go from {problem.status} to {status}.", 409
            )
        problem.status = status
        problem.resolved_at = timezone.now() if status == ProblemStatus.RESOLVED else None
        fields += ["status", "resolved_at"]
    if fix_plan is not None:
        problem.fix_plan = fix_plan.strip()[:10_000]
        fields.append("fix_plan")
    if fields:
        problem.save(update_fields=fields)
    return problem


@transaction.atomic
def problem_case_link(*, problem_id: int, case_id: int, actor: User) -> ProblemCase:
    """Link a case to the problem behind it (a case has one problem; linking again moves it)."""
    case = case_lock(case_id)
    problem = Problem.objects.filter(pk=problem_id).first()
    if problem is None:
        raise DomainError("problem_not_found", f"No problem {problem_id}.", status=404)
    link = ProblemCase.objects.filter(case=case).select_related("problem").first()
    previous = link.problem.number if link is not None else None
    if link is not None and link.problem_id == problem.pk:
        return link
    now = timezone.now()
    link, _created = ProblemCase.objects.update_or_create(
        case=case, defaults={"problem": problem, "linked_by": actor, "linked_at": now}
    )
    timeline_append(
        case=case,
        kind="problem_linked",
        actor=actor,
        at=now,
        data={"problem": problem.number, "previous": previous},
        message=_("Linked to problem %(number)s: %(title)s")
        % {"number": problem.number, "title": problem.title},
    )
    return link


@transaction.atomic
def action_item_add(
    *,
    actor: User,
    title: str,
    owner_username: str,
    due_date: date,
    problem_id: int | None = None,
    case_id: int | None = None,
) -> ActionItem:
    """Add an action item (owner + due date). On a problem: its owner or a supervisor; on a case:
    anyone who may change the case (the case's timeline records it); on neither: a supervisor."""
    require_writer(actor)
    title = title.strip()
    if not title:
        raise DomainError("missing_field", "An action item needs a title.", details={"field": "title"})
    owner = user_by_name(owner_username)
    problem = None
    if problem_id is not None:
        problem = Problem.objects.filter(pk=problem_id).first()
        if problem is None:
            raise DomainError("problem_not_found", f"No problem {problem_id}.", status=404)
        if problem.owner_id != actor.pk and not user_is_supervisor(actor):
            raise DomainError(
                "forbidden", "Only the problem's owner or a supervisor adds its action items.", 403
            )
    elif case_id is None:
        require_supervisor(actor, "add action items outside a problem or case")
    case = case_lock(case_id) if case_id is not None else None
    now = timezone.now()
    item = ActionItem.objects.create(
        title=title[:300],
        owner=owner,
        due_date=due_date,
        problem=problem,
        case=case,
        created_by=actor,
        created_at=now,
    )
    if case is not None:
        timeline_append(
            case=case,
            kind="action_item_added",
            actor=actor,
            at=now,
            data={"action_item": item.pk, "owner": owner.get_username(), "due": due_date.isoformat()},
            message=_("Action item for %(owner)s by %(due)s: %(title)s")
            % {"owner": owner.get_username(), "due": due_date.isoformat(), "title": item.title},
        )
    return item


@transaction.atomic
def action_item_complete(*, action_item_id: int, actor: User) -> ActionItem:
    """Mark an action item done: its owner, or a supervisor or admin."""
    require_writer(actor)
    case_id = ActionItem.objects.filter(pk=action_item_id).values_list("case_id", flat=True).first()
    case = case_lock(case_id) if case_id is not None else None
    item = ActionItem.objects.select_for_update().filter(pk=action_item_id).first()
    if item is None:
        raise DomainError("action_item_not_found", f"No action item {action_item_id}.", status=404)
    if item.done_at is not None:
        raise DomainError("already_done", f"“{item.title}” is already done.", status=409)
    if item.owner_id != actor.pk and not user_is_supervisor(actor):
        raise DomainError(
            "forbidden", "Only the action item's owner or a supervisor completes it.", status=403
        )
    now = timezone.now()
    item.done_at, item.done_by = now, actor
    item.save(update_fields=["done_at", "done_by"])
    if case is not None:
        timeline_append(
            case=case,
            kind="action_item_done",
            actor=actor,
            at=now,
            data={"action_item": item.pk},
            message=_("Action item done: %(title)s") % {"title": item.title},
        )
    return item
