"""Every team sees and changes only its own: items, stalls, processes, ingest, shared customers and
integration tokens (issue 11 §5; the rules are in docs/permissions.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from unstuck.accounts.models import ApiToken, Role
from unstuck.accounts.services import api_token_create, integration_token_create, user_ensure
from unstuck.cases.services import case_create
from unstuck.core.errors import DomainError
from unstuck.customers.models import Customer
from unstuck.processes.services import process_load
from unstuck.stalls.services import deadlines_process_due
from unstuck.tracking.models import Event
from unstuck.tracking.services import event_ingest_batch

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"

PROCESS = """\
key: {key}
name: {key}
calendar: always
terminal: [done]
steps:
  - key: new
    max_dwell: 1h
    {team}
  - key: done
"""


def _load(key: str, team: str | None) -> None:
    process_load(source=PROCESS.format(key=key, team=f"team: {team}" if team else ""))


def _event(process: str, item: str, minutes: int = 0, **extra: Any) -> dict[str, Any]:
    at = (T0 + timedelta(minutes=minutes)).isoformat()
    return {"process": process, "item": item, "step": "new", "at": at, **extra}


def _bearer(username: str, role: str, team: str | None = None) -> dict[str, Any]:
    user = user_ensure(username=username, role=role, team_key=team)
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)[1]}"}


def _push(headers: dict[str, Any], events: list[dict[str, Any]]) -> Any:
    return Client().post("/api/v1/events", {"events": events}, content_type="application/json", **headers)


@pytest.fixture
def world() -> None:
    """Process `alpha` owned by team a, `beta` by team b, `loose` by nobody; one stalled item each."""
    _load("alpha", "a")
    _load("beta", "b")
    _load("loose", None)
    event_ingest_batch(
        events=[
            _event("alpha", "A1", customer={"id": "C-A", "phone": "111"}),
            _event("beta", "B1", customer={"id": "C-B", "phone": "13800000000", "email": "b@example.com"}),
            _event("loose", "L1"),
        ]
    )
    deadlines_process_due(now=T0 + timedelta(hours=3))


def test_an_agent_of_team_a_gets_404_for_team_b_items_stalls_and_process(world: None) -> None:
    client, agent = Client(), _bearer("agent-a", "agent", "a")
    assert client.get("/api/v1/processes/alpha/items/A1", **agent).status_code == 200
    assert client.get("/api/v1/processes/alpha/stalled", **agent).json()[0]["item"] == "A1"
    for path in (
        "/api/v1/processes/beta/items/B1",
        "/api/v1/processes/beta/stalled",
        "/api/v1/processes/beta",
        "/api/v1/processes/beta/log.csv",
        "/api/v1/processes/loose/items/L1",  # unowned: supervisors triage it, agents do not see it
    ):
        assert client.get(path, **agent).status_code == 404, path
    assert [p["key"] for p in client.get("/api/v1/processes", **agent).json()] == ["alpha"]
    assert {s["item"] for s in client.get("/api/v1/stalls?open=false", **agent).json()["items"]} == {"A1"}


def test_a_supervisor_also_sees_unowned_processes_and_admins_and_auditors_everything(world: None) -> None:
    client = Client()
    supervisor = _bearer("sup-a", "supervisor", "a")
    assert [p["key"] for p in client.get("/api/v1/processes", **supervisor).json()] == ["alpha", "loose"]
    assert client.get("/api/v1/processes/loose/items/L1", **supervisor).status_code == 200
    assert client.get("/api/v1/processes/beta/items/B1", **supervisor).status_code == 404
    stalls = client.get("/api/v1/stalls", **supervisor).json()["items"]
    assert {s["item"] for s in stalls} == {"A1", "L1"}
    for role in ("admin", "auditor"):
        headers = _bearer(role, role)
        assert client.get("/api/v1/processes/beta/items/B1", **headers).status_code == 200
        assert {s["item"] for s in client.get("/api/v1/stalls", **headers).json()["items"]} == {
            "A1",
            "B1",
            "L1",
        }


def test_the_desk_item_page_and_board_hide_another_teams_items(world: None) -> None:
    agent = user_ensure(username="agent-a", role="agent", team_key="a")
    agent.set_password(PASSWORD)
    agent.save()
    client = Client()
    assert client.login(username="agent-a", password=PASSWORD)
    assert client.get("/items/alpha/A1/").status_code == 200
    assert client.get("/items/beta/B1/").status_code == 404
    board = client.get("/").content.decode()
    # Links, not bare ids: a random CSRF token may contain "B1".
    assert "/items/alpha/A1/" in board
    assert "/items/beta/B1/" not in board
    assert 'value="beta"' not in board  # not even offered as a filter


def test_ingest_rejects_rows_of_processes_the_token_may_not_write_and_keeps_the_others(world: None) -> None:
    supervisor = _bearer("sup-a", "supervisor", "a")
    body = _push(
        supervisor,
        [_event("alpha", "A2", 5), _event("beta", "B2", 5), _event("loose", "L2", 5), _event("nope", "X", 5)],
    ).json()
    assert body["accepted"] == 1
    assert [(r["index"], r["code"], r["field"]) for r in body["rejected"]] == [
        (1, "forbidden_process", "process"),
        (2, "forbidden_process", "process"),  # unowned: only admins (and integrations naming it) write
        (3, "forbidden_process", "process"),  # no hint whether a process the token cannot write exists
    ]
    assert set(Event.objects.values_list("item__external_id", flat=True)) == {"A1", "B1", "L1", "A2"}
    admin = _bearer("admin", "admin")
    assert _push(admin, [_event("beta", "B2", 5), _event("nope", "X", 5)]).json()["rejected"][0]["code"] == (
        "unknown_process"
    )


def test_a_supervisor_cannot_resolve_another_teams_case_by_pushing_its_item_to_done(world: None) -> None:
    supervisor = _bearer("sup-a", "supervisor", "a")
    body = _push(supervisor, [{**_event("beta", "B1", 200), "step": "done"}]).json()
    assert body["rejected"][0]["code"] == "forbidden_process"
    assert not Event.objects.filter(item__external_id="B1", step="done").exists()


def test_a_customer_shared_with_another_team_keeps_their_details(world: None) -> None:
    supervisor = _bearer("sup-a", "supervisor", "a")
    hijack = {"id": "C-B", "phone": "999", "email": "evil@example.com", "name": "X"}
    body = _push(supervisor, [_event("alpha", "A3", 5, customer=hijack)]).json()
    assert body["accepted"] == 1
    assert [(n["index"], n["code"]) for n in body["notices"]] == [(0, "customer_kept")]
    customer = Customer.objects.get(external_id="C-B")
    assert (customer.phone, customer.email, customer.name) == ("13800000000", "b@example.com", "")
    assert Event.objects.get(item__external_id="A3").item.customer == customer  # still linked
    # Team a's own customer follows its events as before; an admin may change anyone's.
    own = _push(supervisor, [_event("alpha", "A4", 6, customer={"id": "C-A", "phone": "222"})]).json()
    assert own["notices"] == []
    assert Customer.objects.get(external_id="C-A").phone == "222"
    _push(_bearer("admin", "admin"), [_event("beta", "B3", 7, customer={"id": "C-B", "phone": "333"})])
    assert Customer.objects.get(external_id="C-B").phone == "333"


def test_an_integration_token_pushes_and_reads_only_its_named_processes(world: None) -> None:
    out, err = StringIO(), StringIO()
    call_command("token", "create", "--integration", "erp", "--process", "alpha", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert raw.startswith("ust_")
    assert "alpha" in err.getvalue()
    token = ApiToken.objects.get(name="erp")
    assert (token.kind, token.process_keys, token.user.username) == (
        "integration",
        ["alpha"],
        "integration-erp",
    )
    assert token.user.profile.role == Role.INTEGRATION
    assert not token.user.has_usable_password()
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    body = _push(headers, [_event("alpha", "A9", 5), _event("beta", "B9", 5)]).json()
    assert (body["accepted"], [r["code"] for r in body["rejected"]]) == (1, ["forbidden_process"])
    client = Client()
    assert client.get("/api/v1/processes/alpha/items/A9", **headers).status_code == 200
    assert client.get("/api/v1/processes/beta/items/B1", **headers).status_code == 404
    assert [p["key"] for p in client.get("/api/v1/processes", **headers).json()] == ["alpha"]
    assert {s["item"] for s in client.get("/api/v1/stalls", **headers).json()["items"]} == {"A1"}
    assert client.get("/api/v1/cases", **headers).status_code == 403  # no cases for integrations
    assert client.get("/api/v1/me", **headers).json()["role"] == "integration"
    listing = StringIO()
    call_command("token", "list", stdout=listing)
    assert any(
        line.split()[:4] == [token.prefix, "integration-erp", "erp", "alpha"]
        for line in listing.getvalue().splitlines()
    )
    # Revoked, it reads nothing.
    call_command("token", "revoke", token.prefix, stdout=StringIO())
    assert client.get("/api/v1/processes/alpha/items/A9", **headers).status_code == 401


def test_integration_tokens_name_known_processes_and_people_cannot_get_the_role(world: None) -> None:
    with pytest.raises(Exception, match="no process 'gamma'"):
        call_command("token", "create", "--integration", "erp", "--process", "gamma", stdout=StringIO())
    user_ensure(username="integration-crm", role="agent")
    with pytest.raises(DomainError) as error:
        integration_token_create(name="crm", process_keys=["alpha"])
    assert error.value.code == "user_not_integration"
    with pytest.raises(DomainError) as error:
        user_ensure(username="someone", role="integration")
    assert error.value.code == "invalid_role"


def test_a_case_page_shows_a_shared_customers_items_only_of_processes_the_reader_may_read(
    world: None,
) -> None:
    admin = user_ensure(username="admin", role="admin")
    # Customer C-B is team b's (item B1); team a now serves them too (item A5) and opens a case on it.
    event_ingest_batch(events=[_event("alpha", "A5", 5, customer={"id": "C-B"})])
    case = case_create(
        actor=admin,
        case_type="complaint",
        title="投诉",
        team_key="a",
        process_key="alpha",
        item_external_id="A5",
    )
    agent = user_ensure(username="agent-a", role="agent", team_key="a")
    clients = {}
    for user in (agent, admin):
        clients[user.username] = Client()
        clients[user.username].force_login(user)
    # Links, not bare ids: a random CSRF token may contain "B1".
    assert "/items/beta/B1/" not in clients["agent-a"].get(f"/cases/{case.pk}/").content.decode()
    assert "/items/beta/B1/" in clients["admin"].get(f"/cases/{case.pk}/").content.decode()
