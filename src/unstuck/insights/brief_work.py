"""The morning brief's sections about the work on causes: what remedies cost, which problems keep
coming back, which conversations were picked for QA, and which open items are likely to miss their
promise. Same conventions as `insights.brief_sections`: a period `[start, end)`, an optional team
key, a few aggregate queries, plain dataclasses.

Definitions (also in docs/user-guide.md):

- remedy cost: remedies *requested* in the period with an amount, not rejected, summed per
  currency (amounts in different currencies are never added); by remedy kind and by the case's
  cause category; "pending" are those still waiting for a supervisor's decision now.
- recurring problems: problems with at least one case linked in the period; "new links" are those
  links, "cases" all the problem's cases (of the team, for a team brief); open and overdue action
  items are counted as of the end of the period.
- QA picks: the samples picked for the cases handled on the period's last day (the sampling job
  runs once that day is over), per agent with the reason each was picked.
- items at risk: open items with a stored prediction, highest probability of missing first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from unstuck.cases.lifecycle import FINISHED
from unstuck.cases.models import Case
from unstuck.cases.open_filter import open_only
from unstuck.casework.models import ActionItem, Problem, ProblemCase, Remedy, RemedyKind, RemedyStatus
from unstuck.insights.brief_sections import cause_names, of_team
from unstuck.insights.models_ml import ItemPrediction
from unstuck.insights.models_qa import QaReason, QaSample
from unstuck.insights.models_recurring import CauseProposal, CauseProposalStatus
from unstuck.tracking.models import Item


def _cases(team: str | None) -> QuerySet[Case]:
    cases = Case.objects.all()
    return cases.filter(team__key=team) if team else cases


def _money(value: Decimal | None) -> str:
    return f"{(value or Decimal(0)).quantize(Decimal('0.01'))}"


@dataclass(frozen=True)
class CostRow:
    """One slice of the remedy cost (a kind or a cause category) in one currency."""

    key: str
    name: str
    currency: str
    remedies: int
    amount: str


@dataclass(frozen=True)
class CurrencyCost:
    """The period's remedy cost in one currency, against the period before."""

    currency: str
    remedies: int
    amount: str
    previous_amount: str
    pending: int
    pending_amount: str


@dataclass(frozen=True)
class RemedyCost:
    """What remedies cost in the period: per currency, by kind, by cause."""

    totals: list[CurrencyCost]
    by_kind: list[CostRow]
    by_cause: list[CostRow]


def _remedies(*, start: datetime, end: datetime, team: str | None) -> QuerySet[Remedy]:
    return of_team(
        Remedy.objects.filter(requested_at__gte=start, requested_at__lt=end, amount__isnull=False), team
    ).exclude(status=RemedyStatus.REJECTED)


_SUM = Coalesce(Sum("amount"), Decimal(0), output_field=DecimalField(max_digits=14, decimal_places=2))


def _costliest(row: CostRow) -> tuple[str, Decimal, str]:
    return (row.currency, -Decimal(row.amount), row.key)


def remedy_cost(*, start: datetime, end: datetime, previous_start: datetime, team: str | None) -> RemedyCost:
    """The cost of the remedies requested in the period (rejected ones cost nothing)."""
    now = _remedies(start=start, end=end, team=team)
    before = dict(
        _remedies(start=previous_start, end=start, team=team)
        .values_list("currency")
        .annotate(total=_SUM)
        .order_by("currency")
    )
    pending = {
        currency: (n, total)
        for currency, n, total in now.filter(status=RemedyStatus.PENDING)
        .values_list("currency")
        .annotate(n=Count("id"), total=_SUM)
        .values_list("currency", "n", "total")
    }
    current = {
        currency: (n, total)
        for currency, n, total in now.values_list("currency")
        .annotate(n=Count("id"), total=_SUM)
        .values_list("currency", "n", "total")
    }
    totals = [
        CurrencyCost(
            currency=currency,
            remedies=current.get(currency, (0, None))[0],
            amount=_money(current.get(currency, (0, None))[1]),
            previous_amount=_money(before.get(currency)),
            pending=pending.get(currency, (0, None))[0],
            pending_amount=_money(pending.get(currency, (0, None))[1]),
        )
        for currency in sorted(set(current) | set(before))
    ]
    kinds = dict(RemedyKind.choices)
    by_kind = [
        CostRow(
            key=kind, name=str(kinds.get(kind, kind)), currency=currency, remedies=n, amount=_money(total)
        )
        for kind, currency, n, total in now.values_list("kind", "currency")
        .annotate(n=Count("id"), total=_SUM)
        .values_list("kind", "currency", "n", "total")
    ]
    names = cause_names()
    by_cause = []
    for key, currency, n, total in (
        now.values_list("case__cause__category__key", "currency")
        .annotate(n=Count("id"), total=_SUM)
        .values_list("case__cause__category__key", "currency", "n", "total")
    ):
        category = key or "unknown"
        by_cause.append(
            CostRow(
                key=category,
                name=names.get(category, category),
                currency=currency,
                remedies=n,
                amount=_money(total),
            )
        )
    return RemedyCost(
        totals=totals, by_kind=sorted(by_kind, key=_costliest), by_cause=sorted(by_cause, key=_costliest)
    )


