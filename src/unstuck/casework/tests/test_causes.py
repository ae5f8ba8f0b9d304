"""The cause taxonomy, a case's cause with its 5 whys, and the review at resolution."""

from __future__ import annotations

from typing import Any

import pytest

from unstuck.cases.models import Case
from unstuck.casework.models import ActionItem, CaseCause, CauseCategory
from unstuck.casework.tests.factories import kinds, manual_case

pytestmark = pytest.mark.django_db

DEFAULT_KEYS = [
    "information_flow",
    "system_failure",
    "staffing_absence",
    "policy_change",
    "customer_unresponsive",
    "supply_chain",
    "inventory",
    "customer_data_error",
    "external",
    "other",
]


def test_the_ten_default_categories_are_seeded_with_chinese_and_english_names(api: Any) -> None:
    body = api.get("agent", "/cause-categories").json()
    assert [row["key"] for row in body] == DEFAULT_KEYS
    names = {row["key"]: row["name_zh"] for row in body}
    assert names["information_flow"] == "信息流转" and names["staffing_absence"] == "人员/缺勤"
    assert names["customer_data_error"] == "客户资料错误" and names["other"] == "其他"
    assert all(row["name_en"] for row in body)


def test_an_inactive_category_is_hidden_and_refused(api: Any, world: Any) -> None:
    CauseCategory.objects.filter(key="external").update(active=False)
    case = manual_case(team="intake")
    assert "external" not in [row["key"] for row in api.get("agent", "/cause-categories").json()]
    response = api.put("agent", f"/cases/{case.pk}/cause", {"category": "external"})
    assert response.status_code == 400 and response.json()["code"] == "unknown_cause_category"


def test_setting_a_cause_with_five_whys_is_on_the_timeline(api: Any, world: Any) -> None:
    case = manual_case(team="intake")
    whys = ["仓库没发货", "WMS 没收到订单", "接口超时", "对方升级未通知", "没有变更通知机制"]
    response = api.put(
        "agent",
        f"/cases/{case.pk}/cause",
        {"category": "system_failure", "text": "WMS 接口超时", "whys": whys},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["category"] == "system_failure" and body["category_name"] == "系统故障"
    assert body["whys"] == whys and body["set_by"] == "intake-agent"
    assert kinds(case)[-1] == "cause_set"
    entry = case.timeline.get(kind="cause_set")
    assert entry.data["whys"] == whys and "系统故障" in entry.message
    assert api.get("lead", f"/cases/{case.pk}/cause").json()["text"] == "WMS 接口超时"


def test_replacing_a_cause_keeps_one_row_and_records_the_previous_category(api: Any, world: Any) -> None:
    case = manual_case(team="intake")
    api.put("agent", f"/cases/{case.pk}/cause", {"category": "inventory"})
    api.put("agent", f"/cases/{case.pk}/cause", {"category": "supply_chain", "whys": ["  ", "干线停运"]})
    assert CaseCause.objects.filter(case=case).count() == 1
    cause = CaseCause.objects.get(case=case)
    assert cause.category.key == "supply_chain" and cause.whys == ["干线停运"]  # blank answers dropped
    assert case.timeline.filter(kind="cause_set").last().data["previous"] == "inventory"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"category": "weather"}, "unknown_cause_category"),
        ({"category": "other", "whys": ["1", "2", "3", "4", "5", "6"]}, "too_many_whys"),
        ({"category": "other", "whys": ["x" * 1001]}, "why_too_long"),
    ],
)
def test_bad_causes_are_refused_with_a_specific_code_and_change_nothing(
    api: Any, world: Any, body: dict[str, Any], code: str
) -> None:
    case = manual_case(team="intake")
    before = case.timeline.count()
    response = api.put("agent", f"/cases/{case.pk}/cause", body)
    assert response.status_code == 400 and response.json()["code"] == code
    assert response.json()["message"]
    assert not CaseCause.objects.filter(case=case).exists() and case.timeline.count() == before


def test_unknown_case_has_no_cause_yet(api: Any, world: Any) -> None:
    case = manual_case(team="intake")
    response = api.get("agent", f"/cases/{case.pk}/cause")
    assert response.status_code == 404 and response.json()["code"] == "cause_not_set"


def test_another_team_gets_404_and_the_auditor_403(api: Any, world: Any) -> None:
    case = manual_case(team="intake")
    body = {"category": "other"}
    other = api.put("sales_agent", f"/cases/{case.pk}/cause", body)
    assert other.status_code == 404 and other.json()["code"] == "case_not_found"
    assert api.get("sales_lead", f"/cases/{case.pk}/cause").status_code == 404
    audited = api.put("auditor", f"/cases/{case.pk}/cause", body)
    assert audited.status_code == 403 and audited.json()["code"] == "forbidden"
    assert api.post("auditor", f"/cases/{case.pk}/review", {"notes": "x"}).status_code == 403
    assert not CaseCause.objects.exists()


def test_a_review_needs_a_resolved_case_and_can_bring_action_items(api: Any, world: Any) -> None:
    case = manual_case(team="intake")
    early = api.post("lead", f"/cases/{case.pk}/review", {"notes": "还没结束"})
    assert early.status_code == 409 and early.json()["code"] == "case_not_resolved"
    api.post("lead", f"/cases/{case.pk}/status", {"status": "resolved"})
    body = {
        "notes": "仓库未收到改址通知",
        "lessons": "改址必须走系统",
        "action_items": [{"title": "改址同步到 WMS", "owner": "intake-agent", "due_date": "2026-12-10"}],
    }
    response = api.post("lead", f"/cases/{case.pk}/review", body)
    assert response.status_code == 201, response.json()
    out = response.json()
    assert out["reviewed_by"] == "intake-lead" and out["lessons"] == "改址必须走系统"
    assert [(item["title"], item["owner"], item["due_date"]) for item in out["action_items"]] == [
        ("改址同步到 WMS", "intake-agent", "2026-12-10")
    ]
    assert ActionItem.objects.get().case_id == case.pk
    assert kinds(Case.objects.get(pk=case.pk))[-1] == "review_added"


def test_a_review_naming_an_unknown_owner_says_which_item(api: Any, world: Any) -> None:
    case = manual_case(team="intake")
    api.post("lead", f"/cases/{case.pk}/status", {"status": "resolved"})
    body = {"notes": "x", "action_items": [{"title": "y", "owner": "nobody", "due_date": "2026-12-10"}]}
    response = api.post("lead", f"/cases/{case.pk}/review", body)
    assert response.status_code == 404 and response.json()["code"] == "user_not_found"
    assert response.json()["details"] == {"field": "action_items[0].owner"}
    assert not ActionItem.objects.exists()
