"""Choosing an owner for a case inside its team: round-robin or least-loaded among the team's active
agents who are not away, preferring the agents with the skills the case needs.

An `Assigner` serves one transaction (one routing batch, one case opened by hand). It locks each
team's routing row the first time it meets the team and keeps it locked until the transaction ends,
so it may keep the team's roster (agents, absences, skills, open-case load) in memory meanwhile:
no other writer can hand out that team's cases until then.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.accounts.models import Absence, Membership, Profile, Role, Team
from unstuck.accounts.selectors import absences_current, user_deputy, user_label
from unstuck.cases.models import Case, TeamRouting
from unstuck.cases.open_filter import open_only
from unstuck.cases.routing_models import SkillRequirement

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def absence_until_text(absence: Absence) -> str:
    """'on leave until 10-08' / 'out of office until 10-08 14:00', in the server's time zone."""
    local_end = timezone.localtime(absence.ends_at)
    if absence.all_day:
        until = (local_end - timedelta(days=1)).strftime("%m-%d")  # the last day away, not the return
    else:
        until = local_end.strftime("%m-%d %H:%M")
    if absence.kind == Absence.Kind.OUT_OF_OFFICE:
        return _("out of office until %(until)s") % {"until": until}
    return _("on leave until %(until)s") % {"until": until}


@dataclass
class Pick:
    """Whom a case goes to and why, for its timeline entry."""

    owner: User | None
    strategy: str = ""
    skipped: list[dict[str, str]] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    skills_matched: bool = True
    deputy_for: str = ""

    def explanation(self) -> str:
        """The why, for people: skipped agents, unmatched skills, a deputy standing in."""
        parts = [
            _("Skipped %(name)s: %(why)s.") % {"name": skipped["name"], "why": skipped["why"]}
            for skipped in self.skipped
        ]
        if self.skills and self.skills_matched:
            parts.append(_("Needs %(skills)s.") % {"skills": ", ".join(self.skills)})
        elif self.skills:
            parts.append(
                _("Needs %(skills)s, which no available agent of the team has: given to any agent.")
                % {"skills": ", ".join(self.skills)}
            )
        if self.deputy_for:
            parts.append(
                _("Every agent of the team is away; %(owner)s stands in for %(name)s.")
                % {"owner": user_label(self.owner) if self.owner else "", "name": self.deputy_for}
            )
        return " ".join(parts)

    def data(self) -> dict[str, object]:
        data: dict[str, object] = {}
        if self.skipped:
            data["skipped"] = [{"user": s["user"], "why": s["why"]} for s in self.skipped]
        if self.skills:
            data["skills"] = self.skills
            data["skills_matched"] = self.skills_matched
        if self.deputy_for:
            data["deputy_for"] = self.deputy_for
        return data


@dataclass
class _Roster:
    routing: TeamRouting
    agents: list[int]
    users: dict[int, User]
    away: dict[int, Absence]
    skills: dict[int, set[int]]
    load: Counter[int] | None = None


class Assigner:
    """Picks owners for the cases opened in one transaction (see the module docstring)."""

    def __init__(
        self, *, at: datetime | None = None, requirements: list[SkillRequirement] | None = None
    ) -> None:
        self.at = at or timezone.now()
        self._requirements = requirements
        self._rosters: dict[int, _Roster] = {}
        self._moved: set[int] = set()

    @property
    def requirements(self) -> list[SkillRequirement]:
        if self._requirements is None:
            self._requirements = list(SkillRequirement.objects.select_related("skill"))
        return self._requirements

    def _roster(self, team: Team) -> _Roster:
        if team.pk in self._rosters:
            return self._rosters[team.pk]
        TeamRouting.objects.get_or_create(team=team)
        routing = TeamRouting.objects.select_for_update().get(team=team)
        members = (
            Membership.objects.filter(team=team, role=Role.AGENT, user__is_active=True)
            .select_related("user")
            .order_by("user_id")
        )
        users = {m.user_id: m.user for m in members}
        agents = list(users)
        skills: dict[int, set[int]] = {agent: set() for agent in agents}
        if self.requirements:
            through = Profile.skills.through._default_manager.filter(profile__user_id__in=agents)
            for user_id, skill_id in through.values_list("profile__user_id", "skill_id"):
                skills[user_id].add(skill_id)
        roster = _Roster(routing, agents, users, absences_current(user_ids=agents, at=self.at), skills)
        self._rosters[team.pk] = roster
        return roster

    def _load(self, roster: _Roster, team: Team) -> Counter[int]:
        if roster.load is None:
            rows = (
                open_only(Case.objects.filter(team=team, owner_id__in=roster.agents))
                .values("owner_id")
                .annotate(n=Count("id"))
            )
            roster.load = Counter({row["owner_id"]: row["n"] for row in rows})
        return roster.load

    def pick(self, team: Team, *, case_type: str, process_id: int | None) -> Pick:
        """The agent who should get the team's next case of this type and process, and why."""
        roster = self._roster(team)
        strategy = roster.routing.strategy
        if strategy == TeamRouting.Strategy.NONE or not roster.agents:
            return Pick(None)
        needed = [r.skill for r in self.requirements if r.applies(case_type=case_type, process_id=process_id)]
        needed_ids = {skill.pk for skill in needed}
        present = [agent for agent in roster.agents if agent not in roster.away]
        skilled = [agent for agent in present if needed_ids <= roster.skills[agent]]
        pool = skilled or present
        # Everyone, in the strategy's order: those before the chosen one were passed over.
        if strategy == TeamRouting.Strategy.LEAST_LOADED:
            load = self._load(roster, team)
            order = sorted(roster.agents, key=lambda agent: (load[agent], agent))
        else:
            last = roster.routing.last_assigned_id
            start = next((i for i, agent in enumerate(roster.agents) if last is None or agent > last), 0)
            order = roster.agents[start:] + roster.agents[:start]
        pick = Pick(
            None,
            strategy=strategy,
            skills=sorted(skill.name for skill in needed),
            skills_matched=bool(skilled) or not needed,
        )
        chosen = next((agent for agent in order if agent in pool), None)
        for agent in order:
            if agent == chosen:
                break
            if agent in roster.away:
                user = roster.users[agent]
                why = absence_until_text(roster.away[agent])
                pick.skipped.append({"user": user.get_username(), "name": user_label(user), "why": why})
        if chosen is None:  # every agent is away: the first in line's deputy, if they are in the team
            first = order[0]
            deputy = user_deputy(user_id=first, at=self.at)
            if deputy is None or not Membership.objects.filter(user=deputy, team=team).exists():
                return pick
            pick.owner, pick.deputy_for = deputy, user_label(roster.users[first])
            chosen = first
        else:
            pick.owner = roster.users[chosen]
        if strategy == TeamRouting.Strategy.LEAST_LOADED:
            self._load(roster, team)[pick.owner.pk] += 1
        elif roster.routing.last_assigned_id != chosen:
            roster.routing.last_assigned_id = chosen
            self._moved.add(team.pk)
        return pick

    def flush(self) -> None:
        """Store whom round-robin picked last in each team (once per team, not once per case)."""
        for team_id in sorted(self._moved):
            routing = self._rosters[team_id].routing
            TeamRouting.objects.filter(pk=routing.pk).update(last_assigned_id=routing.last_assigned_id)
        self._moved.clear()
