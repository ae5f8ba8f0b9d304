"""The case-page panel (links and their state, survey answer, pause / resume by HTMX) and the API
(survey, updates, customer update, CSAT), with team permissions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from unstuck.accounts.services import user_ensure
from unstuck.cases.models import Case
from unstuck.cases.tests.factories import bearer
from unstuck.portal.links import confirm_url, status_url, survey_url
from unstuck.portal.models import CaseFollowUp, PortalLink, StatusNote
from unstuck.portal.panels import case_panel_html
from unstuck.portal.tests.factories import case_of, load_dispatch, stalled_item, worker_round

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def case() -> Case:
    load_dispatch()
    item = stalled_item()
    worker_round()
    return case_of(item)


def signed_in(username: str, role: str, team: str | None) -> Client:
    user = user_ensure(username=username, role=role, team_key=team)
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def test_the_panel_shows_links_and_their_state_in_bounded_queries(case: Case) -> None:
    assert case.item is not None
    lead = user_ensure(username="lead", role="supervisor", team_key="ops")
    status_url(item=case.item)
    used = confirm_url(item=case.item, step="awaiting_confirmation")
    Client().post(urlsplit(used).path)
    expired = PortalLink.objects.create(
        kind="confirm", item=case.item, step="x", created_at=timezone.now() - timedelta(days=8),
        expires_at=timezone.now() - timedelta(days=1),
    )  # fmt: skip

    def fresh() -> Case:  # as the case page has it: from the selector, item and team joined
        return Case.objects.select_related("item", "team").get(pk=case.pk)

    def page_request() -> Any:  # a new request: nothing cached on its user yet
        request = RequestFactory().get("/")
        request.user = User.objects.get(pk=lead.pk)
        return request

    first, request = fresh(), page_request()
    with CaptureQueriesContext(connection) as few:
        html = case_panel_html(request=request, case=first)
    for _ in range(5):
        status_url(item=case.item)
    second, request = fresh(), page_request()
    with CaptureQueriesContext(connection) as more:
        case_panel_html(request=request, case=second)
    assert len(more) == len(few) <= 8, [q["sql"][:90] for q in more.captured_queries]
    assert "已确认" in html and "已过期" in html and "尚未打开" in html
    assert expired.state(timezone.now()) == "expired"
    assert "暂停通知" in html and 'hx-post="/p/cases/' in html


def test_a_supervisor_pauses_from_the_panel_an_agent_cannot(case: Case) -> None:
    url = f"/p/cases/{case.pk}/updates/pause/"
    agent = signed_in("xiaoli", "agent", "ops")
    refused = agent.post(url, {"reason": "批量通知"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 200 and "只有该工单所属团队的主管可以暂停通知" in refused.content.decode()
    assert agent.post(url, {"reason": "批量通知"}).status_code == 403
    assert CaseFollowUp.objects.get().paused_at is None
    outsider = signed_in("other", "supervisor", "billing")
    assert outsider.post(url, {"reason": "x"}).status_code == 404
    lead = signed_in("lead", "agent", None)
    user_ensure(username="lead", role="supervisor", team_key="ops")
    answer = lead.post(url, {"reason": "仓库停电"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert f'id="portal-panel-{case.pk}"' in html and "仓库停电" in html and "恢复通知" in html
    assert CaseFollowUp.objects.get().pause_reason == "仓库停电"
    resumed = lead.post(f"/p/cases/{case.pk}/updates/resume/", HTTP_HX_REQUEST="true")
    assert resumed.status_code == 200 and "暂停通知" in resumed.content.decode()
    assert CaseFollowUp.objects.get().paused_at is None
    assert Client().post(url, {"reason": "x"}).status_code == 302, "signed-out: to the sign-in page"


def test_api_survey_updates_and_customer_update(case: Case) -> None:
    agent = user_ensure(username="xiaoli", role="agent", team_key="ops")
    lead = user_ensure(username="lead", role="supervisor", team_key="ops")
    outsider = user_ensure(username="zhang", role="agent", team_key="billing")
    client = Client()
    missing = client.get(f"/api/v1/cases/{case.pk}/survey", headers=bearer(agent))
    assert missing.status_code == 404 and missing.json()["code"] == "survey_not_found"
    updates = client.get(f"/api/v1/cases/{case.pk}/updates", headers=bearer(agent)).json()
    assert updates["state"] == "active" and updates["paused"] is False
    assert client.get(f"/api/v1/cases/{case.pk}/updates", headers=bearer(outsider)).status_code == 404
    refused = client.post(
        f"/api/v1/cases/{case.pk}/updates/pause",
        {"reason": "x"},
        content_type="application/json",
        headers=bearer(agent),
    )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden", refused.json()
    paused = client.post(
        f"/api/v1/cases/{case.pk}/updates/pause",
        {"reason": "统一通知"},
        content_type="application/json",
        headers=bearer(lead),
    ).json()
    assert paused["paused"] is True and paused["paused_by"] == "lead" and paused["pause_reason"] == "统一通知"
    resumed = client.post(f"/api/v1/cases/{case.pk}/updates/resume", headers=bearer(lead)).json()
    assert resumed["paused"] is False
    bad = client.post(
        f"/api/v1/cases/{case.pk}/customer-update",
        {"reason": "派单系统故障", "eta": "2026-12-09T10:00:00"},
        content_type="application/json",
        headers=bearer(agent),
    )
    assert bad.status_code == 400 and bad.json()["code"] == "timestamp_without_offset"
    assert StatusNote.objects.count() == 0
    made = client.post(
        f"/api/v1/cases/{case.pk}/customer-update",
        {"reason": "派单系统故障", "eta": "2026-12-09T10:00:00+08:00"},
        content_type="application/json",
        headers=bearer(agent),
    )
    assert made.status_code == 201 and made.json()["reason"] == "派单系统故障"
    assert case.timeline.filter(kind="customer_update").count() == 1


def test_api_survey_and_csat(case: Case) -> None:
    from unstuck.portal.tests.factories import ago, push

    push("B-1", "confirmed", ago(0.05))
    worker_round()
    Client().post(urlsplit(survey_url(case=case)).path, {"score": "2", "comment": "太慢"})
    agent = user_ensure(username="xiaoli", role="agent", team_key="ops")
    survey = Client().get(f"/api/v1/cases/{case.pk}/survey", headers=bearer(agent)).json()
    assert (survey["score"], survey["comment"]) == (2, "太慢")
    query = "since=2026-01-01T00:00:00%2B08:00&until=2030-01-01T00:00:00%2B08:00"
    csat = Client().get(f"/api/v1/csat?{query}", headers=bearer(agent)).json()
    assert csat["answered"] == 1 and csat["csat"] == 0.0 and csat["distribution"]["2"] == 1
    wrong = Client().get(
        "/api/v1/csat?since=2026-02-01T00:00:00%2B08:00&until=2026-01-01T00:00:00%2B08:00",
        headers=bearer(agent),
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_period"


def test_an_agent_writes_the_customer_s_update_from_the_panel(case: Case) -> None:
    agent = signed_in("xiaoli", "agent", "ops")
    url = f"/p/cases/{case.pk}/customer-update/"
    bad = agent.post(url, {"reason": "师傅改派", "eta": "明天"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and "不是有效的日期时间" in bad.content.decode()
    assert StatusNote.objects.count() == 0
    answer = agent.post(
        url, {"reason": "师傅改派，明早上门", "eta": "2026-12-03T09:30"}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200 and "师傅改派，明早上门" in answer.content.decode()
    note = StatusNote.objects.get()
    assert note.eta is not None and note.eta.isoformat() == "2026-12-03T01:30:00+00:00", (
        "09:30 in Asia/Shanghai"
    )
    assert case.timeline.filter(kind="customer_update").count() == 1
    auditor = signed_in("audit", "auditor", None)
    assert auditor.post(url, {"reason": "x"}).status_code == 403
