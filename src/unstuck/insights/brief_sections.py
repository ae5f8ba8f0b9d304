"""The morning brief's figures, one function per section, each a few aggregate queries over a period.

Every function takes the period `[start, end)` and an optional team key (None: everybody), reads
only rows of that period through indexed columns, and returns plain dataclasses the brief, its page,
its e-mail and its JSON all share. Definitions (also in docs/user-guide.md):

- items: items whose first event falls in the period; stalls: stalls *detected* in it; cases
  opened / resolved: `opened_at` / `resolved_at` in it; backlog: cases opened before the end and
  not resolved by it.
- time lost in a step: for every event in the period, the time since the item's previous event is
  time spent in the previous event's step (the visits that ended in the period), summed per step.
- handling time: from a case's opening to its resolution, for the cases resolved in the period.
- reopen rate: reopenings in the period ÷ cases the agent resolved in the period.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from unstuck.accounts.models import Team
from unstuck.cases.lifecycle import OPEN
from unstuck.cases.models import Case, TimelineEntry
from unstuck.cases.open_filter import open_only
from unstuck.casework.models import CaseCause, CauseCategory
from unstuck.processes.selectors import board_names
from unstuck.stalls.models import Stall
from unstuck.tracking.models import Event, Item


@dataclass(frozen=True)
class Volume:
    """How much happened in the period."""

    items: int
    stalls: int
    cases_opened: int
    cases_resolved: int
    backlog: int
    stalls_by_rule: dict[str, int]


@dataclass(frozen=True)
class StepTime:
    """Time spent in one step by the visits that ended in the period, against the period before."""

    process: str
    step: str
    process_name: str
    step_name: str
    visits: int
    total_hours: float
    mean_hours: float
    median_hours: float
    previous_total_hours: float

    @property
    def change_hours(self) -> float:
        return round(self.total_hours - self.previous_total_hours, 2)


@dataclass(frozen=True)
class CauseRow:
    """One cause category: how many of the period's cases it explains, and the running share."""

    category: str
    name: str
    cases: int
    share: float
    cumulative_share: float


@dataclass(frozen=True)
class TeamRow:
    """One team's day."""

    team: str
    name: str
    stalls: int
    cases_opened: int
    cases_resolved: int
    backlog: int


@dataclass(frozen=True)
class AgentRow:
    """One owner's day, and why they may need a 1:1 (empty when nothing stands out)."""

    username: str
    name: str
    team: str
    handled: int
    median_handling_hours: float | None
    reopened: int
    reopen_rate: float | None
    open_now: int
    breaches: int = 0
    # The surveys answered in the period on the agent's cases: how many, and their mean score.
    csat_answers: int = 0
    csat_mean: float | None = None
    flags: tuple[str, ...] = ()


def _cases(team: str | None) -> QuerySet[Case]:
    cases = Case.objects.all()
    return cases.filter(team__key=team) if team else cases


def of_team(rows: QuerySet[Any], team: str | None, *, case: str = "case") -> QuerySet[Any]:
    """`rows` (related to a case through `case`) narrowed to the team's cases by a join.

    Not `case__in=<the team's cases>`: SQLite builds that subquery's whole list (50,000 ids for one
    team at 1,000,000 cases) before it looks at a single row of an empty survey table; the join
    lets it start from the period's few rows and look up each case by its key.
    """
    return rows.filter(**{f"{case}__team__key": team}) if team else rows


def _stalls(team: str | None) -> QuerySet[Stall]:
    stalls = Stall.objects.all()
    return stalls.filter(team_key=team) if team else stalls


def _backlog(cases: QuerySet[Case], *, end: datetime, by: str) -> dict[Any, int]:
    """Cases opened before `end` and not finished by then, counted by the column `by`: those still
    open now, plus those resolved since `end`.

    Two index ranges (the open cases' partial indexes; `resolved_at` from `end` on) instead of the
    condition "resolved after `end` or not at all" over every case of the scope, which cost each
    engine a scan of the team's 50,000 cases at 1,000,000. A case closed without being resolved is
    not backlog (it has no `resolved_at`, yet is finished).
    """
    counts: dict[Any, int] = dict(
        open_only(cases).filter(opened_at__lt=end).values_list(by).annotate(n=Count("id"))
    )
    since = cases.filter(resolved_at__gte=end, opened_at__lt=end).exclude(status__in=sorted(OPEN))
    for key, finished_later in since.values_list(by).annotate(n=Count("id")):
        counts[key] = counts.get(key, 0) + finished_later
    return counts


