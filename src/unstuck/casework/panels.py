"""The case page's casework panel: checklist, cause and 5 whys, remedies, problem
link, review. Read in a fixed number of queries; its HTMX forms post to `casework.views`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from unstuck.accounts.models import Role
from unstuck.accounts.selectors import user_role
from unstuck.cases.models import Case
from unstuck.casework.models import MAX_WHYS, RemedyKind, RemedyStatus
from unstuck.casework.permissions import user_supervises
from unstuck.casework.selectors import CaseWork, case_work_of, category_list, problem_choices


def panel_context(*, request: HttpRequest, work: CaseWork, error: str = "") -> dict[str, Any]:
    """What the panel template needs, for one user: the case's work and what they may do with it."""
    user = request.user
    writer = user_role(user) != Role.AUDITOR
    supervises = writer and user_supervises(user, work.case.team_id)
    whys = list(work.cause.whys) if work.cause is not None else []
    return {
        "case": work.case,
        "work": work,
        "error": error,
        "can_write": writer,
        "can_decide": supervises,
        "categories": list(category_list()) if writer else [],
        "whys": whys + [""] * (MAX_WHYS - len(whys)),
        "remedy_kinds": RemedyKind.choices,
        "pending": RemedyStatus.PENDING,
        "problems": problem_choices() if writer else [],
        "user_id": user.pk,
    }


def panel_render(*, request: HttpRequest, case: Case, error: str = "") -> str:
    """The panel's HTML for `case` (obtained through a permission-aware selector)."""
    context = panel_context(request=request, work=case_work_of(case=case), error=error)
    return render_to_string("casework/partials/panel.html", context, request=request)


def case_panel_html(*, request: HttpRequest, case: Case) -> str:
    """Contract #3: the casework panel of the desk's case page."""
    return panel_render(request=request, case=case)
