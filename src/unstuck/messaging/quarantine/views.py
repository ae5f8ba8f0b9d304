"""The supervisor's quarantine screen: mails held back from their case, to attach or discard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.cases.selectors import case_visible
from unstuck.core.errors import DomainError
from unstuck.messaging.models import QuarantinedMail
from unstuck.messaging.quarantine.selectors import (
    quarantine_decider,
    quarantine_get,
    quarantine_list,
    quarantine_reader,
)
from unstuck.messaging.quarantine.services import quarantine_attach, quarantine_discard

PAGE_SIZE = 200


def _render(request: HttpRequest, *, status: str, error: str = "", code: int = 200) -> HttpResponse:
    context = {
        "mails": list(quarantine_list(user=request.user, status=status)[:PAGE_SIZE]),
        "status": status,
        "statuses": QuarantinedMail.Status.choices,
        "can_decide": quarantine_decider(request.user),
        "error": error,
        "nav": "quarantine",
    }
    return render(request, "messaging/quarantine.html", context, status=code)


@login_required
def quarantine_view(request: AuthedHttpRequest) -> HttpResponse:
    """Quarantined mail (`?status=pending|attached|discarded`), with sender, subject, the case it
    claimed and when it came; supervisors decide, auditors read."""
    if not quarantine_reader(request.user):
        raise PermissionDenied
    status = str(request.GET.get("status") or QuarantinedMail.Status.PENDING)
    if status not in QuarantinedMail.Status.values:
        status = QuarantinedMail.Status.PENDING
    return _render(request, status=status)


def _held(request: HttpRequest, quarantine_id: int) -> QuarantinedMail:
    if not quarantine_decider(request.user):
        raise PermissionDenied
    held = quarantine_get(user=request.user, quarantine_id=quarantine_id)
    if held is None:
        raise Http404
    return held


@login_required
@require_POST
def quarantine_attach_view(request: AuthedHttpRequest, quarantine_id: int) -> HttpResponse:
    """Attach the mail to the case whose number was given (a case the supervisor can see)."""
    held = _held(request, quarantine_id)
    number = str(request.POST.get("case") or "").strip().upper()
    case = case_visible(user=request.user).filter(number=number).first() if number else None
    if case is None:
        error = _("No case %(number)s that you can see.") % {"number": number or "—"}
        return _render(request, status=QuarantinedMail.Status.PENDING, error=error, code=400)
    try:
        quarantine_attach(quarantined=held, case=case, actor=request.user)
    except DomainError as refused:
        return _render(
            request, status=QuarantinedMail.Status.PENDING, error=refused.message, code=refused.status
        )
    return redirect("messaging:quarantine")


@login_required
@require_POST
def quarantine_discard_view(request: AuthedHttpRequest, quarantine_id: int) -> HttpResponse:
    held = _held(request, quarantine_id)
    try:
        quarantine_discard(quarantined=held, actor=request.user)
    except DomainError as refused:
        return _render(
            request, status=QuarantinedMail.Status.PENDING, error=refused.message, code=refused.status
        )
    return redirect("messaging:quarantine")
