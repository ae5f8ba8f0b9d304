"""The desk's admin screens (admins only): processes, calendars, teams, API tokens, settings hub.
Thin: check the role, call one selector or service, render; refusals are shown inline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from unstuck.accounts.http import AuthedHttpRequest, sign_in_required
from unstuck.accounts.selectors import api_token_list
from unstuck.accounts.services import api_token_create, api_token_revoke
from unstuck.calendars.business_time import CalendarError, calendar_keys, get_calendar
from unstuck.calendars.services import calendar_override_remove, calendar_override_set, calendar_year_verify
from unstuck.core.keyset import row_id_parse
from unstuck.desk.admin_access import settings_reader_required, settings_render
from unstuck.desk.admin_screens import (
    admin_allowed,
    admin_changelists,
    calendar_screen,
    process_list,
    process_screen,
    team_list,
)
from unstuck.processes.definition import ProcessDefinitionError
from unstuck.processes.services import process_load

View = Callable[..., HttpResponse]


def desk_admin_required(view: View) -> View:
    """Signed in and an operations admin; anyone else gets the 'not for your role' page (403)."""

    @sign_in_required
    @wraps(view)
    def wrapper(request: AuthedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not admin_allowed(request.user):
            return render(request, "desk/forbidden.html", {"nav": "admin"}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return settings_render(request, template, context, status=status)


@settings_reader_required
def admin_hub_view(request: HttpRequest) -> HttpResponse:
    """设置: the desk's admin screens and, for everything else, Django's admin changelists."""
    return settings_render(request, "hub.html", {"changelists": admin_changelists()})


@desk_admin_required
def processes_view(request: HttpRequest) -> HttpResponse:
    return _render(request, "processes.html", {"processes": process_list()})


def _source_lines(source: str, bad_line: int | None) -> list[tuple[int, str, bool]]:
    return [(number, text, number == bad_line) for number, text in enumerate(source.splitlines(), 1)]


@desk_admin_required
def process_view(request: HttpRequest, key: str) -> HttpResponse:
    """A process: versions, the YAML of one, its steps as a graph; POST uploads a new version."""
    number = request.GET.get("v")
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        source = (
            upload.read().decode("utf-8", errors="replace")
            if upload
            else str(request.POST.get("source") or "")
        )
        try:
            result = process_load(
                source=source,
                loaded_by=request.user.get_username(),
                migrate_open=bool(request.POST.get("migrate_open")),
            )
        except ProcessDefinitionError as refused:
            context.update(
                upload_error=refused,
                upload_source=source,
                upload_lines=_source_lines(source, refused.line),
            )
            status = 400
        else:
            if result.process.key != key:
                return redirect("desk:admin_process", key=result.process.key)
            context["upload_result"] = result
    screen = process_screen(key=key, number=row_id_parse(number or ""))
    if screen is None:
        raise Http404
    context["screen"] = screen
    return _render(request, "process.html", context, status=status)


@desk_admin_required
def process_new_view(request: HttpRequest) -> HttpResponse:
    """Load a process file that may name a new process; errors shown by line."""
    if request.method != "POST":
        return _render(request, "process_new.html", {})
    upload = request.FILES.get("file")
    source = (
        upload.read().decode("utf-8", errors="replace") if upload else str(request.POST.get("source") or "")
    )
    try:
        result = process_load(source=source, loaded_by=request.user.get_username())
    except ProcessDefinitionError as refused:
        context = {
            "upload_error": refused,
            "upload_source": source,
            "upload_lines": _source_lines(source, refused.line),
        }
        return _render(request, "process_new.html", context, status=400)
    return redirect("desk:admin_process", key=result.process.key)


@settings_reader_required
def calendars_view(request: HttpRequest) -> HttpResponse:
    calendars = []
    for key in calendar_keys():
        try:
            calendars.append((key, get_calendar(key).name))
        except CalendarError:
            continue
    return _render(request, "calendars.html", {"calendars": calendars})


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _calendar_change(request: HttpRequest, key: str) -> str:
    """Apply one POSTed calendar change; returns what was done, raises ValidationError/CalendarError."""
    action = request.POST.get("action")
    who = request.user.get_username()
    if action == "verify":
        year_text = str(request.POST.get("year") or "")
        if not year_text.isdecimal() or not 2000 <= int(year_text) <= 2100:
            raise ValidationError(gettext("Give the year as four digits, e.g. 2027."))
        calendar_year_verify(
            calendar_key=key, year=int(year_text), verified_by=who, note=str(request.POST.get("note") or "")
        )
        return gettext("Year %(year)s marked verified.") % {"year": year_text}
    day = _date(str(request.POST.get("day") or ""))
    if day is None:
        raise ValidationError(gettext("Give the date as YYYY-MM-DD, e.g. 2027-02-05."))
    if action == "remove":
        removed = calendar_override_remove(calendar_key=key, day=day)
        if not removed:
            raise ValidationError(gettext("%(day)s has no override to remove.") % {"day": day.isoformat()})
        return gettext("%(day)s follows the calendar's rule again.") % {"day": day.isoformat()}
    working = request.POST.get("kind") == "working"
    calendar_override_set(
        calendar_key=key,
        day=day,
        is_working_day=working,
        note=str(request.POST.get("note") or "")[:200],
        updated_by=who,
    )
    if working:
        return gettext("%(day)s is now a working day.") % {"day": day.isoformat()}
    return gettext("%(day)s is now a day off.") % {"day": day.isoformat()}


@settings_reader_required
def calendar_view(request: HttpRequest, key: str) -> HttpResponse:
    """A calendar's days from `?from=` (today by default); POST adds/removes overrides or verifies a year."""
    notice = error = ""
    status = 200
    if request.method == "POST":
        try:
            notice = _calendar_change(request, key)
        except ValidationError as refused:
            error = " ".join(refused.messages)
            status = 400
        except CalendarError as refused:
            error = str(refused)
            status = 400
    start = _date(str(request.GET.get("from") or "")) or timezone.localdate()
    screen = calendar_screen(key=key, start=start)
    if screen is None:
        raise Http404
    context = {"screen": screen, "start": start, "notice": notice, "error": error}
    return _render(request, "calendar.html", context, status=status)


@settings_reader_required
def teams_view(request: HttpRequest) -> HttpResponse:
    """Teams with their lead and members' roles; each links to its settings and absence calendar."""
    return _render(request, "teams.html", {"teams": team_list()})


@desk_admin_required
def tokens_view(request: HttpRequest) -> HttpResponse:
    """API tokens: create one (its secret shown this once) or revoke one."""
    context: dict[str, Any] = {}
    status = 200
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    if request.method == "POST":
        owner = users.filter(username=str(request.POST.get("username") or "")).first()
        if owner is None:
            context["error"] = gettext("Choose an active user for the token.")
            status = 400
        else:
            token, raw = api_token_create(user=owner, name=str(request.POST.get("name") or "")[:100])
            context.update(created=token, raw_token=raw)
    context.update(
        tokens=list(api_token_list(include_revoked=True)[:500]),
        users=list(users.values_list("username", flat=True)),
    )
    response = _render(request, "tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page may carry a token's secret
    return response


@require_POST
@desk_admin_required
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = api_token_list(include_revoked=True).filter(pk=token_id).first()
    if token is None:
        raise Http404
    api_token_revoke(token=token)
    return redirect("desk:admin_tokens")
