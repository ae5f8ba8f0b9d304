"""One click on a recurring-cause proposal: create the Problem linking its cases, or dismiss it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from unstuck.accounts.http import sign_in_required
from unstuck.casework.permissions import acting_user
from unstuck.core.errors import DomainError
from unstuck.insights.recurring import proposal_accept, proposal_dismiss


@require_POST
@sign_in_required
def proposal_decide_view(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """`decision=accept` opens the problem page; `decision=dismiss` returns to the problems list."""
    decision = request.POST.get("decision", "")
    try:
        if decision == "accept":
            problem = proposal_accept(proposal_id=proposal_id, actor=acting_user(request))
            messages.success(request, _("Problem %(number)s created.") % {"number": problem.number})
            return redirect("casework:problem", problem_id=problem.pk)
        if decision != "dismiss":
            raise DomainError("invalid_action", _("Choose to create a problem or to dismiss."))
        proposal_dismiss(proposal_id=proposal_id, actor=acting_user(request))
        messages.success(request, _("Proposal dismissed."))
    except DomainError as error:
        if error.status == 403:
            return HttpResponseForbidden(error.message)
        if error.status == 404:
            return HttpResponse(error.message, status=404, content_type="text/plain; charset=utf-8")
        messages.error(request, error.message)
    return redirect("casework:problems")
