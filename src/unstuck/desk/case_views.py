"""The case page and its actions (status, assignment, notes), each calling one `cases.services`
write. HTMX posts get the re-rendered work area; plain form posts get the page back."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from unstuck.accounts.http import AuthedHttpRequest, sign_in_required
from unstuck.cases.selectors import case_for_write, case_get
from unstuck.cases.services import case_assign, case_note_add, case_status_change
from unstuck.core.errors import DomainError
from unstuck.core.keyset import MAX_ROW_ID
from unstuck.desk.case_page import CasePage, case_page, timeline_page
from unstuck.desk.display import CASE_STATUS_LABELS, label
from unstuck.desk.panels import case_panels_html
from unstuck.desk.queue import queue_neighbours
from unstuck.desk.queue_views import queue_filter_from_query


def _status_label(status: str) -> str:
    return label(CASE_STATUS_LABELS, status)


def refusal_text(refused: DomainError, *, current: str = "", target: str = "") -> str:
    """A service's refusal in the reader's language (the services word them for the API)."""
    if refused.code == "invalid_transition":
        return gettext(
            "This case cannot go from “%(current)s” to “%(target)s”. Choose one of the actions offered."
        ) % {"current": _status_label(current), "target": _status_label(target)}
    texts = {
        "reason_required": gettext("Say why the case is reopened."),
        "empty_note": gettext("A note needs some text."),
        "forbidden": gettext("You may not do this on this case."),
        "not_in_team": gettext("That person is not a member of the case's team."),
        "user_not_found": gettext("No active user by that name."),
        "no_agent": gettext("The case's team has no active agent to assign it to."),
        "invalid_status": gettext("Unknown status."),
    }
    return texts.get(refused.code, refused.message)


def _context(request: HttpRequest, case_id: int, *, error: str = "", notice: str = "") -> dict[str, object]:
    try:
        page = case_page(user=request.user, case_id=case_id, now=timezone.now())
    except DomainError as missing:
        raise Http404(missing.message) from None
    back = str(request.GET.get("from") or request.POST.get("from") or "")
    return {
        "page": page,
        "case": page.case,
        "now": timezone.now(),
        "error": error,
        "notice": notice,
        "from_value": back,
        "from_query": urlencode({"from": back}) if back else "",
        "nav": "team" if "scope=team" in back else "queue",
    }


def _page_response(request: HttpRequest, case_id: int, *, error: str = "", status: int = 200) -> HttpResponse:
    context = _context(request, case_id, error=error)
    page: CasePage = context["page"]  # type: ignore[assignment]
    back = str(context["from_value"])
    context["queue_url"] = reverse("desk:queue") + (f"?{back}" if back else "")
    context["neighbours"] = queue_neighbours(
        user=request.user, filters=queue_filter_from_query(back), case=page.case
    )
    context["panels"] = case_panels_html(request=request, case=page.case)
    return render(request, "desk/case.html", context, status=status)


@sign_in_required
def case_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """A case: header, work area (actions + timeline), item events, customer history, panels,
    and the previous/next case of the queue the user came from."""
    return _page_response(request, case_id)


def _act(request: HttpRequest, case_id: int, action: Callable[[], str]) -> HttpResponse:
    """Run one write; answer with the work area (HTMX) or the page, showing the outcome inline."""
    error = notice = ""
    status = 200
    try:
        case_for_write(user=request.user, case_id=case_id)
        notice = action()
    except DomainError as refused:
        if refused.code == "case_not_found":
            raise Http404(refused.message) from None
        error = refused.message
        status = refused.status
    if getattr(request, "htmx", False):
        # HTMX swaps only successful answers: the refusal is shown inline, so it answers 200.
        return render(
            request, "desk/partials/case_work.html", _context(request, case_id, error=error, notice=notice)
        )
    if error:
        return _page_response(request, case_id, error=error, status=status)
    back = str(request.POST.get("from") or "")
    return redirect(reverse("desk:case", args=[case_id]) + (f"?{urlencode({'from': back})}" if back else ""))


@require_POST
@sign_in_required
def case_status_view(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    target = str(request.POST.get("status") or "")
    reason = str(request.POST.get("reason") or "")

    def change() -> str:
        try:
            case = case_status_change(case_id=case_id, actor=request.user, status=target, reason=reason)
        except DomainError as refused:
            current = case_for_write(user=request.user, case_id=case_id).status
            raise DomainError(
                refused.code, refusal_text(refused, current=current, target=target), refused.status
            ) from None
        return gettext("Status is now “%(status)s”.") % {"status": _status_label(case.status)}

    return _act(request, case_id, change)


@require_POST
@sign_in_required
def case_assign_view(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    owner = str(request.POST.get("owner") or "").strip() or request.user.get_username()

    def assign() -> str:
        try:
            case_assign(case_id=case_id, actor=request.user, owner_username=owner)
        except DomainError as refused:
            raise DomainError(refused.code, refusal_text(refused), refused.status) from None
        return gettext("Assigned to %(owner)s.") % {"owner": owner}

    return _act(request, case_id, assign)


@require_POST
@sign_in_required
def case_note_view(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    text = str(request.POST.get("text") or "")

    def note() -> str:
        try:
            case_note_add(case_id=case_id, actor=request.user, text=text)
        except DomainError as refused:
            raise DomainError(refused.code, refusal_text(refused), refused.status) from None
        return gettext("Note added.")

    return _act(request, case_id, note)


@sign_in_required
def case_timeline_view(request: AuthedHttpRequest, case_id: int) -> HttpResponse:
    """The timeline entries before `?before=<entry number>`: HTMX gets the rows to put in place of
    the "earlier" link; a plain request (no JavaScript) a page with them."""
    try:
        case = case_get(user=request.user, case_id=case_id)
    except DomainError as missing:
        raise Http404(missing.message) from None
    raw = request.GET.get("before", "")
    if not raw.isdecimal() or int(raw) > MAX_ROW_ID:
        return HttpResponse(
            gettext("“before” must be the number of a timeline entry, not “%(value)s”.") % {"value": raw},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    context = {"case": case, "timeline": timeline_page(case=case, before=int(raw)), "nav": "queue"}
    if getattr(request, "htmx", False):
        return render(request, "desk/partials/timeline_entries.html", context)
    return render(request, "desk/case_timeline.html", context)