def volume(*, start: datetime, end: datetime, team: str | None) -> Volume:
    """Counts of items, stalls and cases for the period (items are not a team's: counted for all)."""
    cases = _cases(team)
    stalls = _stalls(team).filter(detected_at__gte=start, detected_at__lt=end)
    by_rule = dict(stalls.values_list("rule").annotate(n=Count("id")).order_by("rule"))
    return Volume(
        items=Item.objects.filter(started_at__gte=start, started_at__lt=end).count(),
        stalls=sum(by_rule.values()),
        cases_opened=cases.filter(opened_at__gte=start, opened_at__lt=end).count(),
        cases_resolved=cases.filter(resolved_at__gte=start, resolved_at__lt=end).count(),
        backlog=sum(_backlog(cases, end=end, by="team_id").values()),
        stalls_by_rule=by_rule,
    )


def _step_seconds(*, start: datetime, end: datetime, team: str | None) -> dict[tuple[str, str], list[float]]:
    # The item's event just before this one in (at, arrival) order: ties keep their arrival order.
    before = Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), pk__lt=OuterRef("pk"))
    earlier = Event.objects.filter(before, item=OuterRef("item")).order_by("-at", "-pk")
    events = Event.objects.filter(at__gte=start, at__lt=end)
    if team:
        # A team's time is the time items spent in the steps its stalls are about.
        steps = set(_stalls(team).values_list("process__key", "step").distinct())
        events = events.filter(item__stalls__team_key=team).distinct()
    else:
        steps = None
    rows = events.annotate(
        prev_at=Subquery(earlier.values("at")[:1]), prev_step=Subquery(earlier.values("step")[:1])
    ).values_list("process__key", "at", "prev_at", "prev_step")
    spent: dict[tuple[str, str], list[float]] = defaultdict(list)
    for process, at, prev_at, prev_step in rows.iterator(chunk_size=2000):
        if prev_at is None or (steps is not None and (process, prev_step) not in steps):
            continue
        spent[(process, prev_step)].append((at - prev_at).total_seconds())
    return spent


def time_lost(
    *, start: datetime, end: datetime, previous_start: datetime, team: str | None, top: int = 10
) -> list[StepTime]:
    """The steps where the most time went in the period, with the same figure for the period before."""
    now = _step_seconds(start=start, end=end, team=team)
    before = _step_seconds(start=previous_start, end=start, team=team)
    names = board_names()
    by_key = {process.key: process for process in names.processes.values()}
    rows = []
    for (process, step), seconds in now.items():
        total = sum(seconds)
        known = by_key.get(process)
        rows.append(
            StepTime(
                process=process,
                step=step,
                process_name=known.name if known else process,
                step_name=names.step_name(known.pk, step) if known else step,
                visits=len(seconds),
                total_hours=round(total / 3600, 2),
                mean_hours=round(total / len(seconds) / 3600, 2),
                median_hours=round(statistics.median(seconds) / 3600, 2),
                previous_total_hours=round(sum(before.get((process, step), [])) / 3600, 2),
            )
        )
    rows.sort(key=lambda row: (-row.total_hours, row.process, row.step))
    return rows[:top]


def teams(*, start: datetime, end: datetime, team: str | None) -> list[TeamRow]:
    """Per team: stalls detected, cases opened and resolved in the period, backlog at its end."""
    cases = _cases(team).exclude(team__isnull=True)
    opened = dict(
        cases.filter(opened_at__gte=start, opened_at__lt=end).values_list("team__key").annotate(n=Count("id"))
    )
    resolved = dict(
        cases.filter(resolved_at__gte=start, resolved_at__lt=end)
        .values_list("team__key")
        .annotate(n=Count("id"))
    )
    backlog = _backlog(cases, end=end, by="team__key")
    stalls = dict(
        _stalls(team)
        .filter(detected_at__gte=start, detected_at__lt=end)
        .exclude(team_key="")
        .values_list("team_key")
        .annotate(n=Count("id"))
    )
    keys = sorted(set(opened) | set(resolved) | set(backlog) | set(stalls))
    names = dict(Team.objects.filter(key__in=keys).values_list("key", "name"))
    return [
        TeamRow(
            team=key,
            name=names.get(key, key),
            stalls=stalls.get(key, 0),
            cases_opened=opened.get(key, 0),
            cases_resolved=resolved.get(key, 0),
            backlog=backlog.get(key, 0),
        )
        for key in keys
    ]


