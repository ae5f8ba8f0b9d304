"""The morning brief page: a day (yesterday by default) or a range, for a team or everybody."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from unstuck.accounts.http import AuthedHttpRequest, sign_in_required
from unstuck.accounts.models import Team
from unstuck.core.errors import DomainError
from unstuck.core.moments import day_check
from unstuck.insights.brief import brief_for, brief_teams_for, yesterday
from unstuck.insights.brief_charts import brief_charts, charts_font_warning
from unstuck.insights.brief_mail import brief_subscribe, brief_subscription_for


def _day(raw: str | None) -> date | None:
    try:
        return day_check(date.fromisoformat(raw), field="date") if raw else yesterday()
    except (ValueError, DomainError):
        return None


@sign_in_required
def brief_view(request: AuthedHttpRequest) -> HttpResponse:
    """Render the brief the signed-in supervisor or admin asked for (`?date=`, `?days=`, `?team=`)."""
    first = _day(request.GET.get("date"))
    days_raw = request.GET.get("days") or "1"
    error = ""
    if first is None:
        error, first = _("Give the day as YYYY-MM-DD, e.g. 2026-11-30."), yesterday()
    days = int(days_raw) if days_raw.isdecimal() and 1 <= int(days_raw) <= 31 else 1
    try:
        brief = brief_for(user=request.user, first=first, days=days, team=request.GET.get("team") or None)
    except DomainError as refused:
        return HttpResponseForbidden(refused.message)
    charts = [
        {"name": chart.name, "title": chart.title, "svg": chart.data.decode("utf-8")}
        for chart in brief_charts(brief, fmt="svg")
    ]
    allowed = brief_teams_for(user=request.user)
    sees_all = allowed is None
    if allowed is None:
        allowed = list(Team.objects.order_by("key").values_list("key", flat=True))
    return render(
        request,
        "insights/brief.html",
        {
            "nav": "brief",
            "brief": brief,
            "charts": charts,
            "error": error,
            "teams": allowed,
            "user_sees_all": sees_all,
            "days": days,
            "font_warning": charts_font_warning(),
            "subscription": brief_subscription_for(user=request.user, team_key=brief.team),
        },
    )


@sign_in_required
@require_POST
def brief_subscribe_view(request: AuthedHttpRequest) -> HttpResponse:
    """Subscribe the signed-in user to the brief shown (its team), at the time they chose."""
    form = BriefSubscribeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        try:
            brief_subscribe(
                user=request.user,
                team_key=form.cleaned_data["team"] or None,
                send_at=form.cleaned_data["send_at"],
                active=form.cleaned_data["active"],
            )
        except DomainError as refused:
            messages.error(request, refused.message)
        else:
            messages.success(
                request,
                _("The brief will reach %(email)s every morning at %(time)s.")
                % {
                    "email": getattr(request.user, "email", ""),
                    "time": form.cleaned_data["send_at"].strftime("%H:%M"),
                }
                if form.cleaned_data["active"]
                else _("You will no longer receive this brief by e-mail."),
            )
    query = urlencode({"team": form.data.get("team", "")})
    return redirect(f"{reverse('brief:day')}?{query}")


class BriefSubscribeForm(forms.Form):
    """Which brief to mail, when, and whether at all."""

    team = forms.CharField(required=False, max_length=63)
    send_at = forms.TimeField(label=_("Send at"), initial="08:30")
    active = forms.BooleanField(required=False, initial=True)
