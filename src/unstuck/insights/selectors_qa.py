"""Reads for QA: samples to score, an agent's scores over time, coaching notes — permission-aware.

Agents see their own samples, scores and notes; supervisors their teams'; admins and auditors all.
Anything else is simply not found (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Avg, Count, F, FloatField, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from unstuck.accounts.models import Role
from unstuck.accounts.selectors import user_role
from unstuck.core.errors import DomainError
from unstuck.insights.models_qa import CoachingNote, QaReview, QaSample, QaScore
from unstuck.insights.qa import may_coach, review_scope


def qa_samples(*, user: User, since: date | None = None, pending: bool = False) -> QuerySet[QaSample]:
    """Samples `user` may read, newest day first (unscored first within a day when `pending`)."""
    samples = QaSample.objects.filter(review_scope(user)).select_related("case", "agent", "team", "review")
    if since is not None:
        samples = samples.filter(day__gte=since)
    if pending:
        samples = samples.filter(review__isnull=True)
    return samples.order_by("-day", "agent__username", "pk")


def qa_sample_get(*, user: User, sample_id: int) -> QaSample:
    """One sample `user` may read, with its rubric, criteria and review, or DomainError 404."""
    sample = (
        QaSample.objects.filter(review_scope(user))
        .select_related("case", "agent", "team", "rubric", "review", "review__reviewer")
        .prefetch_related("rubric__criteria", "review__scores")
        .filter(pk=sample_id)
        .first()
    )
    if sample is None:
        raise DomainError("sample_not_found", f"No QA sample {sample_id}.", status=404)
    return sample


def _agent_visible(user: User, agent_id: int) -> User:
    agent = User.objects.filter(pk=agent_id).first()
    role = user_role(user)
    allowed = role in {Role.ADMIN, Role.AUDITOR} or agent_id == user.pk or may_coach(user, agent_id)
    if agent is None or not allowed:
        raise DomainError("agent_not_found", f"No agent {agent_id}.", status=404)
    return agent


@dataclass(frozen=True)
class AgentScores:
    """An agent's reviews over time, week by week, and per criterion."""

    agent: User
    reviews: list[QaReview]
    weeks: list[dict[str, Any]]
    criteria: list[dict[str, Any]]
    average: float | None


def qa_agent_scores(*, user: User, agent_id: int, days: int = 90) -> AgentScores:
    """What `agent_id` scored in the last `days` (DomainError 404 if `user` may not see them)."""
    agent = _agent_visible(user, agent_id)
    since = timezone.now() - timedelta(days=days)
    reviews = list(
        QaReview.objects.filter(sample__agent_id=agent_id, reviewed_at__gte=since)
        .select_related("sample", "sample__case", "reviewer")
        .order_by("-sample__day", "-pk")
    )
    weeks: dict[date, list[float]] = {}
    for review in reviews:
        monday = review.sample.day - timedelta(days=review.sample.day.weekday())
        weeks.setdefault(monday, []).append(review.total)
    criteria = (
        QaScore.objects.filter(review__in=reviews)
        .values("criterion__key", "criterion__name", "criterion__name_en", "criterion__max_score")
        .annotate(
            share=Avg(Cast("score", FloatField()) / Cast(F("criterion__max_score"), FloatField())),
            n=Count("pk"),
        )
        .order_by("share")
    )
    return AgentScores(
        agent=agent,
        reviews=reviews,
        weeks=[
            {"week": week, "average": sum(totals) / len(totals), "reviews": len(totals)}
            for week, totals in sorted(weeks.items())
        ],
        criteria=[{**row, "percent": 100 * row["share"]} for row in criteria],
        average=sum(r.total for r in reviews) / len(reviews) if reviews else None,
    )


def qa_agents_overview(*, user: User, days: int = 30) -> list[dict[str, Any]]:
    """Per visible agent: reviews and average total in the last `days`, lowest average first."""
    since = timezone.localdate() - timedelta(days=days)
    rows = (
        QaSample.objects.filter(review_scope(user), day__gte=since)
        .values("agent_id", "agent__username", "agent__first_name", "agent__last_name")
        .annotate(samples=Count("pk"), reviews=Count("review"), average=Avg("review__total"))
        .order_by(F("average").asc(nulls_last=True), "agent__username")
    )
    return [dict(row) for row in rows]


def coaching_notes(*, user: User, agent_id: int) -> QuerySet[CoachingNote]:
    """An agent's coaching notes, newest first (DomainError 404 if `user` may not see them)."""
    _agent_visible(user, agent_id)
    return CoachingNote.objects.filter(agent_id=agent_id).select_related("supervisor").order_by("-on", "-pk")
