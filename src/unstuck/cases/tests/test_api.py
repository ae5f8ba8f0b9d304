"""The cases API end to end: permissions by team and role, filters, keyset pages, writes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from unstuck.cases.models import Case
from unstuck.cases.tests.factories import bearer, event, load_simple_process, manual_case, person, push

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    """Team ops with an agent and a supervisor; team sales with an agent; an auditor; one ops case."""
    people = {
        "ops_agent": person("ops-agent", "agent", "ops"),
        "ops_lead": person("ops-lead", "supervisor", "ops"),
        "sales_agent": person("sales-agent", "agent", "sales"),
        "auditor": person("auditor", "auditor"),
    }
    return {"case": manual_case(team="ops"), **{name: bearer(user) for name, user in people.items()}}


def test_an_agent_of_another_team_cannot_see_or_touch_the_case(client: Client, world: dict[str, Any]) -> None:
    case, headers = world["case"], world["sales_agent"]
    assert client.get(f"/api/v1/cases/{case.pk}", headers=headers).status_code == 404
    assert client.get("/api/v1/cases", headers=headers).json() == {"items": [], "next": None}
    assert client.get("/api/v1/cases?team=ops", headers=headers).json()["items"] == []
    for path, body in [
        ("assign", {}),
        ("status", {"status": "in_progress"}),
        ("notes", {"text": "偷看"}),
    ]:
        response = client.post(
            f"/api/v1/cases/{case.pk}/{path}", body, content_type="application/json", headers=headers
        )
        assert response.status_code == 404
        assert response.json()["code"] == "case_not_found"
    created = client.post(
        "/api/v1/cases",
        {"type": "other", "title": "x", "team": "ops"},
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 403
    assert Case.objects.get(pk=case.pk).timeline.count() == 2  # opened, assigned: nothing added


def test_the_team_s_agent_and_supervisor_can_read_and_write(client: Client, world: dict[str, Any]) -> None:
    case = world["case"]
    for who in ["ops_agent", "ops_lead"]:
        assert client.get(f"/api/v1/cases/{case.pk}", headers=world[who]).status_code == 200
        assert [c["id"] for c in client.get("/api/v1/cases", headers=world[who]).json()["items"]] == [case.pk]
    moved = client.post(
        f"/api/v1/cases/{case.pk}/status",
        {"status": "in_progress", "reason": "开始处理"},
        content_type="application/json",
        headers=world["ops_lead"],
    )
    assert moved.status_code == 200 and moved.json()["status"] == "in_progress"
    note = client.post(
        f"/api/v1/cases/{case.pk}/notes",
        {"text": "已联系仓库"},
        content_type="application/json",
        headers=world["ops_agent"],
    )
    assert note.status_code == 201 and note.json()["kind"] == "note" and note.json()["actor"] == "ops-agent"
    assigned = client.post(
        f"/api/v1/cases/{case.pk}/assign",
        {"owner": "ops-agent"},
        content_type="application/json",
        headers=world["ops_lead"],
    )
    assert assigned.json()["owner"] == "ops-agent"
    detail = client.get(f"/api/v1/cases/{case.pk}", headers=world["ops_agent"]).json()
    assert [e["kind"] for e in detail["timeline"]] == [
        "opened",
        "assigned",
        "status_changed",
        "note",
        "assigned",
    ]
    assert detail["team"] == "ops" and detail["type"] == "complaint" and detail["number"].startswith("C-")


def test_the_auditor_reads_everything_and_writes_nothing(client: Client, world: dict[str, Any]) -> None:
    case, headers = world["case"], world["auditor"]
    assert client.get(f"/api/v1/cases/{case.pk}", headers=headers).status_code == 200
    assert len(client.get("/api/v1/cases", headers=headers).json()["items"]) == 1
    for path, body in [("assign", {}), ("status", {"status": "in_progress"}), ("notes", {"text": "x"})]:
        response = client.post(
            f"/api/v1/cases/{case.pk}/{path}", body, content_type="application/json", headers=headers
        )
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    created = client.post(
        "/api/v1/cases",
        {"type": "other", "title": "x", "team": "ops"},
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 403


def test_a_refused_transition_is_json_409(client: Client, world: dict[str, Any]) -> None:
    response = client.post(
        f"/api/v1/cases/{world['case'].pk}/status",
        {"status": "closed"},
        content_type="application/json",
        headers=world["ops_agent"],
    )
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition" and response.json()["message"]


def test_create_by_hand_about_an_item(client: Client, world: dict[str, Any]) -> None:
    load_simple_process()
    push(event("SO-1", "working", 0))
    response = client.post(
        "/api/v1/cases",
        {
            "type": "complaint",
            "title": "客户投诉: 迟迟未发货",
            "team": "ops",
            "process": "simple",
            "item": "SO-1",
        },
        content_type="application/json",
        headers=world["ops_agent"],
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["item"], body["process"], body["origin"], body["owner"]) == (
        "SO-1",
        "simple",
        "manual",
        "ops-agent",
    )
    listed = client.get("/api/v1/cases?item=SO-1&type=complaint", headers=world["ops_agent"]).json()["items"]
    assert [c["id"] for c in listed] == [body["id"]]


def test_filters_and_keyset_pages(client: Client, world: dict[str, Any]) -> None:
    for i in range(8):
        manual_case(title=f"c{i}", priority="P1" if i % 2 else "P4")
    headers = world["ops_lead"]
    seen: list[int] = []
    url = "/api/v1/cases?limit=3&priority=P1"
    page = client.get(url, headers=headers).json()
    seen += [c["id"] for c in page["items"]]
    assert page["next"] is not None
    page = client.get(f"{url}&after={page['next']}", headers=headers).json()
    seen += [c["id"] for c in page["items"]]
    assert page["next"] is None
    expected = list(Case.objects.filter(priority="P1").order_by("-pk").values_list("pk", flat=True))
    assert seen == expected and len(seen) == 4
    assert len(client.get("/api/v1/cases?status=new,in_progress", headers=headers).json()["items"]) == 9
    assert client.get("/api/v1/cases?after=zzz", headers=headers).json()["code"] == "invalid_cursor"


def test_the_list_costs_the_same_queries_for_3_or_30_cases(client: Client, world: dict[str, Any]) -> None:
    load_simple_process()
    push(*[event(f"Q{i}", "working", 0) for i in range(30)])

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/cases?limit=100", headers=world["auditor"])
        assert response.status_code == 200
        return len(queries)

    for i in range(2):
        manual_case(title=f"few {i}", process_key="simple", item_external_id=f"Q{i}")
    count_queries()  # the token's first use writes its `last_used_at` once: not part of the list
    few = count_queries()
    for i in range(2, 29):  # with the fixture's case: 3 cases, then 30
        manual_case(title=f"many {i}", process_key="simple", item_external_id=f"Q{i}")
    assert len(client.get("/api/v1/cases?limit=100", headers=world["auditor"]).json()["items"]) == 30
    assert count_queries() == few
