"""Choosing an owner for a case inside its team: round-robin or least-loaded among active agents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from unstuck.accounts.models import Membership, Role, Team
from unstuck.cases.lifecycle import OPEN
from unstuck.cases.models import TeamRouting

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _team_agents(team: Team) -> list[int]:
    """Ids of the team's active agents, in a stable order (absence/deputies come in a later part)."""
    return list(
        Membership.objects.filter(team=team, role=Role.AGENT, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def routing_for_update(team: Team) -> TeamRouting:
    """The team's routing row, created with the default strategy if missing, locked for this transaction."""
    TeamRouting.objects.get_or_create(team=team)
    return TeamRouting.objects.select_for_update().get(team=team)


def owner_pick(team: Team) -> User | None:
    """The agent who should get the team's next case, or None if the team has none (or opts out).

    The routing row stays locked until the caller's transaction ends, so two cases opened at once
    never both go to the same "next" agent under round-robin.
    """
    routing = routing_for_update(team)
    agents = _team_agents(team)
    if routing.strategy == TeamRouting.Strategy.NONE or not agents:
        return None
    if routing.strategy == TeamRouting.Strategy.LEAST_LOADED:
        users = get_user_model().objects.filter(pk__in=agents)
        load = users.annotate(
            open_cases=Count("owned_cases", filter=Q(owned_cases__status__in=OPEN, owned_cases__team=team))
        ).order_by("open_cases", "pk")
        return load.first()
    last = routing.last_assigned_id
    chosen = next((agent for agent in agents if last is None or agent > last), agents[0])
    routing.last_assigned_id = chosen
    routing.save(update_fields=["last_assigned"])
    return get_user_model().objects.get(pk=chosen)
