"""Reads of the portal. The customer's pages read through a verified link (the link *is* the
permission); staff reads go through the cases app's permission-aware selectors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Avg, Count, Q

from unstuck.cases.lifecycle import OPEN
from unstuck.cases.models import Case
from unstuck.cases.selectors import AnyUser, case_visible
from unstuck.portal.customer_words import (
    Update,
    case_progress,
    customer_time_zone,
    headline,
    honest_update,
    latest_note,
    local_text,
    step_name,
    waits_on_customer,
)
from unstuck.portal.models import SERVQUAL_DIMENSIONS, CaseFollowUp, PortalLink, Survey
from unstuck.portal.services import ConfirmOption, confirmation_options
from unstuck.tracking.models import Item


@dataclass(frozen=True)
class ItemStatus:
    """Everything the customer's status page shows, already in customer words."""

    item: Item
    headline: str
    step: str
    promised_by: str
    update: Update | None
    eta: str
    progress: str
    updated: str
    waits_on_customer: bool


def item_status(*, item: Item, now: datetime) -> ItemStatus:
    """The status page of an item reached through a verified link."""
    case = Case.objects.filter(item=item).order_by("-opened_at", "-pk").first()
    open_case = case if case is not None and case.status in OPEN else None
    zone = customer_time_zone(item)
    update = None
    if open_case is not None or latest_note(item) is not None:
        update = honest_update(item=item, case=open_case, now=now)
    return ItemStatus(
        item=item,
        headline=headline(item, open_case),
        step=step_name(item),
        promised_by=local_text(item.promised_at, zone),
        update=update,
        eta=local_text(update.eta, zone) if update is not None else "",
        progress=case_progress(case) if case is not None else "",
        updated=local_text(item.last_event_at, zone),
        waits_on_customer=waits_on_customer(item),
    )


@dataclass(frozen=True)
class ConfirmPage:
    """What a confirmation link is about: the item, the step, the promised time and any options."""

    item: Item
    step: str
    promised_by: str
    options: list[ConfirmOption]
    still_waiting: bool


def confirm_page(*, link: PortalLink) -> ConfirmPage:
    item = link.item
    zone = customer_time_zone(item)
    return ConfirmPage(
        item=item,
        step=step_name(item) if item.current_step == link.step else link.step,
        promised_by=local_text(item.promised_at, zone),
        options=confirmation_options(item),
        still_waiting=item.current_step == link.step and not item.is_terminal,
    )


def case_survey(*, user: AnyUser, case_id: int) -> Survey | None:
    """The survey of a case `user` may read (None: none sent yet); DomainError 404 for other teams."""
    from unstuck.cases.selectors import case_get

    case = case_get(user=user, case_id=case_id)
    return Survey.objects.filter(case=case).first()


def case_follow_up(*, case: Case) -> CaseFollowUp | None:
    """The follow-up schedule of a case obtained through a permission-aware selector."""
    return CaseFollowUp.objects.select_related("paused_by").filter(case=case).first()


def case_links(*, case: Case, limit: int = 10) -> list[PortalLink]:
    """The newest links given out about a case's item (or the case itself)."""
    if case.item_id is None:
        return list(PortalLink.objects.filter(case=case).order_by("-created_at", "-pk")[:limit])
    return list(PortalLink.objects.filter(item_id=case.item_id).order_by("-created_at", "-pk")[:limit])


@dataclass(frozen=True)
class CsatSummary:
    """Satisfaction over a period, as analytics reads it."""

    invited: int
    answered: int
    response_rate: float | None
    mean_score: float | None
    #: share of answers scoring 4 or 5 (the usual CSAT %), None without answers.
    csat: float | None
    distribution: dict[int, int]
    dimensions: dict[str, float | None] = field(default_factory=dict)


def csat_summary(*, user: AnyUser, since: datetime, until: datetime, team: str | None = None) -> CsatSummary:
    """CSAT of the cases `user` may see whose survey was sent in [since, until), optionally of one
    team: response rate, mean, CSAT % (4–5), score distribution and SERVQUAL means."""
    surveys = Survey.objects.filter(
        case__in=case_visible(user=user), invited_at__gte=since, invited_at__lt=until
    )
    if team:
        surveys = surveys.filter(case__team__key=team)
    answered = surveys.filter(answered_at__isnull=False)
    figures = answered.aggregate(
        answered=Count("pk"),
        mean=Avg("score"),
        happy=Count("pk", filter=Q(score__gte=4)),
        **{name: Avg(name) for name in SERVQUAL_DIMENSIONS},
    )
    invited = surveys.count()
    count = figures["answered"] or 0
    distribution = dict.fromkeys(range(1, 6), 0)
    for score, n in answered.order_by().values("score").annotate(n=Count("pk")).values_list("score", "n"):
        if score in distribution:
            distribution[score] = n
    return CsatSummary(
        invited=invited,
        answered=count,
        response_rate=count / invited if invited else None,
        mean_score=float(figures["mean"]) if figures["mean"] is not None else None,
        csat=figures["happy"] / count if count else None,
        distribution=distribution,
        dimensions={
            name: float(figures[name]) if figures[name] is not None else None for name in SERVQUAL_DIMENSIONS
        },
    )
