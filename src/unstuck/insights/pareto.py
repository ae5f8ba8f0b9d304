"""Root-cause Pareto for the bottleneck page: cause categories of one process's cases in a period,
ranked three ways — by how many cases, by how much time they lost, by what their remedies cost.

- cases: the cases of the process opened in `[since, until)` (of the team, when one is chosen) that
  the user may see; a case's category is the one its owner recorded, else its item's (as in the brief).
- time lost: each case's open time, from its opening to its resolution or, still open, to `until`.
- remedy cost: the amounts of the cases' remedies that were not rejected, per currency (amounts in
  different currencies are never added, so each currency has its own ranking).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Sum

from unstuck.cases.selectors import AnyUser, case_visible
from unstuck.casework.models import Remedy, RemedyStatus
from unstuck.insights.brief_sections import _recorded_causes, cause_names


@dataclass(frozen=True)
class ParetoRow:
    """One cause category's part of a ranking (`value` in its unit), and the running share."""

    category: str
    name: str
    value: float
    share: float
    cumulative_share: float


@dataclass(frozen=True)
class CauseParetos:
    """The three rankings; `cost` has one ranking per currency."""

    cases: int
    by_count: list[ParetoRow]
    by_hours: list[ParetoRow]
    by_cost: dict[str, list[ParetoRow]]


def _ranked(values: dict[str, float], names: dict[str, str]) -> list[ParetoRow]:
    total = sum(values.values())
    rows, running = [], 0.0
    for category, value in sorted(values.items(), key=lambda pair: (-pair[1], pair[0])):
        if value <= 0:
            continue
        running += value
        rows.append(
            ParetoRow(
                category=category,
                name=names.get(category, category),
                value=round(value, 2),
                share=round(value / total, 3),
                cumulative_share=round(running / total, 3),
            )
        )
    return rows


def cause_paretos(
    *, user: AnyUser, process: str, since: datetime, until: datetime, team: str = ""
) -> CauseParetos:
    """Pareto of the cause categories of the period's cases by count, by hours lost, by remedy cost."""
    cases = case_visible(user=user).filter(process__key=process, opened_at__gte=since, opened_at__lt=until)
    if team:
        cases = cases.filter(team__key=team)
    recorded = _recorded_causes(cases)
    category_of: dict[int, str] = {}
    count: dict[str, float] = defaultdict(float)
    hours: dict[str, float] = defaultdict(float)
    for pk, attrs, opened_at, resolved_at in cases.values_list(
        "pk", "item__attrs", "opened_at", "resolved_at"
    ):
        category = recorded.get(pk) or str((attrs or {}).get("cause_category") or "") or "unknown"
        category_of[pk] = category
        count[category] += 1
        ended = min(resolved_at, until) if resolved_at is not None else until
        hours[category] += max((ended - opened_at).total_seconds(), 0.0) / 3600
    cost: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    remedies = (
        Remedy.objects.filter(case__in=cases, amount__isnull=False)
        .exclude(status=RemedyStatus.REJECTED)
        .values_list("case_id", "currency")
        .annotate(total=Sum("amount"))
        .values_list("case_id", "currency", "total")
    )
    for case_id, currency, total in remedies:
        cost[currency][category_of.get(case_id, "unknown")] += float(total or Decimal(0))
    names = cause_names()
    return CauseParetos(
        cases=len(category_of),
        by_count=_ranked(count, names),
        by_hours=_ranked(hours, names),
        by_cost={currency: _ranked(values, names) for currency, values in sorted(cost.items())},
    )
