from typing import Any

import pytest
from django.test import Client

from unstuck.accounts.services import api_token_create, user_ensure
from unstuck.stalls.services import deadlines_process_due
from unstuck.tracking.models import Event
from unstuck.tracking.tests.factories import T0, event, load_simple_process

pytestmark = pytest.mark.django_db


def bearer(role: str, team: str | None = None, name: str | None = None) -> dict[str, Any]:
    user = user_ensure(username=name or f"{role}-{team or 'x'}", role=role, team_key=team)
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)[1]}"}


def post_events(client: Client, events, headers):
    return client.post("/api/v1/events", {"events": events}, content_type="application/json", **headers)


def test_push_events_answers_accepted_duplicates_and_rejections_by_index():
    load_simple_process()
    client = Client()
    headers = bearer("admin")
    batch = [
        event("A", "new", 0),
        {"process": "simple", "item": "B", "step": "new", "at": "soon"},
        event("C", "x", 1),
    ]
    first = post_events(client, batch, headers)
    assert first.status_code == 200
    body = first.json()
    assert (body["accepted"], body["duplicates"]) == (2, 0)
    assert body["rejected"] == [
        {
            "index": 1,
            "code": "invalid_timestamp",
            "message": "at: 'soon' is not an ISO-8601 timestamp",
            "field": "at",
        }
    ]
    assert body["unknown_steps"] == {"simple": {"x": 1}}
    again = post_events(client, batch, headers).json()
    assert (again["accepted"], again["duplicates"], len(again["rejected"])) == (0, 2, 1)
    assert Event.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b'{"items": []}', 400, "invalid_request"),
        (b'[{"process": "simple"}]', 400, "invalid_request"),
    ],
)
def test_malformed_bodies_get_a_json_error_with_a_code(body, status, code):
    response = Client().post("/api/v1/events", body, content_type="application/json", **bearer("admin"))
    assert response.status_code == status
    assert response.json()["code"] == code


def test_a_batch_over_ten_thousand_is_refused():
    events = [event(f"I{i}", "new", 0) for i in range(10_001)]
    response = post_events(Client(), events, bearer("admin"))
    assert (response.status_code, response.json()["code"]) == (413, "batch_too_large")


def test_pushing_needs_a_token_and_a_role_that_may_write():
    load_simple_process()
    client = Client()
    assert post_events(client, [event("A", "new", 0)], {}).status_code == 401
    assert (
        post_events(client, [event("A", "new", 0)], {"HTTP_AUTHORIZATION": "Bearer ust_wrong"}).status_code
        == 401
    )
    denied = post_events(client, [event("A", "new", 0)], bearer("auditor"))
    assert (denied.status_code, denied.json()["code"]) == (403, "forbidden")
    assert post_events(client, [event("A", "new", 0)], bearer("agent", "ops")).status_code == 403
    assert not Event.objects.exists()


def test_an_item_reads_with_its_events_in_time_order():
    load_simple_process()
    client = Client()
    headers = bearer("admin")
    post_events(client, [event("A", "working", 30), event("A", "new", 0)], headers)
    body = client.get("/api/v1/processes/simple/items/A", **headers).json()
    assert body["current_step"] == "working"
    assert [e["step"] for e in body["events"]] == ["new", "working"]
    missing = client.get("/api/v1/processes/simple/items/nope", **headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


def test_stalls_list_by_team_visibility_and_keyset_pages():
    load_simple_process()
    client = Client()
    admin = bearer("admin")
    # 5 items stalled in `new` (team intake), 3 in `working` (team ops).
    events = [event(f"N{i}", "new", i) for i in range(5)] + [event(f"W{i}", "working", i) for i in range(3)]
    post_events(client, events, admin)
    deadlines_process_due(now=T0.replace(year=2027))
    everything = client.get("/api/v1/stalls?limit=3", **admin).json()
    assert len(everything["items"]) == 3 and everything["next"]
    seen = [s["item"] for s in everything["items"]]
    cursor = everything["next"]
    while cursor:
        page = client.get(f"/api/v1/stalls?limit=3&after={cursor}", **admin).json()
        seen += [s["item"] for s in page["items"]]
        cursor = page["next"]
    assert sorted(seen) == sorted({f"N{i}" for i in range(5)} | {f"W{i}" for i in range(3)})
    ops_agent = client.get("/api/v1/stalls", **bearer("agent", "ops")).json()
    assert {s["team"] for s in ops_agent["items"]} == {"ops"}
    assert client.get("/api/v1/stalls?after=garbage", **admin).status_code == 400
