"""Assignment inside a team: round-robin or least-loaded among active agents, or by hand."""

from __future__ import annotations

import pytest

from unstuck.accounts.models import Team
from unstuck.cases.models import Case, TeamRouting
from unstuck.cases.services import case_assign
from unstuck.cases.tests.factories import manual_case, person
from unstuck.core.errors import DomainError

pytestmark = pytest.mark.django_db


def owners(n: int) -> list[str]:
    return [manual_case(title=f"case {i}").owner.get_username() for i in range(n)]  # type: ignore[union-attr]


def test_round_robin_takes_turns_and_skips_inactive_agents_and_supervisors() -> None:
    for name in ["a1", "a2", "a3"]:
        person(name, "agent", "ops")
    person("lead", "supervisor", "ops")
    gone = person("a2", "agent", "ops")
    gone.is_active = False
    gone.save()
    assert owners(5) == ["a1", "a3", "a1", "a3", "a1"]


def test_least_loaded_picks_the_agent_with_fewest_open_cases() -> None:
    for name in ["b1", "b2"]:
        person(name, "agent", "ops")
    TeamRouting.objects.create(team=Team.objects.get(key="ops"), strategy="least_loaded")
    assert owners(4) == ["b1", "b2", "b1", "b2"]
    Case.objects.filter(owner__username="b2").update(status="resolved")
    assert owners(2) == ["b2", "b2"]


def test_no_agent_leaves_the_case_unassigned() -> None:
    person("lonely-lead", "supervisor", "empty")
    case = manual_case(team="empty")
    assert case.owner is None
    with pytest.raises(DomainError) as refused:
        case_assign(case_id=case.pk, actor=person("boss", "admin"))
    assert refused.value.code == "no_agent"


def test_assign_by_hand_rules() -> None:
    agent = person("c1", "agent", "ops")
    person("c2", "agent", "ops")
    person("other", "agent", "sales")
    lead = person("lead", "supervisor", "ops")
    case = manual_case()
    with pytest.raises(DomainError) as agents_take_only:
        case_assign(case_id=case.pk, actor=agent, owner_username="c2")
    assert agents_take_only.value.status == 403
    assert case_assign(case_id=case.pk, actor=agent, owner_username="c1").owner == agent
    with pytest.raises(DomainError) as outsider:
        case_assign(case_id=case.pk, actor=lead, owner_username="other")
    assert outsider.value.code == "not_in_team"
    assert case_assign(case_id=case.pk, actor=lead, owner_username="c2").owner.get_username() == "c2"  # type: ignore[union-attr]
    entry = case.timeline.order_by("-seq").first()
    assert entry is not None and entry.data == {"owner": "c2", "previous": "c1", "auto": False}
