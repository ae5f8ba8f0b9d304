from datetime import timedelta

import pytest
from django.test import Client

from unstuck.processes.tests.test_definition import ISSUE_EXAMPLE
from unstuck.tracking.services import event_ingest_batch
from unstuck.tracking.tests.factories import T0, event, load_simple_process
from unstuck.tracking.tests.test_api import bearer

pytestmark = pytest.mark.django_db


def test_admin_loads_a_process_file_idempotently_and_reads_it_back():
    client = Client()
    admin = bearer("admin")
    first = client.post(
        "/api/v1/processes", {"source": ISSUE_EXAMPLE}, content_type="application/json", **admin
    )
    assert first.json() == {
        "key": "order-delivery",
        "version": 1,
        "created": True,
        "changed": True,
        "migrated_items": 0,
    }
    again = client.post(
        "/api/v1/processes", {"source": ISSUE_EXAMPLE}, content_type="application/json", **admin
    )
    assert again.json()["changed"] is False
    detail = client.get("/api/v1/processes/order-delivery", **admin).json()
    assert detail["calendar"] == "cn-workdays"
    assert [s["key"] for s in detail["steps"]] == ["paid", "awaiting_confirmation", "failed"]
    assert detail["steps"][1]["remind_after"] == ["4h", "12h"]
    assert [p["key"] for p in client.get("/api/v1/processes", **admin).json()] == ["order-delivery"]


def test_an_invalid_file_is_a_422_naming_key_and_line():
    bad = "key: p\nsteps:\n  - key: a\n    max_dwell: soon\n"
    response = Client().post(
        "/api/v1/processes", {"source": bad}, content_type="application/json", **bearer("admin")
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_process"
    assert body["details"] == {"path": "steps[0].max_dwell", "line": 4}


def test_only_admins_load_processes():
    response = Client().post(
        "/api/v1/processes",
        {"source": ISSUE_EXAMPLE},
        content_type="application/json",
        **bearer("supervisor"),
    )
    assert response.status_code == 403


def test_stalled_items_now_and_as_of():
    load_simple_process()
    event_ingest_batch(events=[event("A", "new", 0), event("A", "working", 90)])
    client = Client()
    admin = bearer("admin")
    moment = (T0 + timedelta(minutes=80)).isoformat()
    past = client.get("/api/v1/processes/simple/stalled", {"as_of": moment}, **admin)
    assert [(s["item"], s["rule"], s["step"]) for s in past.json()] == [("A", "dwell", "new")]
    now = client.get("/api/v1/processes/simple/stalled", **admin).json()
    assert [(s["item"], s["rule"], s["step"]) for s in now] == [("A", "dwell", "working")]
    bad = client.get("/api/v1/processes/simple/stalled?as_of=2026-01-01T00:00:00", **admin)
    assert (bad.status_code, bad.json()["code"]) == (400, "timestamp_without_offset")
