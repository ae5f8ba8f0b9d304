"""The lifecycle table: allowed moves succeed and say so on the timeline, others are refused."""

from __future__ import annotations

import pytest

from unstuck.cases.lifecycle import TRANSITIONS, CaseStatus
from unstuck.cases.models import Case
from unstuck.cases.services import case_status_change
from unstuck.cases.tests.factories import manual_case, person
from unstuck.core.errors import DomainError

pytestmark = pytest.mark.django_db

ALL = CaseStatus.values
PAIRS = [(a, b) for a in ALL for b in ALL if a != b]


def case_in(status: str) -> Case:
    case = manual_case()
    Case.objects.filter(pk=case.pk).update(status=status)  # set up the starting point directly
    return case


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_each_move_is_allowed_exactly_when_the_table_says(current: str, target: str) -> None:
    case = case_in(current)
    actor = person("lead", "admin")
    if target in TRANSITIONS[current]:
        changed = case_status_change(case_id=case.pk, actor=actor, status=target, reason="因为")
        assert changed.status == target
        assert case.timeline.order_by("-seq").first().data["to"] == target  # type: ignore[union-attr]
    else:
        with pytest.raises(DomainError) as refused:
            case_status_change(case_id=case.pk, actor=actor, status=target, reason="因为")
        assert refused.value.code == "invalid_transition"
        assert Case.objects.get(pk=case.pk).status == current


def test_the_happy_path_and_a_reopen() -> None:
    case = manual_case()
    actor = person("lead", "admin")
    for status in ["in_progress", "waiting_customer", "in_progress", "resolved", "closed"]:
        case_status_change(case_id=case.pk, actor=actor, status=status)
    case.refresh_from_db()
    assert case.resolved_at and case.closed_at
    with pytest.raises(DomainError) as no_reason:
        case_status_change(case_id=case.pk, actor=actor, status="in_progress")
    assert no_reason.value.code == "reason_required"
    case_status_change(case_id=case.pk, actor=actor, status="in_progress", reason="客户再次来电")
    case.refresh_from_db()
    assert (case.status, case.resolved_at, case.closed_at) == ("in_progress", None, None)
    last = case.timeline.order_by("-seq").first()
    assert last is not None and last.kind == "reopened" and "客户再次来电" in last.message


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        case_status_change(case_id=manual_case().pk, actor=person("lead", "admin"), status="done")
    assert refused.value.code == "invalid_status"