def agents(*, start: datetime, end: datetime, team: str | None) -> list[AgentRow]:
    """Per owner: cases resolved in the period, their median handling time, reopenings, open now,
    SLA breaches and the CSAT of the surveys answered in the period."""
    cases = _cases(team).filter(owner__isnull=False)
    handled: dict[int, list[float]] = defaultdict(list)
    for owner_id, opened_at, resolved_at in cases.filter(
        resolved_at__gte=start, resolved_at__lt=end
    ).values_list("owner_id", "opened_at", "resolved_at"):
        if resolved_at is not None and owner_id is not None:
            handled[owner_id].append((resolved_at - opened_at).total_seconds() / 3600)
    reopened = dict(
        of_team(
            TimelineEntry.objects.filter(
                kind=TimelineEntry.Kind.REOPENED, at__gte=start, at__lt=end, case__owner__isnull=False
            ),
            team,
        )
        .values_list("case__owner_id")
        .annotate(n=Count("id"))
    )
    # Open as the partial open-case indexes say it (their load index answers this index-only).
    open_now = dict(open_only(cases).values_list("owner_id").annotate(n=Count("id")))
    breached = breaches_by_owner(start=start, end=end, team=team)
    scores = csat_by_owner(start=start, end=end, team=team)
    # A survey usually comes back a day after the case was resolved: its agent is in the table too.
    owners = set(handled) | set(reopened) | set(scores)
    people = {
        row["owner_id"]: row
        for row in cases.filter(owner_id__in=owners)
        .values("owner_id", "owner__username", "owner__first_name", "owner__last_name", "team__key")
        .order_by("owner_id", "team__key")
    }
    rows = []
    for owner_id in owners:
        person = people[owner_id]
        hours = handled.get(owner_id, [])
        count = len(hours)
        again = reopened.get(owner_id, 0)
        answers = scores.get(owner_id, [])
        name = f"{person['owner__last_name']}{person['owner__first_name']}".strip()
        rows.append(
            AgentRow(
                username=person["owner__username"],
                name=name or person["owner__username"],
                team=person["team__key"] or "",
                handled=count,
                median_handling_hours=round(statistics.median(hours), 2) if hours else None,
                reopened=again,
                reopen_rate=round(again / count, 3) if count else None,
                open_now=open_now.get(owner_id, 0),
                breaches=breached.get(person["owner__username"], 0),
                csat_answers=len(answers),
                csat_mean=round(sum(answers) / len(answers), 2) if answers else None,
            )
        )
    return _flag(sorted(rows, key=lambda row: (row.team, -row.handled, row.username)))


#: An agent stands out when their median handling time is this many times their team's median ...
SLOW_FACTOR = 1.5
#: ... or their reopen rate is at least this (with at least two cases handled) ...
REOPEN_RATE_FLAG = 0.2
#: ... or their customers' mean CSAT is at most this (over at least LOW_CSAT_MIN_ANSWERS surveys).
LOW_CSAT_MEAN = 3.0
LOW_CSAT_MIN_ANSWERS = 2


def _flag(rows: list[AgentRow]) -> list[AgentRow]:
    """Mark who needs a 1:1: much slower than the team, often reopened, or a pile of open cases."""
    by_team: dict[str, list[float]] = defaultdict(list)
    open_by_team: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.median_handling_hours is not None:
            by_team[row.team].append(row.median_handling_hours)
        open_by_team[row.team].append(row.open_now)
    flagged = []
    for row in rows:
        flags = []
        team_median = statistics.median(by_team[row.team]) if by_team[row.team] else None
        if (
            row.median_handling_hours is not None
            and team_median
            and len(by_team[row.team]) > 1
            and row.median_handling_hours >= SLOW_FACTOR * team_median
        ):
            flags.append("slow")
        if row.reopen_rate is not None and row.handled >= 2 and row.reopen_rate >= REOPEN_RATE_FLAG:
            flags.append("reopens")
        if row.breaches >= 3:
            flags.append("breaches")
        unhappy = row.csat_mean is not None and row.csat_mean <= LOW_CSAT_MEAN
        if unhappy and row.csat_answers >= LOW_CSAT_MIN_ANSWERS:
            flags.append("low_csat")
        open_median = statistics.median(open_by_team[row.team])
        if len(open_by_team[row.team]) > 1 and row.open_now >= max(5, 2 * open_median):
            flags.append("backlog")
        flagged.append(AgentRow(**{**row.__dict__, "flags": tuple(flags)}))
    return flagged


def _case_categories(cases: QuerySet[Case]) -> list[str]:
    """The cause category of each case: the one its owner recorded, else the one its item carries."""
    categories = []
    recorded = _recorded_causes(cases)
    for pk, attrs in cases.values_list("pk", "item__attrs"):
        category = recorded.get(pk) or (attrs or {}).get("cause_category") or ""
        categories.append(str(category) or "unknown")
    return categories


#: Cause categories as people say them (DESIGN.md's taxonomy); the casework app's own names win.
CAUSE_NAMES: dict[str, str] = {
    "information_flow": "信息流转",
    "system_failure": "系统故障",
    "staffing": "人员/缺勤",
    "staffing_absence": "人员/缺勤",
    "policy_change": "政策变更",
    "customer_unresponsive": "客户无响应",
    "supply_chain": "供应链",
    "inventory": "库存",
    "customer_data_error": "客户资料错误",
    "external": "外部因素",
    "other": "其他",
    "unknown": "未填写",
}


