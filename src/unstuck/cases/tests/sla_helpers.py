"""Shared builders for the SLA tests: teams on a chosen calendar, policies, clocks by target."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User

from unstuck.accounts.models import Team
from unstuck.cases.models import Case, EscalationLevel, SlaClock, SlaPolicy, TimelineEntry
from unstuck.cases.tests.factories import person

CN = ZoneInfo("Asia/Shanghai")


def team_on(key: str, calendar_key: str, *agents: str) -> list[User]:
    """Team `key` counting business time in `calendar_key`, with these agents."""
    users = [person(name, "agent", key) for name in agents]
    Team.objects.filter(key=key).update(calendar_key=calendar_key)
    return users


def policy(priority: str, first: str, update: str, resolution: str, *, ladder: bool = False) -> SlaPolicy:
    """Set the policy of `priority` to these targets; without `ladder` its escalation levels go."""
    found = SlaPolicy.objects.get(priority=priority)
    found.first_response, found.next_update, found.resolution = first, update, resolution
    found.save()
    if not ladder:
        EscalationLevel.objects.filter(policy=found).delete()
    return found


def clocks(case: Case) -> dict[str, SlaClock]:
    return {clock.target: clock for clock in SlaClock.objects.filter(case=case)}


def kinds(case: Case) -> list[str]:
    return list(TimelineEntry.objects.filter(case=case).order_by("seq").values_list("kind", flat=True))


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in Beijing time: at(2026, 9, 30, 16) = 2026-09-30 16:00 +08:00."""
    return datetime(year, month, day, hour, minute, tzinfo=CN)
