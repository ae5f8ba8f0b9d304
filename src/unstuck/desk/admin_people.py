"""The desk's people settings (admins change, auditors read): users (role, team, notification
channel, skills, active), their absences with a deputy, teams (lead, calendar, routing mode, case
types) and a team's absence calendar. Writes go through accounts.people, accounts.services and
cases.team_settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.accounts.models import PERSON_ROLE_CHOICES, Absence, Role, Skill, Team
from unstuck.accounts.people import NOTIFY_CHANNELS, membership_remove, people_list, person_save
from unstuck.accounts.selectors import absence_list
from unstuck.accounts.services import absence_create, absence_delete
from unstuck.calendars.business_time import calendar_keys
from unstuck.cases.lifecycle import CaseType
from unstuck.cases.models import TeamRouting
from unstuck.cases.routing_models import TypeTeam
from unstuck.cases.team_settings import team_settings_update
from unstuck.core.errors import DomainError
from unstuck.core.moments import day_check
from unstuck.desk.admin_access import field_errors, settings_reader_required, settings_render

#: Days the team absence calendar shows.
ABSENCE_DAYS = 28


def _active_user(request: HttpRequest, username: str, field: str) -> User | None:
    if not username.strip():
        return None
    person = people_list(user=request.user).filter(username=username.strip(), is_active=True).first()
    if person is None:
        raise ValidationError({field: gettext("No active user %(name)s.") % {"name": username}})
    return person


@settings_reader_required
def users_view(request: AuthedHttpRequest) -> HttpResponse:
    """Every user: role, teams, skills, notification channel; inactive ones last."""
    return settings_render(request, "users.html", {"people": list(people_list(user=request.user)[:1000])})


def _person_form(post: QueryDict | None, person: User | None) -> dict[str, Any]:
    """The user form's values: what was posted (when a save was refused), else what is stored."""
    if post is not None:
        return {
            "username": post.get("username", ""),
            "display_name": post.get("display_name", ""),
            "email": post.get("email", ""),
            "role": post.get("role", ""),
            "team": post.get("team", ""),
            "notify_channel": post.get("notify_channel", ""),
            "skills": post.getlist("skills"),
            "active": bool(post.get("active")),
        }
    profile = getattr(person, "profile", None) if person is not None else None
    first = person.memberships.select_related("team").first() if person is not None else None
    return {
        "username": person.username if person else "",
        "display_name": person.first_name if person else "",
        "email": person.email if person else "",
        "role": profile.role if profile else Role.AGENT,
        "team": first.team.key if first else "",
        "notify_channel": profile.notify_channel if profile else "in_app",
        "skills": [skill.key for skill in profile.skills.all()] if profile else [],
        "active": person.is_active if person else True,
    }


def _person_change(request: AuthedHttpRequest, person: User | None) -> User:
    post = request.POST
    team_key = str(post.get("team") or "")
    team = Team.objects.filter(key=team_key).first() if team_key else None
    if team_key and team is None:
        raise ValidationError({"team": gettext("Unknown team %(key)s.") % {"key": team_key}})
    skills = list(Skill.objects.filter(key__in=post.getlist("skills")))
    return person_save(
        actor=request.user,
        person=person,
        username=str(post.get("username") or "").strip() if person is None else person.username,
        display_name=str(post.get("display_name") or ""),
        email=str(post.get("email") or ""),
        role=str(post.get("role") or ""),
        team=team,
        notify_channel=str(post.get("notify_channel") or ""),
        skills=skills,
        active=bool(post.get("active")),
    )


def _absence_change(request: AuthedHttpRequest, person: User) -> None:
    post = request.POST
    if post.get("action") == "absence_delete":
        absence = absence_list(user=request.user, include_past=True).filter(
            pk=str(post.get("absence") or "0")
        )
        found = absence.filter(user=person).first()
        if found is None:
            raise Http404
        absence_delete(actor=request.user, absence=found)
        return
    try:
        starts = date.fromisoformat(str(post.get("starts") or ""))
        ends = date.fromisoformat(str(post.get("ends") or ""))
    except ValueError:
        raise ValidationError({"starts": gettext("Give both dates as YYYY-MM-DD.")}) from None
    deputy = _active_user(request, str(post.get("deputy") or ""), "deputy")
    try:
        absence_create(
            actor=request.user,
            user=person,
            starts=starts,
            ends=ends,
            deputy=deputy,
            kind=str(post.get("kind") or Absence.Kind.LEAVE),
            note=str(post.get("note") or ""),
        )
    except DomainError as refused:
        field = "deputy" if "deputy" in refused.code else "starts"
        raise ValidationError({field: refused.message}) from None


