"""`{% recurring_proposals %}`: the open recurring-cause proposals, for the problems page."""

from __future__ import annotations

from typing import Any

from django import template

from unstuck.insights.brief import brief_teams_for
from unstuck.insights.brief_work import recurring_proposals as proposals_for

register = template.Library()


@register.inclusion_tag("insights/partials/proposals.html", takes_context=True)
def recurring_proposals(context: template.Context) -> dict[str, Any]:
    """Open proposals with accept/dismiss buttons (the page shows this to supervisors only): a
    supervisor sees those with cases of the teams they supervise, admins and auditors all."""
    request = context.get("request")
    teams = brief_teams_for(user=request.user) if request is not None else []
    return {"proposals": proposals_for(teams=teams), "csrf_token": context.get("csrf_token")}
