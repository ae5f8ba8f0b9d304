"""QA sampling (质检) and coaching: the daily pick of cases to review, scoring them, 1:1 notes.

Each day, once it is over, the worker picks for every agent who handled cases that day a few of
those cases: targeted ones first (escalated, SLA breached, low CSAT, reopened — in that order — then
one touching the agent's weakest criterion), the rest at random; every pick records its reason.
Unused targeted places go to random picks. The run is one transaction and the samples are unique
per (day, agent, case), so a worker killed mid-run leaves nothing behind and a rerun picks again.

Who may score: a supervisor of the sample's team (or an admin); agents read their own scores;
auditors read everything and write nothing.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Avg, F, FloatField, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.accounts.models import Membership, Role
from unstuck.accounts.selectors import user_role
from unstuck.cases.models import Case, SlaState, TimelineEntry
from unstuck.casework.services import action_item_add
from unstuck.core.errors import DomainError
from unstuck.insights.models_qa import (
    CoachingNote,
    QaCriterion,
    QaReason,
    QaReview,
    QaRubric,
    QaSample,
    QaSamplingDay,
    QaScore,
)
from unstuck.portal.models import Survey

#: The sampling run for a day falls due this long after the day ends (late events settle first).
RUN_AFTER_MIDNIGHT = timedelta(hours=1)
#: A criterion is "weak" for an agent when its average is below this share of its highest score.
WEAK_SHARE = 0.7
#: How far back an agent's scores count when finding the weakest criterion.
WEAK_WINDOW = timedelta(days=30)
#: Targeted reasons in the order they are picked.
TARGETED = (QaReason.ESCALATED, QaReason.BREACHED, QaReason.LOW_CSAT, QaReason.REOPENED)
LOW_CSAT_AT_MOST = 2


def active_rubric() -> QaRubric | None:
    """The newest active rubric with its criteria."""
    return QaRubric.objects.filter(active=True).prefetch_related("criteria").order_by("-pk").first()


def _day_window(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def _agents(user_ids: set[int]) -> dict[int, User]:
    users = User.objects.filter(pk__in=user_ids, is_active=True).select_related("profile")
    return {user.pk: user for user in users if user_role(user) == Role.AGENT}


def _handled(day: date) -> dict[int, set[int]]:
    """Case ids each user worked on during `day`: wrote on its timeline, or owned it as it resolved."""
    start, end = _day_window(day)
    handled: dict[int, set[int]] = defaultdict(set)
    entries = TimelineEntry.objects.filter(at__gte=start, at__lt=end, actor__isnull=False)
    for case_id, actor_id in entries.values_list("case_id", "actor_id").distinct():
        handled[actor_id].add(case_id)
    resolved = Case.objects.filter(resolved_at__gte=start, resolved_at__lt=end, owner__isnull=False)
    for case_id, owner_id in resolved.values_list("pk", "owner_id"):
        handled[owner_id].add(case_id)
    return handled


def _low_csat(case_ids: set[int]) -> set[int]:
    """Cases whose survey (the portal's) scored low."""
    rows = Survey.objects.filter(case_id__in=case_ids, score__lte=LOW_CSAT_AT_MOST).values_list(
        "case_id", flat=True
    )
    return set(rows)


def _signals(case_ids: set[int]) -> dict[str, set[int]]:
    kinds = TimelineEntry.objects.filter(case_id__in=case_ids, kind__in=["escalated", "reopened"])
    by_kind: dict[str, set[int]] = defaultdict(set)
    for case_id, kind in kinds.values_list("case_id", "kind").distinct():
        by_kind[kind].add(case_id)
    breached = Case.objects.filter(pk__in=case_ids, sla_state=SlaState.BREACHED).values_list("pk", flat=True)
    return {
        QaReason.ESCALATED: by_kind["escalated"],
        QaReason.BREACHED: set(breached),
        QaReason.LOW_CSAT: _low_csat(case_ids),
        QaReason.REOPENED: by_kind["reopened"],
    }


def weakest_criterion(
    *, agent_id: int, rubric: QaRubric, until: datetime
) -> tuple[QaCriterion, float] | None:
    """The agent's lowest-scoring criterion over the last WEAK_WINDOW (average as a share of its
    highest score), if it is below WEAK_SHARE."""
    averages = (
        QaScore.objects.filter(
            review__sample__agent_id=agent_id,
            review__reviewed_at__gte=until - WEAK_WINDOW,
            review__reviewed_at__lt=until,
            criterion__rubric=rubric,
        )
        .values("criterion_id")
        .annotate(share=Avg(Cast("score", FloatField()) / Cast(F("criterion__max_score"), FloatField())))
        .order_by("share", "criterion_id")
    )
    lowest = averages.first()
    if lowest is None or lowest["share"] >= WEAK_SHARE:
        return None
    return QaCriterion.objects.get(pk=lowest["criterion_id"]), float(lowest["share"])


@dataclass(frozen=True)
class Pick:
    """One case chosen for review and why."""

    case_id: int
    reason: str
    detail: str = ""


def picks_for_agent(
    *,
    case_ids: set[int],
    signals: dict[str, set[int]],
    rubric: QaRubric,
    weak: tuple[QaCriterion, float] | None,
    rng: random.Random,
) -> list[Pick]:
    """Targeted picks first (one reason each, in TARGETED order, then the weakest criterion), then random."""
    picks: list[Pick] = []
    left = set(case_ids)
    for reason in TARGETED:
        for case_id in sorted(signals[reason] & left):
            if len(picks) >= rubric.targeted_per_agent:
                break
            picks.append(Pick(case_id, reason))
            left.discard(case_id)
    if weak is not None and left and len(picks) < rubric.targeted_per_agent:
        criterion, share = weak
        case_id = rng.choice(sorted(left))
        picks.append(Pick(case_id, QaReason.WEAK_CRITERION, f"{criterion.name} {share:.0%}"))
        left.discard(case_id)
    room = rubric.random_per_agent + (rubric.targeted_per_agent - len(picks))
    for case_id in rng.sample(sorted(left), min(room, len(left))):
        picks.append(Pick(case_id, QaReason.RANDOM))
    return picks


def qa_sample_day(*, day: date, now: datetime | None = None) -> int:
    """Pick `day`'s QA samples for every agent who handled cases (inside the caller's transaction
    or its own); returns how many were picked. Picking a day twice adds nothing."""
    now = now or timezone.now()
    rubric = active_rubric()
    if rubric is None:
        return 0
    handled = _handled(day)
    agents = _agents(set(handled))
    all_cases = {case_id for agent_id in agents for case_id in handled[agent_id]}
    signals = _signals(all_cases)
    teams = dict(Case.objects.filter(pk__in=all_cases).values_list("pk", "team_id"))
    end = _day_window(day)[1]
    done = set(QaSample.objects.filter(day=day).values_list("agent_id", flat=True).distinct())
    rows = []
    for agent_id in sorted(set(agents) - done):
        rng = random.Random(f"{day.isoformat()}:{agent_id}")
        weak = weakest_criterion(agent_id=agent_id, rubric=rubric, until=end)
        for pick in picks_for_agent(
            case_ids=handled[agent_id], signals=signals, rubric=rubric, weak=weak, rng=rng
        ):
            rows.append(
                QaSample(
                    day=day, case_id=pick.case_id, agent_id=agent_id, team_id=teams.get(pick.case_id),
                    rubric=rubric, reason=pick.reason, reason_detail=pick.detail, picked_at=now,
                )
            )  # fmt: skip
    with transaction.atomic():
        before = QaSample.objects.filter(day=day).count()
        QaSample.objects.bulk_create(rows, ignore_conflicts=True)
        return QaSample.objects.filter(day=day).count() - before


def qa_sampling_due(*, now: datetime | None = None) -> int:
    """The worker's job: make sure yesterday has a sampling run, and do every run that fell due."""
    now = now or timezone.now()
    yesterday = timezone.localdate(now) - timedelta(days=1)
    if not QaSamplingDay.objects.filter(day=yesterday).exists():
        QaSamplingDay.objects.get_or_create(
            day=yesterday, defaults={"due_at": _day_window(yesterday)[1] + RUN_AFTER_MIDNIGHT}
        )
    picked = 0
    with transaction.atomic():
        runs = QaSamplingDay.objects.filter(done_at__isnull=True, due_at__lte=now).order_by("due_at")
        if connection.features.has_select_for_update_skip_locked:
            runs = runs.select_for_update(skip_locked=True)
        for run in list(runs[:7]):
            count = qa_sample_day(day=run.day, now=now)
            QaSamplingDay.objects.filter(pk=run.pk).update(done_at=now, picked=count)
            picked += count
    return picked


# --- who may do what ---------------------------------------------------------------------------


def supervised_team_ids(user: User) -> set[int] | None:
    """Teams whose agents `user` may score and coach; None means every team (admins)."""
    role = user_role(user)
    if role == Role.ADMIN:
        return None
    if role == Role.AUDITOR:
        return set()
    memberships = Membership.objects.filter(user_id=user.pk)
    if role == Role.SUPERVISOR:
        return set(memberships.exclude(role=Role.AGENT).values_list("team_id", flat=True))
    return set(memberships.filter(role=Role.SUPERVISOR).values_list("team_id", flat=True))


def may_coach(user: User, agent_id: int) -> bool:
    """Whether `user` supervises a team `agent_id` belongs to (admins: anyone)."""
    teams = supervised_team_ids(user)
    if teams is None:
        return True
    return bool(teams) and Membership.objects.filter(user_id=agent_id, team_id__in=teams).exists()


def _require_scorer(user: User, sample: QaSample) -> None:
    teams = supervised_team_ids(user)
    if teams is None:
        return
    if user_role(user) == Role.AUDITOR:
        raise DomainError("forbidden", _("Auditors can read QA reviews but not score them."), status=403)
    if sample.agent_id == user.pk or sample.team_id not in teams:
        raise DomainError("forbidden", _("Only a supervisor of this case's team scores it."), status=403)


# --- writes -------------------------------------------------------------------------------------


def qa_review_submit(
    *,
    actor: User,
    sample_id: int,
    scores: dict[str, int],
    comments: dict[str, str] | None = None,
    comment: str = "",
) -> QaReview:
    """Score a sample: every criterion of its rubric from 0 to its highest score (a criterion comment
    each, optional), and the weighted total 0–100. Scoring again replaces the earlier scores."""
    comments = comments or {}
    with transaction.atomic():
        sample = QaSample.objects.select_for_update().select_related("rubric").filter(pk=sample_id).first()
        if sample is None:
            raise DomainError("sample_not_found", _("No QA sample %(id)s.") % {"id": sample_id}, status=404)
        _require_scorer(actor, sample)
        criteria = list(sample.rubric.criteria.all())
        known = {criterion.key for criterion in criteria}
        unknown = sorted(set(scores) - known)
        if unknown:
            raise DomainError(
                "unknown_criterion",
                _("Unknown criterion %(keys)s; this rubric has %(known)s.")
                % {"keys": ", ".join(unknown), "known": ", ".join(sorted(known))},
            )
        for criterion in criteria:
            value = scores.get(criterion.key)
            if value is None:
                raise DomainError(
                    "missing_field",
                    _("Score “%(name)s” (%(key)s).") % {"name": criterion.name, "key": criterion.key},
                )
            if not 0 <= value <= criterion.max_score:
                raise DomainError(
                    "invalid_score",
                    _("“%(name)s” is scored from 0 to %(max)d, not %(value)d.")
                    % {"name": criterion.name, "max": criterion.max_score, "value": value},
                )
        weights = sum(criterion.weight for criterion in criteria)
        total = 100 * sum(c.weight * scores[c.key] / c.max_score for c in criteria) / weights
        now = timezone.now()
        review, _created = QaReview.objects.update_or_create(
            sample=sample,
            defaults={
                "reviewer": actor,
                "total": round(total, 2),
                "comment": comment.strip(),
                "reviewed_at": now,
            },
        )
        QaScore.objects.filter(review=review).delete()
        QaScore.objects.bulk_create(
            QaScore(review=review, criterion=c, score=scores[c.key], comment=comments.get(c.key, "")[:500])
            for c in criteria
        )
        return review


@dataclass(frozen=True)
class ActionItemIn:
    """An action item to create with a coaching note: what, and by when (the agent owns it)."""

    title: str
    due_date: date


def coaching_note_add(
    *,
    actor: User,
    agent_id: int,
    text: str,
    on: date | None = None,
    action_items: list[ActionItemIn] | None = None,
) -> CoachingNote:
    """Write a 1:1 coaching note for an agent the actor supervises; action items (owned by the agent)
    go through the casework app and are linked by id."""
    text = text.strip()
    if not text:
        raise DomainError("missing_field", _("Write the coaching note (`text`)."))
    if user_role(actor) == Role.AUDITOR or not may_coach(actor, agent_id):
        raise DomainError(
            "forbidden", _("Only a supervisor of the agent's team writes coaching notes."), status=403
        )
    agent = User.objects.filter(pk=agent_id).first()
    if agent is None:
        raise DomainError("agent_not_found", _("No user %(id)s.") % {"id": agent_id}, status=404)
    with transaction.atomic():
        note = CoachingNote.objects.create(
            agent=agent, supervisor=actor, on=on or timezone.localdate(), text=text
        )
        if action_items:
            note.action_item_ids = _action_items_create(actor=actor, agent=agent, items=action_items)
            note.save(update_fields=["action_item_ids"])
    return note


def _action_items_create(*, actor: User, agent: User, items: list[ActionItemIn]) -> list[int]:
    return [
        action_item_add(
            actor=actor, title=item.title, owner_username=agent.get_username(), due_date=item.due_date
        ).pk
        for item in items
    ]


def review_scope(user: User) -> Q:
    """Which samples `user` may read: own (agents), their teams' (supervisors), all (admins, auditors)."""
    role = user_role(user)
    if role in {Role.ADMIN, Role.AUDITOR}:
        return Q()
    teams = supervised_team_ids(user) or set()
    return Q(agent_id=user.pk) | Q(team_id__in=teams)
