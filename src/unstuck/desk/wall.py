"""Reads for the supervisor's live wall: stalls and SLA breaches as they arrive, grouped counts,
team workload and who is absent today. A fixed number of queries per refresh, whatever the number
of cases, stalls or agents shown."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, F

from unstuck.accounts.models import Membership, Role, Team
from unstuck.accounts.selectors import absences_current, user_role
from unstuck.cases.models import Case, SlaState
from unstuck.cases.open_filter import open_only
from unstuck.cases.selectors import case_visible
from unstuck.processes.selectors import BoardNames
from unstuck.stalls.models import Stall
from unstuck.stalls.selectors import stall_list_visible

AnyUser = AbstractBaseUser | AnonymousUser
#: How many of the latest stalls and breaches the wall lists.
WALL_LATEST = 25


def wall_allowed(user: AnyUser) -> bool:
    """Supervisors (globally or of a team), admins and auditors see the wall; agents do not."""
    role = user_role(user)
    if not user.is_authenticated:
        return False
    if role in {Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR}:
        return True
    return Membership.objects.filter(user_id=user.pk, role=Role.SUPERVISOR).exists()


@dataclass(frozen=True)
class WallGroup:
    """Open stalls and breached cases of one process, step and team."""

    process: str
    step: str
    team: str
    stalls: int = 0
    breaches: int = 0


@dataclass(frozen=True)
class AgentLoad:
    """One agent's open cases by SLA state, and whether they are absent today (None: unknown)."""

    username: str
    by_state: dict[str, int]
    total: int
    absent: bool | None


@dataclass(frozen=True)
class Wall:
    """The wall at one moment."""

    now: datetime
    latest_stalls: list[Stall]
    latest_breaches: list[Case]
    groups: list[WallGroup]
    workload: list[AgentLoad]
    absence_known: bool
    totals: dict[str, int] = field(default_factory=dict)


def wall_read(*, user: AnyUser, names: BoardNames, now: datetime) -> Wall:
    """What the supervisor's wall shows `user` at `now`."""
    stalls = stall_list_visible(user=user)
    latest_stalls = list(
        stalls.select_related("item__customer", "process").order_by("-since", "-id")[:WALL_LATEST]
    )
    open_cases = open_only(case_visible(user=user))
    breached = open_cases.filter(sla_state=SlaState.BREACHED)
    # Latest breaches = the latest due moments already past: a backward range of the open-queue
    # index from now, ids first so the joins are for the rows shown only.
    breach_ids = list(
        breached.filter(sla_due_at__lte=now)
        .order_by(F("sla_due_at").desc(), "-priority", "-opened_at", "-id")  # the open queue index, backwards
        .values_list("id", flat=True)[:WALL_LATEST]
    )
    by_id = Case.objects.select_related("team", "owner", "process", "item").in_bulk(breach_ids)
    latest_breaches = [by_id[pk] for pk in breach_ids if pk in by_id]
    grouped: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: {"stalls": 0, "breaches": 0})
    for process_id, step, team, count in (
        stalls.order_by()
        .values("process_id", "step", "team_key")
        .annotate(n=Count("*"))
        .values_list("process_id", "step", "team_key", "n")
    ):
        process = names.processes.get(process_id)
        label = (
            process.name if process else "?",
            names.step_name(process_id, step),
            names.teams.get(team, team),
        )
        grouped[label]["stalls"] += count
    team_keys = dict(Team.objects.values_list("pk", "key"))
    for process_id, team_id, step, count in (
        breached.order_by()
        .values("process_id", "team_id", "step")
        .annotate(n=Count("*"))
        .values_list("process_id", "team_id", "step", "n")
    ):
        team_key = team_keys.get(team_id, "") if team_id else ""
        process = names.processes.get(process_id) if process_id else None
        label = (
            process.name if process else "—",
            names.step_name(process_id, step) if process_id and step else "—",
            names.teams.get(team_key, team_key or "—"),
        )
        grouped[label]["breaches"] += count
    groups = sorted(
        (WallGroup(p, s, t, c["stalls"], c["breaches"]) for (p, s, t), c in grouped.items()),
        key=lambda g: (-g.breaches, -g.stalls, g.process, g.step, g.team),
    )
    # Grouped in the order of the open-load index (team, owner, SLA state): an index-only scan of
    # the open cases, no sort; an agent in two teams is summed here. Unowned rows are skipped here
    # rather than filtered in SQL, which would steer the planner to the owner queue index.
    loads: dict[int, dict[str, int]] = defaultdict(dict)
    for owner_id, state, count in (
        open_cases.order_by()
        .values("team_id", "owner_id", "sla_state")
        .annotate(n=Count("*"))
        .values_list("owner_id", "sla_state", "n")
    ):
        if owner_id is not None:
            key = state or "none"
            loads[owner_id][key] = loads[owner_id].get(key, 0) + count
    usernames = dict(get_user_model().objects.filter(pk__in=list(loads)).values_list("pk", "username"))
    away = absences_current(user_ids=list(loads), at=now)
    workload = [
        AgentLoad(
            username=usernames.get(owner_id, "?"),
            by_state=by_state,
            total=sum(by_state.values()),
            absent=owner_id in away,
        )
        for owner_id, by_state in loads.items()
    ]
    workload.sort(key=lambda load: (-load.total, load.username))
    totals = {
        "stalls": sum(g.stalls for g in groups),
        "breaches": sum(g.breaches for g in groups),
        "open": sum(load.total for load in workload),
    }
    return Wall(
        now=now,
        latest_stalls=latest_stalls,
        latest_breaches=latest_breaches,
        groups=groups,
        workload=workload,
        absence_known=True,
        totals=totals,
    )
