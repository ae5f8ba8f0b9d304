"""An absent owner's cases nearing breach go to the deputy, else the team's next agent; the job
reads an index range, is idempotent, and the timeline says why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from unstuck.accounts.services import absence_create, user_ensure
from unstuck.cases.models import Case
from unstuck.cases.reassignment import cases_reassign_absent
from unstuck.cases.tests.factories import manual_case
from unstuck.cases.timeline import timeline_verify
from unstuck.core.testing import postgres_in_use

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """These tests read the English wording (the Chinese is checked by core's translation test)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def agent(username: str, team: str = "ops", name: str | None = None) -> Any:
    return user_ensure(username=username, role="agent", team_key=team, display_name=name)


def away(user: Any, deputy: Any = None) -> None:
    today = timezone.localdate()
    absence_create(actor=user, user=user, starts=today, ends=today + timedelta(days=2), deputy=deputy)


def owned_case(owner: Any, *, due_in: timedelta | None, sla_state: str = "ok", team: str = "ops") -> Case:
    """A case of `owner` whose SLA (kept by the SLA service) is due `due_in` from now."""
    case = manual_case(team=team, title=f"case of {owner.username}")
    due = timezone.now() + due_in if due_in is not None else None
    Case.objects.filter(pk=case.pk).update(owner=owner, sla_due_at=due, sla_state=sla_state)
    case.refresh_from_db()
    return case


def owner_of(case: Case) -> str:
    case.refresh_from_db()
    return case.owner.get_username() if case.owner else ""


def test_cases_nearing_breach_go_to_the_deputy_and_the_rest_stay() -> None:
    lina = agent("lina", name="李娜")
    wang = agent("wang", name="王芳")
    soon = owned_case(lina, due_in=timedelta(minutes=90))
    late = owned_case(lina, due_in=timedelta(hours=5))
    warned = owned_case(lina, due_in=timedelta(hours=30), sla_state="warning")
    breached = owned_case(lina, due_in=None, sla_state="breached")
    no_sla = owned_case(lina, due_in=None, sla_state="")
    done = owned_case(lina, due_in=timedelta(minutes=5))
    Case.objects.filter(pk=done.pk).update(status="resolved")
    assert cases_reassign_absent() == 0  # lina is at work: nothing to do
    away(lina, deputy=wang)
    assert cases_reassign_absent() == 3
    assert [owner_of(c) for c in [soon, warned, breached]] == ["wang"] * 3
    assert [owner_of(c) for c in [late, no_sla, done]] == ["lina"] * 3
    entry = soon.timeline.order_by("-seq").first()
    assert entry is not None and entry.kind == "assigned" and entry.actor_label == "worker"
    until = (timezone.localdate() + timedelta(days=2)).strftime("%m-%d")
    assert entry.message.startswith(f"Reassigned from 李娜 (on leave until {until}) to 王芳, the deputy:")
    assert entry.data["reason"] == "owner_absent" and entry.data["via"] == "deputy"
    assert "breached" in breached.timeline.order_by("-seq").first().message  # type: ignore[union-attr]
    entries = sum(c.timeline.count() for c in Case.objects.all())
    assert cases_reassign_absent() == 0  # idempotent: the new owners are present
    assert sum(c.timeline.count() for c in Case.objects.all()) == entries
    assert timeline_verify().broken is None


def test_the_horizon_is_configurable() -> None:
    lina, wang = agent("lina"), agent("wang")
    case = owned_case(lina, due_in=timedelta(hours=5))
    away(lina, deputy=wang)
    assert cases_reassign_absent() == 0
    with override_settings(UNSTUCK_REASSIGN_HORIZON_MINUTES=6 * 60):
        assert cases_reassign_absent() == 1
    assert owner_of(case) == "wang"


def test_a_deputy_away_too_hands_on_along_the_chain() -> None:
    a, b, c = agent("a"), agent("b"), agent("c")
    case = owned_case(a, due_in=timedelta(minutes=30))
    away(a, deputy=b)
    away(b, deputy=c)
    assert cases_reassign_absent() == 1
    assert owner_of(case) == "c"


def test_without_a_deputy_the_team_s_next_present_agent_takes_it() -> None:
    a = agent("a")
    agent("b")
    agent("c")
    away(a)
    b = agent("b")
    away(b)
    case = owned_case(a, due_in=timedelta(minutes=30))
    assert cases_reassign_absent() == 1
    assert owner_of(case) == "c"
    entry = case.timeline.order_by("-seq").first()
    assert entry is not None and entry.data["via"] == "team" and "of the team" in entry.message


def test_a_deputy_outside_the_case_s_team_is_passed_over_for_the_team() -> None:
    a = agent("a", team="ops")
    user_ensure(username="a", team_key="sales")
    outsider = agent("outsider", team="sales")
    agent("colleague", team="ops")
    away(a, deputy=outsider)
    case = owned_case(a, due_in=timedelta(minutes=30), team="ops")
    assert cases_reassign_absent() == 1
    assert owner_of(case) == "colleague"


def test_with_nobody_to_take_it_the_case_stays_and_nothing_is_written() -> None:
    a = agent("a")
    away(a)
    case = owned_case(a, due_in=timedelta(minutes=30))
    before = case.timeline.count()
    assert cases_reassign_absent() == 0
    assert owner_of(case) == "a" and case.timeline.count() == before


def test_many_cases_in_small_batches_each_move_once() -> None:
    a, b = agent("a"), agent("b")
    cases = [owned_case(a, due_in=timedelta(minutes=i)) for i in range(12)]
    away(a, deputy=b)
    moved = 0
    while done := cases_reassign_absent(batch=5):
        moved += done
    assert moved == 12 and {owner_of(c) for c in cases} == {"b"}


@pytest.mark.skipif(not postgres_in_use(), reason="reads PostgreSQL's query plan")
def test_the_job_reads_the_owner_status_due_index_not_the_whole_table() -> None:
    from unstuck.cases.reassignment import _candidates

    a = agent("a")
    owned_case(a, due_in=timedelta(minutes=30))
    query = _candidates([a.pk], timezone.now() + timedelta(hours=2)).order_by("pk")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned anyway
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # An index led by the owner: (owner, status, sla_due_at), or the open cases' (owner, sla_due_at, ...)
    # queue index, which the planner prefers once the tables have statistics.
    assert "case_owner_sla_idx" in plan or "case_open_owner_queue_idx" in plan, plan
    assert "Index Cond: (owner_id = " in plan or "owner_id = ANY" in plan, plan
    assert "Seq Scan on cases_case" not in plan, plan
