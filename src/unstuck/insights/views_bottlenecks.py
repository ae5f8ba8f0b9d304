"""The bottleneck page (`insights:bottlenecks`): thin — parse the filter, compute, render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from unstuck.accounts.http import AuthedHttpRequest, sign_in_required
from unstuck.core.errors import DomainError
from unstuck.insights.bottlenecks import (
    Bottlenecks,
    bottlenecks_compute,
    bottlenecks_filter_parse,
    event_range,
    team_choices,
)
from unstuck.insights.event_log import process_visible
from unstuck.insights.pareto import cause_paretos
from unstuck.insights.process_map import MapEdge, MapNode, process_map_svg

EDGES_LISTED = 30


class BottleneckForm(forms.Form):
    """The filter bar; the same parameters as `GET /api/v1/insights/bottlenecks`."""

    process = forms.ChoiceField(label=_("Process"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(
        label=_("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    team = forms.ChoiceField(label=_("Team"), required=False)
    attr = forms.CharField(
        label=_("Attribute"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "warehouse:上海仓", "autocomplete": "off"}),
    )

    def __init__(self, data: Any, *, processes: list[tuple[str, str]], teams: list[str]) -> None:
        super().__init__(data)
        self.fields["process"].choices = processes  # type: ignore[attr-defined]
        every = pgettext_lazy("filter", "All")
        self.fields["team"].choices = [("", every), *((t, t) for t in teams)]  # type: ignore[attr-defined]


def _map(result: Bottlenecks) -> Any:
    steps = {s.activity: s for s in result.current.insights.steps}
    nodes = [
        MapNode(key, result.step_names.get(key, key), steps[key].count, steps[key].sojourn_mean_seconds)
        for key in result.step_order
        if key in steps
    ]
    edges = [
        MapEdge(e.source, e.target, e.count, e.mean_seconds, e.median_seconds)
        for e in result.current.insights.edges
    ]
    return process_map_svg(nodes=nodes, edges=edges)


@sign_in_required
def bottlenecks_view(request: AuthedHttpRequest) -> HttpResponse:
    """瓶颈分析: per step times, the process map, variants, rework and ping-pong for one period."""
    processes = list(process_visible(user=request.user).values_list("key", "name"))
    chosen = request.GET.get("process") or (processes[0][0] if processes else "")
    process = next((p for p in process_visible(user=request.user).filter(key=chosen)), None)
    form = BottleneckForm(
        request.GET or None, processes=processes, teams=team_choices(process) if process else []
    )
    context: dict[str, Any] = {"form": form, "nav": "bottlenecks", "processes": processes}
    error = None
    status = 200
    result = None
    if processes:
        try:
            log_filter = bottlenecks_filter_parse(
                user=request.user,
                process=chosen,
                since=request.GET.get("since") or None,
                until=request.GET.get("until") or None,
                days=7,
                team=request.GET.get("team", ""),
                attrs=[request.GET.get("attr", "")],
            )
            result = bottlenecks_compute(user=request.user, log_filter=log_filter)
        except DomainError as problem:
            error, status = problem.message, problem.status
    if result is not None:
        first, last = event_range(process=result.process)
        previous = result.log_filter.shifted_back()
        context.update(
            result=result,
            steps=result.steps(),
            edges=result.current.insights.edges[:EDGES_LISTED],
            edges_hidden=max(0, len(result.current.insights.edges) - EDGES_LISTED),
            variants=result.current.insights.variants[:10],
            rework=result.rework(),
            pingpong_steps=result.pingpong("steps"),
            pingpong_teams=result.pingpong("teams"),
            summary=result.summary(),
            process_map=_map(result),
            first_event=first,
            last_event=last,
            previous_since=previous.since,
            compute_ms=round(result.seconds * 1000),
        )
        if result.log_filter.since is not None and result.log_filter.until is not None:
            context["paretos"] = cause_paretos(
                user=request.user,
                process=result.process.key,
                since=result.log_filter.since,
                until=result.log_filter.until,
                team=result.log_filter.team,
            )
    context["error"] = error
    return render(request, "insights/bottlenecks.html", context, status=status)
