"""QA pages (质检): samples to score, scoring one, an agent's scores over time and coaching notes.

Thin: parse, call one selector or service, render. Errors from services are shown on the page.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.accounts.http import sign_in_required
from unstuck.core.errors import DomainError
from unstuck.insights.qa import (
    ActionItemIn,
    coaching_note_add,
    may_coach,
    qa_review_submit,
    supervised_team_ids,
)
from unstuck.insights.selectors_qa import (
    coaching_notes,
    qa_agent_scores,
    qa_agents_overview,
    qa_sample_get,
    qa_samples,
)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@sign_in_required
def qa_view(request: HttpRequest) -> HttpResponse:
    """Today's work: unscored samples of the last week, recent reviews, and the agents' averages."""
    user = _user(request)
    since = timezone.localdate() - timedelta(days=7)
    context = {
        "nav": "qa",
        "pending": list(qa_samples(user=user, since=since, pending=True)[:200]),
        "recent": list(qa_samples(user=user, since=since).filter(review__isnull=False)[:50]),
        "agents": qa_agents_overview(user=user),
        "scores_anyone": supervised_team_ids(user) != set(),
    }
    return render(request, "insights/qa.html", context)


def _parse_scores(request: HttpRequest, keys: list[str]) -> dict[str, int]:
    scores: dict[str, int] = {}
    for key in keys:
        raw = request.POST.get(f"score:{key}", "").strip()
        if not raw:
            continue  # the service names the missing criterion
        try:
            scores[key] = int(raw)
        except ValueError:
            raise DomainError(
                "invalid_score", _("“%(value)s” is not a whole number.") % {"value": raw}
            ) from None
    return scores


@sign_in_required
def qa_review_view(request: HttpRequest, sample_id: int) -> HttpResponse:
    """Score one sample (supervisors of its team); others may read the review."""
    user = _user(request)
    try:
        sample = qa_sample_get(user=user, sample_id=sample_id)
    except DomainError:
        raise Http404 from None
    criteria = list(sample.rubric.criteria.all())
    error = ""
    if request.method == "POST":
        keys = [criterion.key for criterion in criteria]
        try:
            qa_review_submit(
                actor=user,
                sample_id=sample.pk,
                scores=_parse_scores(request, keys),
                comments={key: request.POST.get(f"comment:{key}", "") for key in keys},
                comment=request.POST.get("comment", ""),
            )
            return redirect("insights:qa")
        except DomainError as refused:
            error = refused.message
    existing = {}
    if hasattr(sample, "review"):
        existing = {score.criterion_id: score for score in sample.review.scores.all()}
    rows = [{"criterion": c, "score": existing.get(c.pk), "range": range(c.max_score + 1)} for c in criteria]
    context = {
        "nav": "qa",
        "sample": sample,
        "rows": rows,
        "error": error,
        "posted": request.POST if error else {},
        "can_score": may_coach(user, sample.agent_id) and sample.agent_id != user.pk,
    }
    return render(request, "insights/qa_review.html", context, status=400 if error else 200)


def _action_items(request: HttpRequest) -> list[ActionItemIn]:
    items = []
    for title, due in zip(
        request.POST.getlist("action_title"), request.POST.getlist("action_due"), strict=False
    ):
        if not title.strip():
            continue
        try:
            items.append(ActionItemIn(title=title.strip(), due_date=date.fromisoformat(due)))
        except ValueError:
            raise DomainError(
                "invalid_date",
                _("Action item “%(title)s”: give a due date like 2026-12-31.") % {"title": title},
            ) from None
    return items


@sign_in_required
def qa_agent_view(request: HttpRequest, agent_id: int) -> HttpResponse:
    """An agent's scores over time, per criterion, and 1:1 coaching notes (supervisors add them)."""
    user = _user(request)
    try:
        scores = qa_agent_scores(user=user, agent_id=agent_id)
    except DomainError:
        raise Http404 from None
    error = ""
    if request.method == "POST":
        try:
            coaching_note_add(
                actor=user,
                agent_id=agent_id,
                text=request.POST.get("text", ""),
                action_items=_action_items(request),
            )
            return redirect("insights:qa_agent", agent_id=agent_id)
        except DomainError as refused:
            error = refused.message
    context = {
        "nav": "qa",
        "scores": scores,
        "notes": list(coaching_notes(user=user, agent_id=agent_id)[:50]),
        "can_coach": may_coach(user, agent_id) and agent_id != user.pk,
        "error": error,
        "today": timezone.localdate(),
    }
    return render(request, "insights/qa_agent.html", context, status=400 if error else 200)
