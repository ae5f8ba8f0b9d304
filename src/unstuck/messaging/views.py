"""Messaging pages and the case panel's HTMX actions. Thin: parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.cases.models import Case
from unstuck.cases.selectors import case_for_write, case_get
from unstuck.core.errors import DomainError
from unstuck.messaging.compose import case_message_preview, case_message_send
from unstuck.messaging.panels import panel_render
from unstuck.messaging.selectors import notification_list, notification_unread_count
from unstuck.messaging.services import notification_mark_read

COMPOSE_FIELDS = ("message", "reason", "eta")


def _visible_case(request: HttpRequest, case_id: int) -> Case:
    try:
        return case_get(user=request.user, case_id=case_id)
    except DomainError as missing:  # another team's case: simply not found
        raise Http404(missing.message) from missing


def _compose(request: HttpRequest) -> tuple[str, dict[str, str], str]:
    template_key = request.POST.get("template_key", "case_reply")
    extra = {name: request.POST.get(name, "").strip()[:2000] for name in COMPOSE_FIELDS}
    return template_key, extra, request.POST.get("channel", "").strip()


@login_required
@require_POST
def case_preview_view(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    """Re-render the panel with a preview of the message the form would send."""
    case = _visible_case(request, case_id)
    template_key, extra, channel = _compose(request)
    try:
        preview = case_message_preview(
            case=case,
            actor=request.user,
            template_key=template_key,
            extra=extra,
            channel=channel,
        )
        error = ""
    except DomainError as refused:
        preview, error = None, refused.message
    return HttpResponse(
        panel_render(request=request, case=case, preview=preview, form=request.POST, error=error)
    )


@login_required
@require_POST
def case_send_view(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    """Queue the message and answer with the re-rendered panel (the new message in its list)."""
    case = _visible_case(request, case_id)
    try:
        case_for_write(user=request.user, case_id=case_id)
    except DomainError as refused:
        return HttpResponse(
            panel_render(request=request, case=case, form=request.POST, error=refused.message), status=403
        )
    template_key, extra, channel = _compose(request)
    try:
        case_message_send(
            case=case,
            actor=request.user,
            template_key=template_key,
            extra=extra,
            channel=channel,
            token=request.POST.get("token", ""),
        )
    except DomainError as refused:
        return HttpResponse(
            panel_render(request=request, case=case, form=request.POST, error=refused.message), status=400
        )
    return HttpResponse(panel_render(request=request, case=case, sent=True))


@login_required
def notifications_view(request: AuthedHttpRequest) -> HttpResponse:
    """The signed-in user's in-app notifications (newest first); POST marks them all read."""
    if request.method == "POST":
        notification_mark_read(user=request.user)
        return redirect("messaging:notifications")
    context = {
        "notifications": notification_list(user=request.user),
        "unread": notification_unread_count(user=request.user),
        "nav": "notifications",
    }
    return render(request, "messaging/notifications.html", context)
