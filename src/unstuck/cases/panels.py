"""The case page's SLA panel: each target's due time and business time left, the
warnings and breaches recorded, and the escalations that fired. Read-only; three queries."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.cases.models import Case
from unstuck.cases.sla_selectors import case_sla_view


def business_time_text(seconds: int) -> str:
    """`2 h 05 min` of business time, for people (minutes rounded down)."""
    hours, rest = divmod(abs(seconds), 3600)
    minutes = rest // 60
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def case_panel_html(*, request: HttpRequest, case: Case) -> str:
    """The SLA panel of `case` (obtained through a permission-aware selector); '' without SLA clocks."""
    view = case_sla_view(case=case, now=timezone.now())
    if not view.clocks:
        return ""
    rows = []
    for item in view.clocks:
        remaining = item.remaining_seconds
        rows.append(
            {
                "clock": item.clock,
                "remaining": None if remaining is None else business_time_text(remaining),
                "overdue": remaining is not None and remaining < 0,
            }
        )
    return render_to_string(
        "cases/partials/sla_panel.html",
        {"case": case, "rows": rows, "fired": view.fired, "escalations": view.escalations},
        request=request,
    )
