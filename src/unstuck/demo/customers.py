"""The demo's customers answering the satisfaction surveys they were sent, in simulated time.

Some customers answer the survey a resolved case sent them, a while after it arrived, through the
same link and service as a real answer on the survey page; the others never do. Scores lean lower
when the case was reopened or missed its SLA, and a few agents' customers are less pleased than the
rest, so the morning brief's CSAT and its agent table have something true to say.

Every choice is drawn from an RNG seeded by the case number (and the owner's username), so the same
seed always gives the same answers.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef

from unstuck.cases.models import SlaClock, TimelineEntry
from unstuck.portal.links import link_token
from unstuck.portal.models import SERVQUAL_DIMENSIONS, PortalLink, Survey
from unstuck.portal.services import survey_answer

LOCAL = ZoneInfo("Asia/Shanghai")
#: Share of invited customers who ever answer.
ANSWER_SHARE = 0.45
#: A customer answers within this long of the invitation, or not at all.
ANSWER_WITHIN = timedelta(hours=30)
#: Share of agents whose customers are noticeably less pleased (the brief should flag them).
LESS_PLEASED_SHARE = 0.15
#: Share of answers that also rate the five SERVQUAL dimensions.
DIMENSIONS_SHARE = 0.3

COMMENTS: dict[int, tuple[str, ...]] = {
    1: ("等了很久都没有人主动联系我", "问题反复出现，非常失望"),
    2: ("处理太慢了，催了好几次", "说好的时间没有做到"),
    3: ("问题解决了，但过程有点曲折", ""),
    4: ("客服态度很好，就是时间长了点", "解决了，谢谢", ""),
    5: ("响应很快，问题一次就解决了", "非常满意，感谢耐心解释", ""),
}


def _waking(now: datetime) -> bool:
    return 8 <= now.astimezone(LOCAL).hour < 23


def _score(rng: random.Random, *, troubled: bool, less_pleased: bool) -> int:
    weights: list[float] = [3, 5, 12, 35, 45]  # 1 … 5
    if troubled:
        weights = [15, 20, 30, 25, 10]
    if less_pleased:
        weights = [w * f for w, f in zip(weights, (4, 4, 2, 1, 0.4), strict=True)]
    return rng.choices(range(1, 6), weights=weights)[0]


def customers_answer(*, now: datetime, seed: int) -> int:
    """Let the customers who will answer a survey sent before `now` do so; returns answers given."""
    if not _waking(now):
        return 0
    reopened = TimelineEntry.objects.filter(case=OuterRef("case_id"), kind=TimelineEntry.Kind.REOPENED)
    breached = SlaClock.objects.filter(case=OuterRef("case_id"), breached_at__isnull=False)
    surveys = (
        Survey.objects.filter(
            answered_at__isnull=True, invited_at__lte=now, invited_at__gte=now - ANSWER_WITHIN
        )
        .select_related("case__owner")
        .annotate(reopened=Exists(reopened), breached=Exists(breached))
        .order_by("pk")
    )
    answers = 0
    for survey in surveys:
        case = survey.case
        rng = random.Random(f"{seed}:{case.number or case.pk}:survey")
        if rng.random() >= ANSWER_SHARE or now < survey.invited_at + ANSWER_WITHIN * rng.random():
            continue
        link = PortalLink.objects.filter(kind=PortalLink.Kind.SURVEY, case=case).order_by("pk").first()
        if link is None or link.expires_at <= now:
            continue  # no link reached the customer (no channel), or it lapsed
        owner = case.owner.username if case.owner else ""
        less_pleased = random.Random(f"{seed}:{owner}:csat").random() < LESS_PLEASED_SHARE
        troubled = bool(getattr(survey, "reopened", False) or getattr(survey, "breached", False))
        score = _score(rng, troubled=troubled, less_pleased=less_pleased)
        dimensions: dict[str, object] | None = (
            {name: max(1, min(5, score + rng.choice((-1, 0, 0, 1)))) for name in SERVQUAL_DIMENSIONS}
            if rng.random() < DIMENSIONS_SHARE
            else None
        )
        survey_answer(
            token=link_token(link),
            score=score,
            comment=rng.choice(COMMENTS[score]),
            dimensions=dimensions,
            language="zh-hans",
        )
        answers += 1
    return answers