@dataclass(frozen=True)
class ProblemRow:
    """A problem whose cases kept coming in the period."""

    number: str
    title: str
    status: str
    owner: str
    cause: str
    new_links: int
    cases: int
    open_action_items: int
    overdue_action_items: int


def recurring_problems(
    *, start: datetime, end: datetime, last_day: date, team: str | None
) -> list[ProblemRow]:
    """Problems with cases (of the team) linked in the period, most new links first."""
    links = of_team(ProblemCase.objects.all(), team)
    new = dict(
        links.filter(linked_at__gte=start, linked_at__lt=end)
        .values_list("problem_id")
        .annotate(n=Count("id"))
    )
    if not new:
        return []
    total = dict(links.filter(problem_id__in=new).values_list("problem_id").annotate(n=Count("id")))
    open_items = ActionItem.objects.filter(problem_id__in=new).filter(
        Q(done_at__isnull=True) | Q(done_at__gte=end)
    )
    opened = dict(open_items.values_list("problem_id").annotate(n=Count("id")))
    overdue = dict(
        open_items.filter(due_date__lt=last_day + timedelta(days=1))
        .values_list("problem_id")
        .annotate(n=Count("id"))
    )
    names = cause_names()
    rows = []
    for pk, number, title, status, owner, cause in Problem.objects.filter(pk__in=new).values_list(
        "pk", "number", "title", "status", "owner__username", "cause_category__key"
    ):
        rows.append(
            ProblemRow(
                number=number or "",
                title=title,
                status=status,
                owner=owner,
                cause=names.get(cause, cause) if cause else "",
                new_links=new[pk],
                cases=total.get(pk, 0),
                open_action_items=opened.get(pk, 0),
                overdue_action_items=overdue.get(pk, 0),
            )
        )
    return sorted(rows, key=lambda row: (-row.new_links, row.number))


@dataclass(frozen=True)
class QaPick:
    """One conversation picked for a supervisor to score, and why."""

    case: str
    title: str
    reason: str
    reason_name: str
    detail: str


@dataclass(frozen=True)
class QaAgentPicks:
    """The conversations picked for one agent."""

    username: str
    name: str
    team: str
    picks: list[QaPick]


def qa_picks(*, day: date, team: str | None) -> list[QaAgentPicks]:
    """The QA samples picked for the cases handled on `day`, per agent."""
    samples = QaSample.objects.filter(day=day)
    if team:
        samples = samples.filter(team__key=team)
    reasons = dict(QaReason.choices)
    by_agent: dict[str, list[QaPick]] = defaultdict(list)
    people: dict[str, tuple[str, str]] = {}
    for username, first, last, team_key, number, title, reason, detail in samples.order_by(
        "agent__username", "reason", "case_id"
    ).values_list(
        "agent__username",
        "agent__first_name",
        "agent__last_name",
        "team__key",
        "case__number",
        "case__title",
        "reason",
        "reason_detail",
    ):
        people[username] = (f"{last}{first}".strip() or username, team_key or "")
        by_agent[username].append(
            QaPick(
                case=number or "",
                title=title,
                reason=reason,
                reason_name=str(reasons.get(reason, reason)),
                detail=detail,
            )
        )
    return [
        QaAgentPicks(username=username, name=people[username][0], team=people[username][1], picks=picks)
        for username, picks in sorted(by_agent.items(), key=lambda pair: (people[pair[0]][1], pair[0]))
    ]


