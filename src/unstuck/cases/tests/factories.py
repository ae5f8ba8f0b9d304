"""Test data builders for cases: people in teams with tokens, stalls from real events, cases."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import User

from unstuck.accounts.services import api_token_create, user_ensure
from unstuck.cases.models import Case
from unstuck.cases.routing import cases_resolve_recovered, cases_route_stalls
from unstuck.cases.services import case_create
from unstuck.stalls.services import deadlines_process_due
from unstuck.tracking.services import event_ingest_batch
from unstuck.tracking.tests.factories import T0, event, load_simple_process

__all__ = ["T0", "event", "load_simple_process"]


def person(username: str, role: str = "agent", team: str | None = None) -> User:
    """A user with a global role and (optionally) a membership in `team` with the same role."""
    return user_ensure(username=username, role=role, team_key=team)


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token_create(user=user)[1]}"}


def push(*events: dict[str, object]) -> None:
    event_ingest_batch(events=list(events))


def worker_pass(at_minutes: float) -> None:
    """What one worker round does at T0 + `at_minutes`: stall deadlines, then both case jobs."""
    now = T0 + timedelta(minutes=at_minutes)
    while deadlines_process_due(now=now, batch=50).items:
        pass
    while cases_route_stalls(batch=50).stalls:
        pass
    while cases_resolve_recovered(batch=50):
        pass


def manual_case(
    team: str = "ops", title: str = "客户投诉", actor: User | None = None, **extra: object
) -> Case:
    actor = actor or person("case-admin", "admin")
    return case_create(actor=actor, case_type="complaint", title=title, team_key=team, **extra)  # type: ignore[arg-type]


def minutes(at: datetime) -> float:
    return (at - T0).total_seconds() / 60
