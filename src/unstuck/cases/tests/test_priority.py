"""Priority from the impact × urgency matrix, impact from configurable rules on item attributes."""

from __future__ import annotations

import pytest

from unstuck.cases.lifecycle import PRIORITY_MATRIX, Level
from unstuck.cases.models import Case, ImpactRule
from unstuck.cases.priority import impact_for, priority_for
from unstuck.cases.tests.factories import event, load_simple_process, manual_case, push, worker_pass

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [("high", "high", "P1"), ("high", "medium", "P2"), ("medium", "high", "P2"), ("medium", "medium", "P3"),
     ("low", "high", "P3"), ("high", "low", "P3"), ("medium", "low", "P4"), ("low", "low", "P4")],
)  # fmt: skip
def test_the_matrix(impact: str, urgency: str, priority: str) -> None:
    assert priority_for(impact=impact, urgency=urgency) == priority


def test_the_matrix_covers_every_pair() -> None:
    assert set(PRIORITY_MATRIX) == {(i, u) for i in Level.values for u in Level.values}


def rule(attribute: str, operator: str, value: object, impact: str = "high") -> ImpactRule:
    return ImpactRule.objects.create(attribute=attribute, operator=operator, value=value, impact=impact)


def test_impact_rules_on_attributes() -> None:
    rules = [
        rule("attrs.order_value", "gte", 5000),
        rule("attrs.customer.tier", "eq", "VIP"),
        rule("attrs.sample", "truthy", None, impact="low"),
    ]
    assert impact_for(attrs={"order_value": 5000}, process_id=None, rules=rules) == "high"
    assert impact_for(attrs={"order_value": "4999.5"}, process_id=None, rules=rules) == "medium"
    assert impact_for(attrs={"order_value": "n/a"}, process_id=None, rules=rules) == "medium"
    assert impact_for(attrs={"customer": {"tier": "VIP"}}, process_id=None, rules=rules) == "high"
    assert impact_for(attrs={"sample": True}, process_id=None, rules=rules) == "low"
    assert impact_for(attrs={"sample": True, "order_value": 9000}, process_id=None, rules=rules) == "high"
    assert impact_for(attrs=None, process_id=None, rules=rules) == "medium"


def test_a_rule_for_another_process_does_not_apply() -> None:
    process = load_simple_process()
    scoped = ImpactRule.objects.create(
        process=process, attribute="attrs.vip", operator="truthy", impact="high"
    )
    assert impact_for(attrs={"vip": 1}, process_id=process.pk, rules=[scoped]) == "high"
    assert impact_for(attrs={"vip": 1}, process_id=process.pk + 1, rules=[scoped]) == "medium"


def test_an_order_worth_5000_stuck_overdue_is_p1() -> None:
    load_simple_process(promise="30m")
    rule("attrs.order_value", "gte", 5000)
    push(event("BIG", "working", 0, attrs={"order_value": 8800}), event("SMALL", "working", 0))
    worker_pass(31)
    found = dict(Case.objects.filter(rule="promise").values_list("item__external_id", "priority"))
    assert found == {"BIG": "P1", "SMALL": "P2"}


def test_a_manual_case_takes_urgency_from_its_type_or_an_explicit_priority() -> None:
    assert (manual_case().urgency, manual_case().priority) == ("high", "P2")  # complaint, medium impact
    assert manual_case(priority="P4").priority == "P4"
