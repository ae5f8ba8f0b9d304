"""Writes for a case's cause (category, text, 5 whys) and its review notes at resolution."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.cases.lifecycle import FINISHED
from unstuck.cases.models import Case
from unstuck.cases.services import case_lock
from unstuck.cases.timeline import timeline_append
from unstuck.casework.models import MAX_WHYS, ActionItem, CaseCause, CaseReview, CauseCategory
from unstuck.casework.services.playbooks import checklist_instantiate
from unstuck.core.errors import DomainError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_WHY_LENGTH = 1000


def category_get(key: str) -> CauseCategory:
    """The active cause category `key`, or DomainError `unknown_cause_category` listing the keys."""
    category = CauseCategory.objects.filter(key=key, active=True).first()
    if category is None:
        keys = ", ".join(CauseCategory.objects.filter(active=True).values_list("key", flat=True))
        raise DomainError("unknown_cause_category", f"Unknown cause category {key!r}; use one of: {keys}.")
    return category


def whys_clean(whys: list[str]) -> list[str]:
    """The 5-whys chain without blank answers; more than five, or an overlong answer, is refused."""
    answers = [why.strip() for why in whys if why and why.strip()]
    if len(answers) > MAX_WHYS:
        raise DomainError(
            "too_many_whys",
            f"A 5-whys chain has at most {MAX_WHYS} answers; {len(answers)} were given.",
            details={"field": "whys", "count": len(answers)},
        )
    for index, answer in enumerate(answers):
        if len(answer) > MAX_WHY_LENGTH:
            raise DomainError(
                "why_too_long",
                f"Why #{index + 1} is {len(answer)} characters; keep each answer under {MAX_WHY_LENGTH}.",
                details={"field": f"whys[{index}]"},
            )
    return answers


def cause_record(
    *, case: Case, category: CauseCategory, text: str, whys: list[str], actor: User | None
) -> CaseCause:
    """Store the locked `case`'s cause (replacing any earlier one) without a timeline entry of its own:
    the callers write one that says in which context it was set."""
    cause, _created = CaseCause.objects.update_or_create(
        case=case,
        defaults={
            "category": category,
            "text": text,
            "whys": whys,
            "set_by": actor,
            "set_at": timezone.now(),
        },
    )
    return cause


@transaction.atomic
def cause_set(
    *, case_id: int, actor: User, category_key: str, text: str = "", whys: list[str] | None = None
) -> CaseCause:
    """Set (or replace) a case's cause; a more specific playbook for that cause replaces the checklist."""
    category = category_get(category_key)
    answers = whys_clean(whys or [])
    text = text.strip()[:5000]
    case = case_lock(case_id)
    previous = CaseCause.objects.filter(case=case).select_related("category").first()
    cause = cause_record(case=case, category=category, text=text, whys=answers, actor=actor)
    data: dict[str, Any] = {"category": category.key, "text": text, "whys": answers}
    if previous is not None:
        data["previous"] = previous.category.key
    message = _("Cause: %(category)s.") % {"category": category.name_zh}
    if text:
        message = f"{message} {text}"
    timeline_append(case=case, kind="cause_set", actor=actor, data=data, message=message)
    checklist_instantiate(case=case, actor=actor, record=True)
    return cause


@transaction.atomic
def case_review_add(
    *,
    case_id: int,
    actor: User,
    notes: str,
    lessons: str = "",
    action_items: list[tuple[str, User, date]] | None = None,
) -> CaseReview:
    """Write the review (复盘) of a resolved or closed case, with optional action items from it."""
    notes = notes.strip()
    if not notes:
        raise DomainError("empty_review", "A review needs notes: what happened and why.")
    case = case_lock(case_id)
    if case.status not in FINISHED:
        raise DomainError(
            "case_not_resolved", "Review a case once it is resolved (the review looks back).", status=409
        )
    now = timezone.now()
    review = CaseReview.objects.create(
        case=case, notes=notes[:10_000], lessons=lessons.strip()[:10_000], reviewed_by=actor, reviewed_at=now
    )
    items = [
        ActionItem(title=title[:300], owner=owner, due_date=due, case=case, created_by=actor, created_at=now)
        for title, owner, due in action_items or []
    ]
    ActionItem.objects.bulk_create(items)
    timeline_append(
        case=case,
        kind="review_added",
        actor=actor,
        at=now,
        data={
            "review": review.pk,
            "action_items": [
                {"title": item.title, "owner": item.owner.get_username(), "due": item.due_date.isoformat()}
                for item in items
            ],
        },
        message=_("Review: %(notes)s") % {"notes": review.notes},
    )
    return review
