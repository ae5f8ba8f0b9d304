"""The early-warning page (`insights:warnings`) and its one-click incident. Thin: select, call, render."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from unstuck.accounts.http import AuthedHttpRequest, sign_in_required
from unstuck.accounts.models import Role
from unstuck.accounts.selectors import user_role
from unstuck.core.errors import DomainError
from unstuck.insights.early_warning import warning_incident_create, warnings_visible

SHOWN = 100


@sign_in_required
def warnings_view(request: AuthedHttpRequest) -> HttpResponse:
    """危机预警: the spikes raised for the user's teams, newest first, open ones marked."""
    warnings = list(warnings_visible(user=request.user)[:SHOWN])
    can_create = user_role(request.user) != Role.AUDITOR
    context = {"warnings": warnings, "can_create_incident": can_create, "nav": "warnings"}
    return render(request, "insights/warnings.html", context)


@require_POST
@sign_in_required
def warning_incident_view(request: AuthedHttpRequest, warning_id: int) -> HttpResponse:
    """One click: an incident for the warning (the same one on a second click), then back to the list."""
    warning = warnings_visible(user=request.user).filter(pk=warning_id).first()
    if warning is None:
        raise Http404
    if user_role(request.user) == Role.AUDITOR:
        return HttpResponse(status=403)
    try:
        warning_incident_create(actor=request.user, warning=warning)
    except DomainError as error:
        return HttpResponse(error.message, status=error.status, content_type="text/plain; charset=utf-8")
    return redirect("insights:warnings")
