"""Test data for casework: a team world with tokens, and cases opened by the real worker from stalls."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from unstuck.cases.models import Case
from unstuck.cases.tests.factories import (
    bearer,
    event,
    load_simple_process,
    manual_case,
    person,
    push,
    worker_pass,
)

__all__ = ["bearer", "event", "load_simple_process", "manual_case", "person", "push", "worker_pass"]


def stalled_cases(*items: tuple[str, dict[str, Any]], at_minutes: float = 61) -> list[Case]:
    """Items entering step `new` at T0 (team `intake`, max 1h) with the given attributes; the worker
    then opens one case per item. Returns the cases in item order."""
    load_simple_process()
    push(*[event(name, "new", 0, attrs=attrs) for name, attrs in items])
    worker_pass(at_minutes)
    by_item = {case.item.external_id: case for case in Case.objects.select_related("item") if case.item}
    return [by_item[name] for name, _attrs in items]


def intake_world() -> dict[str, User]:
    """Team intake with an agent and a supervisor; team sales with an agent and a supervisor; an admin
    and an auditor."""
    return {
        "agent": person("intake-agent", "agent", "intake"),
        "agent2": person("intake-agent2", "agent", "intake"),
        "lead": person("intake-lead", "supervisor", "intake"),
        "sales_agent": person("sales-agent", "agent", "sales"),
        "sales_lead": person("sales-lead", "supervisor", "sales"),
        "admin": person("cw-admin", "admin"),
        "auditor": person("cw-auditor", "auditor"),
    }


def headers_for(world: dict[str, User]) -> dict[str, dict[str, str]]:
    return {name: bearer(user) for name, user in world.items()}


def kinds(case: Case) -> list[str]:
    return list(case.timeline.order_by("seq").values_list("kind", flat=True))
