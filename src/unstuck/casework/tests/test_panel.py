"""The casework panel on the case page and its HTMX actions, and the incident and problem pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory

from unstuck.cases.models import Case
from unstuck.cases.selectors import case_get
from unstuck.casework.models import CaseCause, ChecklistItem, Incident, Problem, Remedy
from unstuck.casework.panels import case_panel_html
from unstuck.casework.tests.factories import manual_case, stalled_cases

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _panel(user: User, case: Case) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return case_panel_html(request=request, case=case_get(user=user, case_id=case.pk))


def test_the_panel_shows_checklist_cause_remedies_and_problem_in_chinese(world: Any) -> None:
    case = manual_case(team="intake")
    html = _panel(world["agent"], case)
    assert 'id="casework-panel"' in html and "识别：确认卡点与影响" in html and "复盘" in html
    assert "信息流转" in html and "补救" in html  # categories and the remedies heading (zh-Hans default)
    assert f'hx-post="/casework/cases/{case.pk}/cause/"' in html and "csrfmiddlewaretoken" in html


def test_the_auditor_s_panel_has_no_forms(world: Any) -> None:
    case = manual_case(team="intake")
    html = _panel(world["auditor"], case)
    assert "识别" in html and "hx-post" not in html


def test_the_panel_reads_in_a_bounded_number_of_queries(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    case = manual_case(team="intake")
    for amount in (10, 900, 30):
        Remedy.objects.create(
            case=case,
            kind="coupon",
            amount=amount,
            status="pending",
            requested_by=world["agent"],
            requested_at=case.opened_at,
        )
    user = User.objects.get(pk=world["lead"].pk)  # a fresh instance: nothing cached
    loaded = case_get(user=user, case_id=case.pk)
    request = RequestFactory().get("/")
    request.user = user
    with django_assert_max_num_queries(11):
        html = case_panel_html(request=request, case=loaded)
    assert html.count('name="decision" value="approve"') == 3


def test_ticking_from_the_panel_answers_with_the_panel(world: Any) -> None:
    case = manual_case(team="intake")
    item = ChecklistItem.objects.filter(case=case).order_by("position").first()
    assert item is not None
    response = _client(world["agent"]).post(
        f"/casework/cases/{case.pk}/checklist/{item.pk}/tick/", headers=HTMX
    )
    assert response.status_code == 200 and 'id="casework-panel"' in response.content.decode()
    assert "intake-agent" in response.content.decode()
    assert ChecklistItem.objects.get(pk=item.pk).done_by_id == world["agent"].pk


def test_the_cause_form_saves_category_text_and_whys(world: Any) -> None:
    case = manual_case(team="intake")
    response = _client(world["agent"]).post(
        f"/casework/cases/{case.pk}/cause/",
        {"category": "inventory", "text": "实际盘点缺货", "whys": ["系统显示有货", "盘点滞后", "", "", ""]},
        headers=HTMX,
    )
    assert response.status_code == 200 and "实际盘点缺货" in response.content.decode()
    cause = CaseCause.objects.get(case=case)
    assert cause.category.key == "inventory" and cause.whys == ["系统显示有货", "盘点滞后"]


def test_a_refused_change_is_shown_in_the_panel_and_stores_nothing(world: Any) -> None:
    case = manual_case(team="intake")
    response = _client(world["agent"]).post(
        f"/casework/cases/{case.pk}/remedies/", {"kind": "refund", "amount": "-5"}, headers=HTMX
    )
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert not Remedy.objects.exists()


def test_a_supervisor_approves_from_the_panel_and_the_requester_cannot(world: Any) -> None:
    case = manual_case(team="intake")
    _client(world["agent"]).post(
        f"/casework/cases/{case.pk}/remedies/", {"kind": "refund", "amount": "800"}, headers=HTMX
    )
    remedy = Remedy.objects.get()
    assert remedy.status == "pending"
    assert 'value="approve"' not in _panel(world["agent"], case)
    own = _client(world["agent"]).post(
        f"/casework/remedies/{remedy.pk}/decide/", {"decision": "approve"}, headers=HTMX
    )
    assert own.status_code == 200 and Remedy.objects.get().status == "pending"
    ok = _client(world["lead"]).post(
        f"/casework/remedies/{remedy.pk}/decide/", {"decision": "approve"}, headers=HTMX
    )
    assert ok.status_code == 200 and Remedy.objects.get().status == "approved"


def test_panel_actions_answer_404_to_another_team_and_403_to_the_auditor(world: Any) -> None:
    case = manual_case(team="intake")
    item = ChecklistItem.objects.filter(case=case).first()
    assert item is not None
    paths = [
        f"/casework/cases/{case.pk}/checklist/{item.pk}/tick/",
        f"/casework/cases/{case.pk}/cause/",
        f"/casework/cases/{case.pk}/remedies/",
        f"/casework/cases/{case.pk}/problem/",
    ]
    for path in paths:
        assert (
            _client(world["sales_agent"]).post(path, {"category": "other"}, headers=HTMX).status_code == 404
        )
        assert _client(world["auditor"]).post(path, {"category": "other"}, headers=HTMX).status_code == 403
    assert _client(world["sales_agent"]).get(f"/casework/cases/{case.pk}/panel/").status_code == 404
    assert _client(world["auditor"]).get(f"/casework/cases/{case.pk}/panel/").status_code == 200
    assert not CaseCause.objects.exists() and not ChecklistItem.objects.filter(done_at__isnull=False).exists()


def test_signed_out_visitors_are_sent_to_sign_in(world: Any) -> None:
    response = Client().get("/casework/problems/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_incident_page_previews_creates_and_resolves_in_bulk(world: Any) -> None:
    stalled_cases(("SO-1", {"warehouse": "上海仓"}), ("SO-2", {"warehouse": "北京仓"}))
    lead = _client(world["lead"])
    page = lead.get("/casework/incidents/new/")
    assert page.status_code == 200 and "新建批量事件" in page.content.decode()
    preview = lead.post("/casework/incidents/preview/", {"attrs": "warehouse=上海仓"}, headers=HTMX)
    assert '<span class="cw-count">1</span>' in preview.content.decode()
    bad = lead.post("/casework/incidents/preview/", {"attrs": "上海仓"}, headers=HTMX)
    assert "第 1 行" in bad.content.decode() and "warehouse=上海仓" in bad.content.decode()
    created = lead.post(
        "/casework/incidents/new/", {"title": "上海仓故障", "type": "emergency", "attrs": "warehouse=上海仓"}
    )
    incident = Incident.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/casework/incidents/{incident.pk}/"
    detail = lead.get(created["Location"])
    assert detail.status_code == 200 and "上海仓故障" in detail.content.decode()
    lead.post(created["Location"], {"action": "status", "status": "resolved", "reason": "已恢复"})
    assert Case.objects.get(item__external_id="SO-1").status == "resolved"
    assert Case.objects.get(item__external_id="SO-2").status == "new"
    assert _client(world["agent"]).get("/casework/incidents/new/").status_code == 403
    assert _client(world["sales_lead"]).get(created["Location"]).status_code == 404


def test_the_problem_pages_list_create_and_track_action_items(world: Any) -> None:
    lead = _client(world["lead"])
    created = lead.post(
        "/casework/problems/",
        {"title": "WMS 接口超时", "owner": "intake-lead", "cause_category": "system_failure"},
    )
    problem = Problem.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/casework/problems/{problem.pk}/"
    lead.post(
        created["Location"],
        {"action": "add_item", "title": "加重试", "owner": "intake-agent", "due_date": "2026-12-09"},
    )
    item = problem.action_items.get()
    agent = _client(world["agent"])
    listing = agent.get("/casework/problems/").content.decode()
    assert "WMS 接口超时" in listing and "加重试" in listing  # my open action items
    agent.post(created["Location"], {"action": "complete", "item": item.pk})
    assert problem.action_items.get().done_at is not None
    lead.post(
        created["Location"], {"action": "update", "status": "fix_in_progress", "fix_plan": "加重试与告警"}
    )
    assert Problem.objects.get().status == "fix_in_progress"
    assert (
        _client(world["agent"])
        .post("/casework/problems/", {"title": "x", "owner": "intake-agent"})
        .status_code
        == 403
    )
    assert "加重试与告警" in lead.get(created["Location"]).content.decode()
