"""The case queues (我的队列 and the team queue) and their saved views. Thin: parse, select, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from unstuck.accounts.http import AuthedHttpRequest, sign_in_required
from unstuck.accounts.selectors import user_team_keys
from unstuck.core.errors import DomainError
from unstuck.desk.queue import queue_board
from unstuck.desk.queue_filters import QueueFilter, QueueFilterForm, queue_filter_from_saved
from unstuck.desk.selectors import saved_view_list
from unstuck.desk.services import saved_view_create, saved_view_delete
from unstuck.processes.selectors import board_names


def queue_filter_form(data: QueryDict) -> QueueFilterForm:
    """The queue's filter form with the processes and teams that exist (three small queries)."""
    names = board_names()
    return QueueFilterForm(data, processes=names.process_choices(), teams=list(names.teams.items()))


def _queue_context(request: HttpRequest, form: QueueFilterForm, filters: QueueFilter) -> dict[str, object]:
    board = queue_board(user=request.user, filters=filters, now=timezone.now())
    query = filters.query()
    return {
        "form": form,
        "filters": filters,
        "board": board,
        "live_url": reverse("desk:queue") + (filters.next_page(filters.after) if filters.after else query),
        # Case links carry the queue they came from, so the case page can step to the next one.
        "from_query": urlencode({"from": query[1:]}) if len(query) > 1 else "",
        "nav": "team" if filters.is_team else "queue",
    }


def _page_context(request: HttpRequest, context: dict[str, object]) -> dict[str, object]:
    views = saved_view_list(user=request.user)
    context["saved_views"] = [
        (view, queue_filter_from_saved(view.filters, view_id=view.pk)) for view in views
    ]
    context["share_teams"] = sorted(user_team_keys(request.user))
    return context


@sign_in_required
def queue_view(request: HttpRequest) -> HttpResponse:
    """My queue (or `?scope=team`): open cases by SLA urgency, live. HTMX polls get the fragment."""
    form = queue_filter_form(request.GET)
    context = _queue_context(request, form, form.filter())
    if getattr(request, "htmx", False):
        response = render(request, "desk/partials/queue_live.html", context)
    else:
        response = render(request, "desk/queue.html", _page_context(request, context))
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_POST
@sign_in_required
def saved_view_create_view(request: AuthedHttpRequest) -> HttpResponse:
    """Save the current queue filters under a name; back to the queue, now showing that view."""
    form = queue_filter_form(request.POST)
    filters = form.filter()
    try:
        view = saved_view_create(
            owner=request.user,
            name=str(request.POST.get("name") or ""),
            filters=filters,
            team_key=str(request.POST.get("share_team") or ""),
        )
    except DomainError as refused:
        context = _page_context(request, _queue_context(request, form, filters))
        context["view_error"] = refused.message
        return render(request, "desk/queue.html", context, status=refused.status)
    saved = queue_filter_from_saved(view.filters, view_id=view.pk)
    return redirect(reverse("desk:queue") + saved.query())


@require_POST
@sign_in_required
def saved_view_delete_view(request: AuthedHttpRequest, view_id: int) -> HttpResponse:
    """Delete one of my saved views; back to the plain queue."""
    try:
        saved_view_delete(owner=request.user, view_id=view_id)
    except DomainError as refused:
        return HttpResponse(refused.message, status=refused.status, content_type="text/plain; charset=utf-8")
    return redirect("desk:queue")


def queue_filter_from_query(text: str) -> QueueFilter:
    """The queue a case page was opened from (its `from` parameter), as a filter."""
    return queue_filter_form(QueryDict(text)).filter()
