"""The supervisor's live wall (实时监控墙). Thin: check the role, select, render."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from unstuck.accounts.http import AuthedHttpRequest, sign_in_required
from unstuck.desk.wall import wall_allowed, wall_read
from unstuck.processes.selectors import board_names


@sign_in_required
def wall_view(request: AuthedHttpRequest) -> HttpResponse:
    """Stalls and breaches as they arrive, grouped, with team workload; HTMX polls get the fragment."""
    if not wall_allowed(request.user):
        return render(request, "desk/forbidden.html", {"nav": "wall"}, status=403)
    wall = wall_read(user=request.user, names=board_names(), now=timezone.now())
    context = {"wall": wall, "nav": "wall"}
    template = "desk/partials/wall_live.html" if getattr(request, "htmx", False) else "desk/wall.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response
