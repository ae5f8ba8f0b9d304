"""The supervisor's morning brief (日报): what broke yesterday, where the time went, which causes
recur and who needs help — for one day or a range, for everybody or one team.

`brief_build` gathers the sections (`insights.brief_sections`); the page, the e-mail, the command
`unstuck brief` and its `--json` all render the same `Brief`. Days are local days in the
organisation's time zone (settings.TIME_ZONE, Asia/Shanghai by default).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from unstuck.accounts.models import Membership, Role
from unstuck.accounts.selectors import user_role, user_sees_all_teams
from unstuck.core.errors import DomainError
from unstuck.insights import brief_sections as sections
from unstuck.insights import brief_work as work


@dataclass(frozen=True)
class Period:
    """Local days `first`..`last` (inclusive) as the instants [start, end), and the period before."""

    first: date
    last: date
    start: datetime
    end: datetime
    previous_start: datetime

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def period_for(*, first: date, days: int = 1) -> Period:
    """The period of `days` local days from `first`."""
    if days < 1:
        raise ValueError("a brief covers at least one day")
    zone = ZoneInfo(settings.TIME_ZONE)
    start = datetime.combine(first, time(), tzinfo=zone)
    end = datetime.combine(first + timedelta(days=days), time(), tzinfo=zone)
    previous = datetime.combine(first - timedelta(days=days), time(), tzinfo=zone)
    return Period(
        first=first, last=first + timedelta(days=days - 1), start=start, end=end, previous_start=previous
    )


def yesterday() -> date:
    """Yesterday in the organisation's time zone."""
    return (datetime.now(ZoneInfo(settings.TIME_ZONE)) - timedelta(days=1)).date()


@dataclass(frozen=True)
class Brief:
    """Everything the morning brief says, for one period and team (None: everybody)."""

    period: Period
    team: str | None
    volume: sections.Volume
    previous_volume: sections.Volume
    time_lost: list[sections.StepTime]
    causes: list[sections.CauseRow]
    teams: list[sections.TeamRow]
    agents: list[sections.AgentRow]
    sla: list[sections.SlaTargetRow]
    breaches: list[sections.BreachRow]
    csat: sections.Csat
    remedy_cost: work.RemedyCost
    problems: list[work.ProblemRow]
    proposals: list[work.ProposalRow]
    qa: list[work.QaAgentPicks]
    at_risk: list[work.RiskRow]
    # Predictions are kept for the present only: a brief of an older period shows none rather
    # than today's figures under its date.
    at_risk_current: bool
    generated_at: datetime

    @property
    def needs_one_to_one(self) -> list[sections.AgentRow]:
        return [row for row in self.agents if row.flags]


def brief_build(*, first: date, days: int = 1, team: str | None = None) -> Brief:
    """Compute the brief for `days` local days from `first`, for `team` or everybody."""
    period = period_for(first=first, days=days)
    start, end = period.start, period.end
    now = datetime.now(ZoneInfo(settings.TIME_ZONE))
    at_risk_current = end > now - timedelta(days=1)  # the latest day (or today) is in the period
    sla_rows, breaches = sections.sla(start=start, end=end, team=team)
    return Brief(
        period=period,
        team=team,
        volume=sections.volume(start=start, end=end, team=team),
        previous_volume=sections.volume(start=period.previous_start, end=start, team=team),
        time_lost=sections.time_lost(start=start, end=end, previous_start=period.previous_start, team=team),
        causes=sections.causes(start=start, end=end, team=team),
        teams=sections.teams(start=start, end=end, team=team),
        agents=sections.agents(start=start, end=end, team=team),
        sla=sla_rows,
        breaches=breaches,
        csat=sections.csat(start=start, end=end, team=team),
        remedy_cost=work.remedy_cost(start=start, end=end, previous_start=period.previous_start, team=team),
        problems=work.recurring_problems(start=start, end=end, last_day=period.last, team=team),
        proposals=work.recurring_proposals(team=team),
        qa=work.qa_picks(day=period.last, team=team),
        at_risk=work.items_at_risk(team=team) if at_risk_current else [],
        at_risk_current=at_risk_current,
        generated_at=now,
    )


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
        if isinstance(value, sections.StepTime):
            data["change_hours"] = value.change_hours
        return data
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def brief_as_json(brief: Brief) -> dict[str, Any]:
    """The brief as JSON-ready data (`unstuck brief --json`, the API)."""
    data: dict[str, Any] = _plain(brief)
    data["period"] = {
        "from": brief.period.first.isoformat(),
        "to": brief.period.last.isoformat(),
        "days": brief.period.days,
        "start": brief.period.start.isoformat(),
        "end": brief.period.end.isoformat(),
        "time_zone": settings.TIME_ZONE,
    }
    data["needs_one_to_one"] = [row.username for row in brief.needs_one_to_one]
    return data


def brief_teams_for(*, user: AbstractBaseUser | AnonymousUser) -> list[str] | None:
    """Which briefs `user` may read: None for every team and the whole organisation (admins,
    auditors), else the keys of the teams they supervise (empty: none — agents read no brief)."""
    if user_sees_all_teams(user):
        return None
    if not user.is_authenticated:
        return []
    supervised = Membership.objects.filter(user_id=user.pk, role=Role.SUPERVISOR)
    if user_role(user) == Role.SUPERVISOR:
        supervised = Membership.objects.filter(user_id=user.pk)
    return sorted(supervised.values_list("team__key", flat=True))


def brief_for(*, user: AbstractBaseUser | AnonymousUser, first: date, days: int, team: str | None) -> Brief:
    """The brief `user` asked for, if they may read it (DomainError 403 `forbidden` otherwise).

    A supervisor asking for no team gets their first team's brief: the whole organisation's is for
    admins and auditors.
    """
    allowed = brief_teams_for(user=user)
    if allowed is not None:
        if not allowed:
            raise DomainError("forbidden", "The morning brief is for supervisors and admins.", status=403)
        team = team or allowed[0]
        if team not in allowed:
            raise DomainError("forbidden", f"You do not supervise team {team!r}.", status=403)
    return brief_build(first=first, days=days, team=team)
