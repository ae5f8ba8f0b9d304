"""Routing with people away, skills and teams per case type; the priority tables in the admin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from unstuck.accounts.models import Skill, Team
from unstuck.accounts.services import absence_create, user_ensure
from unstuck.cases.lifecycle import PRIORITY_MATRIX, URGENCY_FOR_TYPE
from unstuck.cases.models import Case, TeamRouting
from unstuck.cases.routing_models import PriorityCell, SkillRequirement, TypeTeam, TypeUrgency
from unstuck.cases.tests.factories import event, load_simple_process, manual_case, person, push, worker_pass

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """These tests read the English wording (the Chinese is checked by core's translation test)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def away(user: Any, *, days: int = 3, deputy: Any = None, kind: str = "leave") -> None:
    """`user` is away from an hour ago for `days` whole days (the last one included)."""
    today = timezone.localdate()
    absence_create(
        actor=user, user=user, starts=today, ends=today + timedelta(days=days - 1), deputy=deputy, kind=kind
    )


def agent(username: str, name: str = "", team: str = "ops") -> Any:
    return user_ensure(username=username, role="agent", team_key=team, display_name=name or None)


def assigned_entry(case: Case) -> Any:
    return case.timeline.filter(kind="assigned").order_by("-seq").first()


def owners(n: int, **extra: Any) -> list[str | None]:
    return [
        (case.owner.get_username() if case.owner else None)
        for case in (manual_case(title=f"case {i}", **extra) for i in range(n))
    ]


def test_round_robin_skips_an_agent_on_leave_and_says_so() -> None:
    lina = agent("lina", "李娜")
    agent("wang", "王芳")
    agent("zhou", "周强")
    away(lina, days=3)
    assert owners(4) == ["wang", "zhou", "wang", "zhou"]
    first = Case.objects.order_by("pk").first()
    assert first is not None
    entry = assigned_entry(first)
    until = (timezone.localdate() + timedelta(days=2)).strftime("%m-%d")
    assert f"Skipped 李娜: on leave until {until}." in entry.message
    assert entry.data["skipped"] == [{"user": "lina", "why": f"on leave until {until}"}]
    second = Case.objects.order_by("pk")[1]
    assert "skipped" not in assigned_entry(second).data  # zhou came next anyway: nobody passed over


def test_least_loaded_skips_an_absent_agent_even_with_the_fewest_cases() -> None:
    idle = agent("idle", "闲人")
    agent("busy")
    TeamRouting.objects.create(team=Team.objects.get(key="ops"), strategy="least_loaded")
    away(idle, kind="out_of_office")
    assert owners(3) == ["busy", "busy", "busy"]
    entry = assigned_entry(Case.objects.order_by("pk").first())  # type: ignore[arg-type]
    assert "Skipped 闲人: out of office until" in entry.message


def test_when_everyone_is_away_the_first_in_line_s_deputy_stands_in() -> None:
    a, b = agent("a"), agent("b")
    lead = user_ensure(username="lead", role="supervisor", team_key="ops", display_name="组长")
    away(a, deputy=lead)
    away(b)
    case = manual_case()
    assert case.owner == lead
    assert "stands in for a" in assigned_entry(case).message


def test_when_everyone_is_away_without_deputies_the_case_waits_and_the_timeline_says_why() -> None:
    away(agent("a"))
    case = manual_case()
    assert case.owner is None
    note = case.timeline.get(kind="note")
    assert note.data["unassigned"] is True and "every agent of the team is away" in note.message


def test_an_absence_that_is_over_or_not_yet_begun_does_not_skip_anyone() -> None:
    a = agent("a")
    agent("b")
    now = timezone.now()
    absence_create(actor=a, user=a, starts=now - timedelta(days=2), ends=now - timedelta(minutes=1))
    absence_create(actor=a, user=a, starts=now + timedelta(hours=1), ends=now + timedelta(days=1))
    assert owners(2) == ["a", "b"]


def test_stall_cases_skip_absent_agents_too() -> None:
    load_simple_process()
    away(agent("gone", team="intake"))
    agent("here", team="intake")
    push(event("A", "new", 0), event("B", "new", 0))
    worker_pass(61)
    assert set(Case.objects.values_list("owner__username", flat=True)) == {"here"}


def test_a_required_skill_goes_to_the_agents_who_have_it() -> None:
    english = Skill.objects.create(key="english", name="英语")
    agent("a")
    b = agent("b")
    agent("c")
    b.profile.skills.add(english)
    SkillRequirement.objects.create(skill=english, case_type="complaint")
    assert owners(3) == ["b", "b", "b"]
    entry = assigned_entry(Case.objects.order_by("pk").first())  # type: ignore[arg-type]
    assert entry.data["skills"] == ["英语"] and entry.data["skills_matched"] is True
    other = manual_case(title="not a complaint")  # other types need no skill: round-robin as usual
    assert other.owner is not None


def test_a_skill_nobody_available_has_falls_back_to_any_agent() -> None:
    english = Skill.objects.create(key="english", name="英语")
    a = agent("a")
    agent("b")
    a.profile.skills.add(english)
    away(a)
    SkillRequirement.objects.create(skill=english, case_type="complaint")
    case = manual_case()
    assert case.owner is not None and case.owner.get_username() == "b"
    entry = assigned_entry(case)
    assert entry.data["skills_matched"] is False
    assert "which no available agent of the team has" in entry.message


def test_a_process_can_require_a_skill_for_its_stall_cases() -> None:
    process = load_simple_process()
    cold_chain = Skill.objects.create(key="cold-chain", name="冷链")
    agent("plain", team="intake")
    expert = agent("expert", team="intake")
    expert.profile.skills.add(cold_chain)
    SkillRequirement.objects.create(skill=cold_chain, process=process)
    push(event("A", "new", 0), event("B", "new", 0))
    worker_pass(61)
    assert set(Case.objects.values_list("owner__username", flat=True)) == {"expert"}


def test_a_step_without_a_team_takes_the_team_of_the_case_type() -> None:
    load_simple_process()
    complaints = Team.objects.create(key="complaints", name="投诉组")
    TypeTeam.objects.create(case_type="interrupted", team=complaints)
    agent("handler", team="complaints")
    push(event("A", "failed", 0))  # the `failed` step names no team
    worker_pass(1)
    case = Case.objects.get()
    assert case.team == complaints and case.owner is not None


def test_a_case_opened_by_hand_without_a_team_takes_the_team_of_its_type() -> None:
    complaints = Team.objects.create(key="complaints", name="投诉组")
    TypeTeam.objects.create(case_type="complaint", team=complaints)
    lead = person("lead", "supervisor", "complaints")
    from unstuck.cases.services import case_create

    case = case_create(actor=lead, case_type="complaint", title="客户投诉")
    assert case.team == complaints
    assert case.timeline.get(kind="opened").data["team"] == "complaints"


def test_the_seeded_tables_hold_today_s_defaults() -> None:
    assert dict(TypeUrgency.objects.values_list("case_type", "urgency")) == dict(URGENCY_FOR_TYPE)
    cells = {(c.impact, c.urgency): c.priority for c in PriorityCell.objects.all()}
    assert cells == dict(PRIORITY_MATRIX)


def test_editing_the_tables_changes_new_cases_priority() -> None:
    agent("a")
    assert manual_case().priority == "P2"  # complaint: urgency high × impact medium
    TypeUrgency.objects.filter(case_type="complaint").update(urgency="low")
    assert (manual_case().urgency, manual_case().priority) == ("low", "P4")
    PriorityCell.objects.filter(impact="medium", urgency="low").update(priority="P1")
    assert manual_case().priority == "P1"
    PriorityCell.objects.all().delete()  # a missing cell falls back to the default
    assert manual_case().priority == "P4"
