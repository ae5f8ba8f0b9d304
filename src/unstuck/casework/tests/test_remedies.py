"""Remedies: granted at once up to the threshold, above it pending until a supervisor of the case's
team approves or rejects; nobody decides their own; the threshold is configurable per currency."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from unstuck.cases.models import Case
from unstuck.casework.models import ApprovalThreshold, Remedy
from unstuck.casework.tests.factories import kinds, manual_case

pytestmark = pytest.mark.django_db


def _add(api: Any, who: str, case: Case, **body: Any) -> Any:
    return api.post(who, f"/cases/{case.pk}/remedies", {"kind": "coupon", **body})


def test_a_remedy_up_to_the_threshold_is_granted_at_once(api: Any, world: Any) -> None:
    case = manual_case(team="intake")
    response = _add(api, "agent", case, amount="200.00", note="20 元无门槛券 ×10")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "approved" and body["needs_approval"] is False
    assert body["currency"] == "CNY" and Decimal(body["amount"]) == Decimal("200.00")
    assert body["decided_by"] is None and body["decided_at"]
    assert kinds(case)[-1] == "remedy_requested"
    expedite = _add(api, "agent", case, kind="expedite")  # costs nothing
    assert expedite.json()["status"] == "approved" and expedite.json()["amount"] is None


def test_above_the_threshold_a_remedy_waits_and_a_supervisor_approves_it(api: Any, world: Any) -> None:
    case = manual_case(team="intake")
    remedy = _add(api, "agent", case, kind="refund", amount=200.01).json()
    assert remedy["status"] == "pending" and remedy["needs_approval"] is True
    refused = api.post("agent2", f"/remedies/{remedy['id']}/approve")
    assert refused.status_code == 403 and refused.json()["code"] == "approval_forbidden"
    own = api.post("agent", f"/remedies/{remedy['id']}/approve")
    assert own.status_code == 403 and own.json()["code"] == "own_remedy"
    approved = api.post("lead", f"/remedies/{remedy['id']}/approve", {"reason": "大客户"})
    assert approved.status_code == 200
    body = approved.json()
    assert (
        body["status"] == "approved"
        and body["decided_by"] == "intake-lead"
        and body["decision_reason"] == "大客户"
    )
    entry = Case.objects.get(pk=case.pk).timeline.get(kind="remedy_decided")
    assert entry.data["status"] == "approved" and entry.actor_label == "intake-lead"
    again = api.post("admin", f"/remedies/{remedy['id']}/reject", {"reason": "x"})
    assert again.status_code == 409 and again.json()["code"] == "remedy_not_pending"


def test_a_supervisor_cannot_approve_a_remedy_they_proposed_but_another_can(api: Any, world: Any) -> None:
    case = manual_case(team="intake")
    remedy = _add(api, "lead", case, kind="fee_waiver", amount=999).json()
    assert api.post("lead", f"/remedies/{remedy['id']}/approve").json()["code"] == "own_remedy"
    assert api.post("admin", f"/remedies/{remedy['id']}/approve").json()["status"] == "approved"


def test_a_rejection_needs_a_reason(api: Any, world: Any) -> None:
    case = manual_case(team="intake")
    remedy = _add(api, "agent", case, kind="substitute", amount=1500).json()
    bare = api.post("lead", f"/remedies/{remedy['id']}/reject")
    assert bare.status_code == 400 and bare.json()["code"] == "reason_required"
    rejected = api.post("lead", f"/remedies/{remedy['id']}/reject", {"reason": "超出补偿标准"})
    assert rejected.json()["status"] == "rejected" and rejected.json()["decision_reason"] == "超出补偿标准"


def test_the_threshold_is_configurable_per_currency(api: Any, world: Any) -> None:
    case = manual_case(team="intake")
    ApprovalThreshold.objects.filter(currency="CNY").update(amount=Decimal("1000"))
    assert _add(api, "agent", case, amount=800).json()["status"] == "approved"
    assert _add(api, "agent", case, amount=1000.5).json()["status"] == "pending"
    # No threshold configured for USD: any amount above zero needs approval.
    assert _add(api, "agent", case, amount=1, currency="usd").json()["status"] == "pending"
    assert _add(api, "agent", case, amount=0, currency="USD").json()["status"] == "approved"
    assert Remedy.objects.filter(currency="USD").count() == 2


def test_other_teams_and_auditors_cannot_touch_remedies(api: Any, world: Any) -> None:
    case = manual_case(team="intake")
    remedy = _add(api, "agent", case, kind="refund", amount=5000).json()
    assert _add(api, "sales_agent", case).status_code == 404
    assert api.get("sales_lead", f"/cases/{case.pk}/remedies").status_code == 404
    foreign = api.post("sales_lead", f"/remedies/{remedy['id']}/approve")
    assert foreign.status_code == 404 and foreign.json()["code"] == "remedy_not_found"
    audited = api.post("auditor", f"/remedies/{remedy['id']}/approve")
    assert audited.status_code == 403 and audited.json()["code"] == "forbidden"
    assert _add(api, "auditor", case).status_code == 403
    assert Remedy.objects.get(pk=remedy["id"]).status == "pending"
    assert api.get("auditor", f"/cases/{case.pk}/remedies").status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"kind": "cash"}, 400, "invalid_remedy_kind"),
        ({"amount": -1}, 400, "invalid_amount"),
        ({"amount": "1.234"}, 400, "invalid_amount"),
        ({"amount": "lots"}, 422, "invalid_request"),
        ({"currency": "RMB!"}, 400, "invalid_currency"),
    ],
)
def test_bad_remedies_are_refused_with_specific_codes(
    api: Any, world: Any, body: dict[str, Any], status: int, code: str
) -> None:
    case = manual_case(team="intake")
    response = _add(api, "agent", case, **body)
    assert response.status_code == status and response.json()["code"] == code
    assert not Remedy.objects.exists()


def test_a_resolved_case_takes_no_new_remedy(api: Any, world: Any) -> None:
    case = manual_case(team="intake")
    api.post("lead", f"/cases/{case.pk}/status", {"status": "resolved"})
    response = _add(api, "agent", case, amount=10)
    assert response.status_code == 409 and response.json()["code"] == "case_finished"


def test_the_remedies_list_has_a_bounded_query_count(
    api: Any, world: Any, django_assert_max_num_queries: Any
) -> None:
    case = manual_case(team="intake")
    for amount in (10, 500, 900, 20):
        _add(api, "agent", case, amount=amount)
    for remedy in Remedy.objects.filter(status="pending"):
        api.post("lead", f"/remedies/{remedy.pk}/approve")
    with django_assert_max_num_queries(8):
        assert len(api.get("agent", f"/cases/{case.pk}/remedies").json()) == 4