def cause_names() -> dict[str, str]:
    """Category key → display name."""
    names = dict(CAUSE_NAMES)
    names.update(CauseCategory.objects.values_list("key", "name_zh"))
    return names


def _recorded_causes(cases: QuerySet[Case]) -> dict[int, str]:
    """Causes owners recorded on cases (the casework app), by case id."""
    return dict(CaseCause.objects.filter(case__in=cases).values_list("case_id", "category__key"))


def causes(*, start: datetime, end: datetime, team: str | None) -> list[CauseRow]:
    """Pareto of the cause categories of the cases opened in the period, largest first."""
    counts: dict[str, int] = defaultdict(int)
    for category in _case_categories(_cases(team).filter(opened_at__gte=start, opened_at__lt=end)):
        counts[category] += 1
    total = sum(counts.values())
    names = cause_names()
    rows, running = [], 0
    for category, count in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0])):
        running += count
        rows.append(
            CauseRow(
                category=category,
                name=names.get(category, category),
                cases=count,
                share=round(count / total, 3),
                cumulative_share=round(running / total, 3),
            )
        )
    return rows


@dataclass(frozen=True)
class SlaTargetRow:
    """One SLA target over the period: clocks that ended (met or breached) in it, and how many held."""

    target: str
    ended: int
    met_in_time: int
    breached: int
    attainment: float | None


@dataclass(frozen=True)
class BreachRow:
    """A breach of the period: which case, which target, whose."""

    case: str
    title: str
    team: str
    owner: str
    target: str
    breached_at: datetime | None


def sla(*, start: datetime, end: datetime, team: str | None) -> tuple[list[SlaTargetRow], list[BreachRow]]:
    """Attainment per target (of the clocks met or breached in the period) and its latest breaches."""
    from unstuck.cases.models import SlaClock

    clocks = of_team(SlaClock.objects.all(), team)
    breached = clocks.filter(breached_at__gte=start, breached_at__lt=end)
    met = clocks.filter(met_at__gte=start, met_at__lt=end, breached_at__isnull=True)
    by_breach = dict(breached.values_list("target").annotate(n=Count("id")))
    by_met = dict(met.values_list("target").annotate(n=Count("id")))
    rows = []
    for target in sorted(set(by_breach) | set(by_met)):
        held, missed = by_met.get(target, 0), by_breach.get(target, 0)
        rows.append(
            SlaTargetRow(
                target=target,
                ended=held + missed,
                met_in_time=held,
                breached=missed,
                attainment=round(held / (held + missed), 3) if held + missed else None,
            )
        )
    worst = [
        BreachRow(
            case=number or "",
            title=title,
            team=team_key or "",
            owner=owner or "",
            target=target,
            breached_at=at,
        )
        for number, title, team_key, owner, target, at in breached.order_by("breached_at").values_list(
            "case__number", "case__title", "case__team__key", "case__owner__username", "target", "breached_at"
        )[:10]
    ]
    return rows, worst


def breaches_by_owner(*, start: datetime, end: datetime, team: str | None) -> dict[str, int]:
    """SLA breaches in the period per case owner (username)."""
    from unstuck.cases.models import SlaClock

    breached = of_team(
        SlaClock.objects.filter(breached_at__gte=start, breached_at__lt=end, case__owner__isnull=False), team
    )
    return dict(breached.values_list("case__owner__username").annotate(n=Count("id")))


def csat_by_owner(*, start: datetime, end: datetime, team: str | None) -> dict[int, list[int]]:
    """The scores of the surveys answered in the period, per owner of the surveyed case."""
    from unstuck.portal.models import Survey

    answered = of_team(
        Survey.objects.filter(
            answered_at__gte=start, answered_at__lt=end, score__isnull=False, case__owner__isnull=False
        ),
        team,
    )
    scores: dict[int, list[int]] = defaultdict(list)
    for owner_id, score in answered.values_list("case__owner_id", "score"):
        scores[owner_id].append(score)
    return scores


@dataclass(frozen=True)
class Csat:
    """Survey answers received in the period."""

    answered: int
    mean_score: float | None
    satisfied_share: float | None


def csat(*, start: datetime, end: datetime, team: str | None) -> Csat:
    """CSAT of the surveys answered in the period (satisfied: a 4 or a 5)."""
    from unstuck.portal.models import Survey

    answered = of_team(Survey.objects.filter(answered_at__gte=start, answered_at__lt=end), team)
    scores = [score for score in answered.values_list("score", flat=True) if score is not None]
    if not scores:
        return Csat(answered=0, mean_score=None, satisfied_share=None)
    return Csat(
        answered=len(scores),
        mean_score=round(sum(scores) / len(scores), 2),
        satisfied_share=round(sum(1 for s in scores if s >= 4) / len(scores), 3),
    )