@dataclass(frozen=True)
class RiskRow:
    """An open item likely to miss its promise, by the latest stored prediction."""

    process: str
    item: str
    step: str
    case: str
    team: str
    p_miss: float
    expected_remaining_hours: float
    promised_at: datetime | None
    predicted_at: datetime


def items_at_risk(*, team: str | None, top: int = 10) -> list[RiskRow]:
    """Open items with the highest predicted probability of missing their promise."""
    predictions = ItemPrediction.objects.filter(
        Exists(Item.objects.filter(pk=OuterRef("item_id"), is_terminal=False)), p_miss__isnull=False
    )
    if team:
        open_cases = open_only(Case.objects.filter(team__key=team, item_id=OuterRef("item_id")))
        predictions = predictions.filter(Exists(open_cases))
    # The riskiest first from the predictions alone, in the order of prediction_risk_idx: with the
    # item joined in, SQLite scanned all 1,000,000 items and sorted; then the rows shown.
    riskiest = list(predictions.order_by("-p_miss", "item_id").values_list("pk", flat=True)[:top])
    rows = list(
        ItemPrediction.objects.filter(pk__in=riskiest)
        .order_by("-p_miss", "item_id")
        .values_list(
            "item_id",
            "item__process__key",
            "item__external_id",
            "item__current_step",
            "item__promised_at",
            "p_miss",
            "expected_remaining_seconds",
            "at",
        )
    )
    cases = {
        item_id: (number, team_key)
        for item_id, number, team_key in Case.objects.filter(item_id__in=[row[0] for row in rows])
        .exclude(status__in=sorted(FINISHED))
        .order_by("item_id", "opened_at")  # the newest open case wins
        .values_list("item_id", "number", "team__key")
    }
    return [
        RiskRow(
            process=process,
            item=external,
            step=step,
            case=cases.get(item_id, ("", ""))[0] or "",
            team=cases.get(item_id, ("", ""))[1] or "",
            p_miss=round(p_miss or 0.0, 3),
            expected_remaining_hours=round(remaining / 3600, 1),
            promised_at=promised,
            predicted_at=at,
        )
        for item_id, process, external, step, promised, p_miss, remaining, at in rows
    ]


@dataclass(frozen=True)
class ProposalRow:
    """A recurring cause waiting for a supervisor to make it a problem (or dismiss it)."""

    id: int
    cause: str
    cause_name: str
    process: str
    step: str
    step_name: str
    attribute: str
    value: str
    cases: int
    found_at: datetime


def proposals_of_teams(proposals: list[CauseProposal], teams: list[str] | None) -> list[CauseProposal]:
    """Those of `proposals` with at least one case of `teams` (None: every team)."""
    if teams is None or not proposals:
        return proposals
    ids = {case_id for proposal in proposals for case_id in proposal.case_ids}
    mine = set(Case.objects.filter(pk__in=ids, team__key__in=teams).values_list("pk", flat=True))
    return [p for p in proposals if mine.intersection(p.case_ids)]


def recurring_proposals(*, team: str | None = None, teams: list[str] | None = None) -> list[ProposalRow]:
    """The newest 50 open recurring-cause proposals; for `team` (or any of `teams`), those with at
    least one of its cases."""
    from unstuck.processes.selectors import board_names

    proposals = list(
        CauseProposal.objects.filter(status=CauseProposalStatus.OPEN)
        .select_related("category", "process")
        .order_by("-found_at", "-pk")[:50]
    )
    proposals = proposals_of_teams(proposals, [team] if team else teams)
    names = board_names() if proposals else None
    return [
        ProposalRow(
            id=p.pk,
            cause=p.category.key,
            cause_name=p.category.name,
            process=p.process.key,
            step=p.step,
            step_name=names.step_name(p.process_id, p.step) if names else p.step,
            attribute=p.attribute,
            value=p.value,
            cases=len(p.case_ids),
            found_at=p.found_at,
        )
        for p in proposals
    ]