@settings_reader_required
def user_view(request: AuthedHttpRequest, username: str | None = None) -> HttpResponse:
    """Create or edit a user; POST `action` = save | absence_add | absence_delete | leave_team."""
    person = None
    if username is not None:
        person = people_list(user=request.user).filter(username=username).first()
        if person is None:
            raise Http404
    errors: dict[str, list[str]] = {}
    action = str(request.POST.get("action") or "save")
    if request.method == "POST":
        try:
            if action == "save":
                person = _person_change(request, person)
            elif person is not None and action in ("absence_add", "absence_delete"):
                _absence_change(request, person)
            elif person is not None and action == "leave_team":
                team = Team.objects.filter(key=str(request.POST.get("team") or "")).first()
                if team is None:
                    raise Http404
                membership_remove(actor=request.user, person=person, team=team)
            else:
                raise ValidationError(gettext("Unknown change."))
        except ValidationError as refused:
            errors = field_errors(refused)
            if person is not None and person.pk:
                person.refresh_from_db()
        else:
            assert person is not None
            return redirect("desk:admin_user", username=person.username)
    context = {
        "person": person,
        "form": _person_form(request.POST if errors and action == "save" else None, person),
        "errors": errors,
        "failed": action if errors else "",
        "role_choices": PERSON_ROLE_CHOICES,
        "teams": list(Team.objects.order_by("key")),
        "skills": list(Skill.objects.order_by("key")),
        "channels": NOTIFY_CHANNELS,
        "absence_kinds": Absence.Kind.choices,
        "absences": list(absence_list(user=request.user, username=person.username))[:100] if person else [],
        "memberships": list(person.memberships.select_related("team")) if person else [],
        "posted": request.POST if errors else {},
    }
    return settings_render(request, "user.html", context, status=400 if errors else 200)


@settings_reader_required
def team_view(request: AuthedHttpRequest, key: str) -> HttpResponse:
    """Edit a team: name, lead, calendar, how new cases are handed out, the case types it owns."""
    team = Team.objects.select_related("lead").filter(key=key).first()
    if team is None:
        raise Http404
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        post = request.POST
        try:
            team_settings_update(
                team=team,
                actor=request.user,
                name=str(post.get("name") or ""),
                lead=_active_user(request, str(post.get("lead") or ""), "lead"),
                calendar_key=str(post.get("calendar_key") or ""),
                strategy=str(post.get("strategy") or ""),
                case_types=[str(value) for value in post.getlist("case_types")],
            )
        except ValidationError as refused:
            errors = field_errors(refused)
            team.refresh_from_db()
        else:
            return redirect("desk:admin_team", key=team.key)
    routing = TeamRouting.objects.filter(team=team).first()
    context = {
        "team": team,
        "errors": errors,
        "strategy": routing.strategy if routing else TeamRouting.Strategy.ROUND_ROBIN,
        "strategies": TeamRouting.Strategy.choices,
        "calendars": calendar_keys(),
        "case_types": CaseType.choices,
        "owned": set(TypeTeam.objects.filter(team=team).values_list("case_type", flat=True)),
        "members": list(people_list(user=request.user).filter(memberships__team=team, is_active=True)),
    }
    return settings_render(request, "team.html", context, status=400 if errors else 200)


@dataclass(frozen=True)
class AbsenceRow:
    """One member's run of days: the absence covering each day, or None."""

    person: User
    days: list[Absence | None]


@settings_reader_required
def team_absences_view(request: AuthedHttpRequest, key: str) -> HttpResponse:
    """A team's absence calendar: members × ABSENCE_DAYS days from `?from=` (today by default)."""
    team = Team.objects.filter(key=key).first()
    if team is None:
        raise Http404
    try:
        start = day_check(date.fromisoformat(str(request.GET.get("from") or "")), field="from")
    except (ValueError, DomainError):
        start = timezone.localdate()
    days = [start + timedelta(days=n) for n in range(ABSENCE_DAYS)]
    tz = timezone.get_current_timezone()
    window_start = timezone.make_aware(datetime.combine(start, time.min), tz)
    window_end = window_start + timedelta(days=ABSENCE_DAYS)
    absences = list(
        absence_list(user=request.user, team=team.key, include_past=True).filter(
            starts_at__lt=window_end, ends_at__gt=window_start
        )
    )
    members = list(people_list(user=request.user).filter(memberships__team=team, is_active=True))
    rows = []
    for person in members:
        own = [absence for absence in absences if absence.user_id == person.pk]
        cells: list[Absence | None] = []
        for day in days:
            noon = timezone.make_aware(datetime.combine(day, time.min), tz)
            noon += timedelta(hours=12)
            cells.append(next((a for a in own if a.starts_at <= noon < a.ends_at), None))
        rows.append(AbsenceRow(person, cells))
    context = {"team": team, "days": days, "rows": rows, "start": start}
    return settings_render(request, "team_absences.html", context)
