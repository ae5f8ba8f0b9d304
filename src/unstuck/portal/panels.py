"""The portal's panel on the case page: the links the customer got and what
became of them, the customer's survey answer, and pausing / resuming proactive updates (HTMX)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from unstuck.accounts.models import Role
from unstuck.accounts.selectors import user_role, user_team_role
from unstuck.portal.customer_words import customer_time_zone, latest_note
from unstuck.portal.models import SERVQUAL_DIMENSIONS, Survey
from unstuck.portal.selectors import case_follow_up, case_links

if TYPE_CHECKING:
    from unstuck.cases.models import Case
    from unstuck.cases.selectors import AnyUser


def panel_may_pause(*, user: AnyUser, case: Case) -> bool:
    """Admins, supervisors by global role, and supervisors of the case's team may pause updates."""
    role = user_role(user)
    if role in {Role.ADMIN, Role.SUPERVISOR}:
        return True
    return case.team is not None and user_team_role(user, case.team.key) == Role.SUPERVISOR


def case_panel_html(*, request: HttpRequest, case: Case, error: str = "") -> str:
    """The panel's HTML for a case the requester may see; a fixed number of queries (links are
    capped, one query each for follow-up and survey, two for the pause permission)."""
    now = timezone.now()
    links = [(link, link.state(now)) for link in case_links(case=case)]
    follow_up = case_follow_up(case=case)
    survey = Survey.objects.filter(case=case).first()
    note = latest_note(case.item) if case.item is not None else None
    zone = customer_time_zone(case.item) if case.item is not None else None
    dimensions = []
    if survey is not None and survey.answered_at is not None:
        dimensions = [(name, getattr(survey, name)) for name in SERVQUAL_DIMENSIONS if getattr(survey, name)]
    return render_to_string(
        "portal/partials/case_panel.html",
        {
            "case": case,
            "links": links,
            "follow_up": follow_up,
            "survey": survey,
            "dimensions": dimensions,
            "may_pause": follow_up is not None and panel_may_pause(user=request.user, case=case),
            "may_write": user_role(request.user) != Role.AUDITOR,
            "note": note,
            "zone": str(zone) if zone is not None else "",
            "error": error,
        },
        request=request,
    )
