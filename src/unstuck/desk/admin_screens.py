"""Reads for the desk's admin screens: who may use them, processes with their versions and graph,
calendar days, teams, tokens, and the settings hub's links into Django's admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import admin
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Prefetch
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString

from unstuck.accounts.models import Membership, Role, Team
from unstuck.accounts.selectors import user_role
from unstuck.calendars.business_time import CalendarError, get_calendar
from unstuck.calendars.day_plans import DayPlan
from unstuck.calendars.models import CalendarOverride, VerifiedYear
from unstuck.desk.process_graph import GraphStep, process_graph_svg
from unstuck.processes.models import Process, ProcessVersion

AnyUser = AbstractBaseUser | AnonymousUser
#: Apps whose models the desk's own screens cover; the hub links the rest to Django's admin.
DESK_COVERED = {"processes", "calendars", "accounts", "desk", "auth", "sessions", "contenttypes"}
#: Models of other apps the desk has its own screens for (settings/sla, templates, channels).
DESK_SCREENS = {
    "cases.slapolicy",
    "cases.escalationlevel",
    "messaging.messagetemplate",
    "messaging.channel",
    "casework.playbook",
    "casework.playbookstep",
}
#: How many days the calendar screen shows at once.
CALENDAR_DAYS = 42


def admin_allowed(user: AnyUser) -> bool:
    """Only operations admins (and superusers) use the admin screens; auditors read them elsewhere."""
    return user_role(user) == Role.ADMIN


@dataclass(frozen=True)
class AdminLink:
    """A changelist in Django's admin, for a model the desk has no screen of its own for."""

    app: str
    name: str
    url: str


def admin_changelists() -> list[AdminLink]:
    """Every model registered in Django's admin outside the desk-covered apps, by app and name:
    SLA policies, escalation ladders, playbooks, templates, channels ... as their apps arrive."""
    links = []
    for model in admin.site._registry:
        meta = model._meta
        if meta.app_label in DESK_COVERED or meta.label_lower in DESK_SCREENS:
            continue
        try:
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        except NoReverseMatch:
            continue
        links.append(AdminLink(str(meta.app_config.verbose_name), str(meta.verbose_name_plural), url))
    return sorted(links, key=lambda link: (link.app, link.name))


def process_list() -> list[Process]:
    """Every process with its current version and how many versions it has."""
    return list(
        Process.objects.select_related("current_version")
        .annotate(version_count=Count("versions"))
        .order_by("name", "key")
    )


@dataclass(frozen=True)
class ProcessScreen:
    """One process: its versions, the chosen one's file and its steps drawn as a graph."""

    process: Process
    versions: list[ProcessVersion]
    version: ProcessVersion | None
    graph: SafeString | None


def process_screen(*, key: str, number: int | None) -> ProcessScreen | None:
    """The process `key` showing version `number` (its current version when None); None if unknown."""
    process = Process.objects.select_related("current_version").filter(key=key).first()
    if process is None:
        return None
    versions = list(process.versions.order_by("-number"))
    chosen = next((v for v in versions if v.number == number), None) if number else process.current_version
    graph = None
    if chosen is not None:
        terminal = set(chosen.terminal or [])
        steps = [
            GraphStep(
                key=step.key,
                name=step.name or step.key,
                max_dwell=step.max_dwell,
                team=step.team_key,
                confirmation=bool(step.confirmation_by),
                interruption=step.interruption,
                terminal=step.key in terminal,
            )
            for step in chosen.steps.order_by("position")
        ]
        graph = process_graph_svg(steps, title=f"{process.name} v{chosen.number}")
    return ProcessScreen(process=process, versions=versions, version=chosen, graph=graph)


@dataclass(frozen=True)
class CalendarScreen:
    """A run of days of one calendar, with its overrides and verified years."""

    key: str
    name: str
    days: list[DayPlan]
    uncovered_years: list[int]
    overrides: list[CalendarOverride]
    verified: list[VerifiedYear]


def calendar_screen(*, key: str, start: date) -> CalendarScreen | None:
    """CALENDAR_DAYS days of calendar `key` from `start` (unverified years previewed and marked)."""
    try:
        calendar = get_calendar(key)
    except CalendarError:
        return None
    days = [calendar.day_plan(start + timedelta(days=n), unverified=True) for n in range(CALENDAR_DAYS)]
    uncovered = sorted({plan.day.year for plan in days if not calendar.covers(plan.day.year)})
    overrides = list(CalendarOverride.objects.filter(calendar__key=key).order_by("-date")[:200])
    verified = list(VerifiedYear.objects.filter(calendar__key=key).order_by("-year"))
    return CalendarScreen(key, calendar.name, days, uncovered, overrides, verified)


def team_list() -> list[Team]:
    """Every team with its lead and members (user and role), in three queries."""
    members = Prefetch(
        "memberships", queryset=Membership.objects.select_related("user").order_by("role", "user__username")
    )
    return list(Team.objects.select_related("lead").prefetch_related(members).order_by("key"))
