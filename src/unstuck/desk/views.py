"""Desk pages: sign-in, the live stalls board and an item's page. Thin: parse, select, render."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from unstuck.accounts.http import AuthedHttpRequest, sign_in_required
from unstuck.desk.filters import StallFilterForm
from unstuck.desk.forms import LockoutAuthenticationForm
from unstuck.desk.selectors import item_story, stall_board
from unstuck.processes.selectors import board_names


class LoginView(auth_views.LoginView):
    """Django's sign-in with the desk's template and the lockout form."""

    template_name = "desk/login.html"
    authentication_form = LockoutAuthenticationForm
    redirect_authenticated_user = True
    next_page = "desk:board"  # when the form brings no safe `next`


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only, as Django requires), back to the sign-in page."""

    next_page = "desk:login"


@sign_in_required
def stall_board_view(request: AuthedHttpRequest) -> HttpResponse:
    """卡点看板: open stalls, live. HTMX polls get just the live fragment; anything else the page."""
    names = board_names(user=request.user)
    form = StallFilterForm(
        request.GET,
        processes=names.process_choices(),
        steps=names.step_choices(),
        teams=list(names.teams.items()),
    )
    filters = form.filter()
    board = stall_board(user=request.user, filters=filters, names=names, now=timezone.now())
    context = {
        "form": form,
        "filters": filters,
        "board": board,
        "live_url": request.get_full_path(),
        "nav": "board",
    }
    partial = bool(getattr(request, "htmx", False))
    template = "desk/partials/board_live.html" if partial else "desk/board.html"
    response = render(request, template, context)
    # The same URL answers with a fragment or a page: caches and the back button must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


@sign_in_required
def item_view(request: AuthedHttpRequest, process: str, item: str) -> HttpResponse:
    """An item's page: where it is, for whom, its events in time order and its stalls."""
    story = item_story(user=request.user, process_key=process, external_id=item)
    if story is None:
        raise Http404
    return render(
        request, "desk/item.html", {"story": story, "item": story.item, "now": timezone.now(), "nav": "board"}
    )
