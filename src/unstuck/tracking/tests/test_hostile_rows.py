"""Rows the database cannot hold, or a live system should not believe, are rejected one by one:
a stable code, the field at fault, and the good rows of the same batch stored (issue 11, section 1)."""

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from unstuck.customers.models import Customer
from unstuck.tracking.models import Event, Item
from unstuck.tracking.services import event_ingest_batch
from unstuck.tracking.tests.factories import T0, event, load_simple_process
from unstuck.tracking.tests.test_api import bearer, post_events
from unstuck.tracking.validation import ATTRS_MAX_BYTES, ATTRS_MAX_DEPTH, ITEM_ATTRS_MAX_BYTES

pytestmark = pytest.mark.django_db
NOW = T0 + timedelta(days=30)


def nested(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(levels - 1):
        value = {"x": value}
    return value


def customer(**fields: str) -> dict[str, str]:
    return {"id": "C1", "name": "王女士", "phone": "+8613800000000", "email": "w@example.cn"} | fields


HOSTILE = {
    "at at year 9999 (year 10000 in UTC)": ({"at": "9999-12-31T23:00:00-08:00"}, "invalid_timestamp", "at"),
    "at at year 1 (year 0 in UTC)": ({"at": "0001-01-01T00:00:00+08:00"}, "invalid_timestamp", "at"),
    "at before 1970": ({"at": "1969-12-31T23:59:59+00:00"}, "invalid_timestamp", "at"),
    "at a year ahead": ({"at": (NOW + timedelta(days=366)).isoformat()}, "invalid_timestamp", "at"),
    "promise at year 9999": (
        {"promised_at": "9999-12-31T23:00:00-08:00"},
        "invalid_timestamp",
        "promised_at",
    ),
    "promise in year 2": ({"promised_at": "0002-01-01T00:00:00+00:00"}, "invalid_timestamp", "promised_at"),
    "attrs 255 levels": ({"attrs": nested(255)}, "attrs_too_deep", "attrs.x"),
    "attrs one level too deep": ({"attrs": nested(ATTRS_MAX_DEPTH + 1)}, "attrs_too_deep", "attrs.x"),
    "attrs a list too deep": ({"attrs": {"l": [[[[[[[[[[[1]]]]]]]]]]]}}, "attrs_too_deep", "attrs.l"),
    "attrs too large": ({"attrs": {"note": "x" * ATTRS_MAX_BYTES}}, "attrs_too_large", "attrs"),
    "NUL in item": ({"item": "A\x00B"}, "invalid_field", "item"),
    "NUL in step": ({"step": "new\x00"}, "invalid_field", "step"),
    "NUL in key": ({"key": "k\x00"}, "invalid_field", "key"),
    "NUL in process": ({"process": "sim\x00ple"}, "invalid_field", "process"),
    "newline in item": ({"item": "A\nB"}, "invalid_field", "item"),
    "NUL in an attrs key": ({"attrs": {"no\x00te": 1}}, "invalid_field", "attrs"),
    "NUL in an attrs value": ({"attrs": {"note": "a\x00b"}}, "invalid_field", "attrs.note"),
    "NUL deep in attrs": ({"attrs": {"lines": [{"sku": "\x00"}]}}, "invalid_field", "attrs.lines"),
    "NUL in customer id": ({"customer": customer(id="C\x001")}, "invalid_field", "customer.id"),
    "NUL in customer name": ({"customer": customer(name="王\x00")}, "invalid_field", "customer.name"),
    "NUL in customer phone": ({"customer": customer(phone="1\x00")}, "invalid_field", "customer.phone"),
    "NUL in customer e-mail": ({"customer": customer(email="w\x00@x.cn")}, "invalid_field", "customer.email"),
    "item id too long": ({"item": "A" * 201}, "invalid_field", "item"),
}


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def good(item: str) -> dict[str, Any]:
    return event(item, "new", 0, customer=customer(id=f"good-{item}"), attrs={"warehouse": "上海"})


@pytest.mark.usefixtures("frozen_now")
@pytest.mark.parametrize(("change", "code", "field"), HOSTILE.values(), ids=HOSTILE.keys())
def test_an_unstorable_row_is_rejected_and_the_others_stored(change, code, field):
    load_simple_process()
    batch = [good("G1"), event("BAD", "new", 1) | change, good("G2")]
    result = event_ingest_batch(events=batch)
    assert [(r.index, r.code, r.field) for r in result.rejected] == [(1, code, field)]
    assert result.accepted == 2
    assert set(Item.objects.values_list("external_id", flat=True)) == {"G1", "G2"}
    assert not Customer.objects.exclude(external_id__startswith="good-").exists()


@pytest.mark.usefixtures("frozen_now")
@pytest.mark.parametrize(("change", "code", "field"), HOSTILE.values(), ids=HOSTILE.keys())
def test_the_api_answers_200_with_the_row_rejected_by_index(change, code, field):
    load_simple_process()
    batch = [good("G1"), event("BAD", "new", 1) | change, good("G2")]
    response = post_events(Client(), batch, bearer("admin"))
    assert response.status_code == 200
    body = response.json()
    assert [(r["index"], r["code"], r["field"]) for r in body["rejected"]] == [(1, code, field)]
    assert body["accepted"] == 2


@pytest.mark.parametrize(
    "value",
    [2**64, {1: "int key"}, {"when": datetime(2026, 1, 1)}, {"s": {1, 2}}],  # noqa: DTZ001  (a value, never compared)
    ids=["int over 64 bits", "int key", "datetime", "set"],
)
def test_attrs_that_are_not_json_are_rejected_by_the_service(value):
    load_simple_process()
    attrs = value if isinstance(value, dict) else {"n": value}
    result = event_ingest_batch(events=[event("A", "new", 0, attrs=attrs), event("B", "new", 0)])
    assert [(r.index, r.code) for r in result.rejected] == [(0, "invalid_field")]
    assert result.accepted == 1


@pytest.mark.usefixtures("frozen_now")
def test_the_year_rule_accepts_1970_and_up_to_the_configured_days_ahead(settings):
    load_simple_process()
    settings.UNSTUCK_EVENT_MAX_FUTURE_DAYS = 10
    batch = [
        event("A", "new", 0) | {"at": "1970-01-01T00:00:00+00:00"},
        event("B", "new", 0) | {"at": (NOW + timedelta(days=10)).isoformat()},
        event("C", "new", 0) | {"at": (NOW + timedelta(days=10, seconds=1)).isoformat()},
        event("D", "new", 0) | {"promised_at": (NOW + timedelta(days=11)).isoformat()},
    ]
    result = event_ingest_batch(events=batch)
    assert [(r.index, r.code, r.field) for r in result.rejected] == [
        (2, "invalid_timestamp", "at"),
        (3, "invalid_timestamp", "promised_at"),
    ]
    assert "UNSTUCK_EVENT_MAX_FUTURE_DAYS" in result.rejected[0].message
    assert result.accepted == 2


def test_an_items_merged_attrs_stop_growing_at_the_item_limit():
    load_simple_process()
    chunk = "x" * (ATTRS_MAX_BYTES - 100)
    # Each event brings a new key: merged, they would pass the item's limit after a few events.
    batch = [event("A", "new", i, attrs={f"k{i}": chunk}) for i in range(8)]
    result = event_ingest_batch(events=batch)
    fitting = ITEM_ATTRS_MAX_BYTES // ATTRS_MAX_BYTES
    assert result.accepted == fitting
    assert [(r.index, r.code, r.field) for r in result.rejected] == [
        (i, "attrs_too_large", "attrs") for i in range(fitting, 8)
    ]
    # A later batch cannot grow it either, but may replace a value it already has.
    later = event_ingest_batch(
        events=[event("A", "new", 20, attrs={"k9": chunk}), event("A", "new", 21, attrs={"k0": "small"})]
    )
    assert [(r.index, r.code) for r in later.rejected] == [(0, "attrs_too_large")]
    assert later.accepted == 1
    item = Item.objects.get(external_id="A")
    assert item.attrs["k0"] == "small" and len(item.attrs) == fitting
    assert Event.objects.count() == fitting + 1


def test_an_item_id_with_slashes_reads_back_through_the_api():
    load_simple_process()
    client = Client()
    headers = bearer("admin")
    assert post_events(client, [event("2026/03/0001", "new", 0)], headers).json()["accepted"] == 1
    for path in ("2026/03/0001", "2026%2F03%2F0001"):
        response = client.get(f"/api/v1/processes/simple/items/{path}", **headers)
        assert response.status_code == 200, path
        assert response.json()["item"] == "2026/03/0001"


def test_an_item_id_the_database_cannot_hold_is_not_found_not_a_500():
    load_simple_process()
    client = Client()
    headers = bearer("admin")
    for path in ("simple/items/A%00B", "sim%00ple/items/A", "simple/items/%00"):
        response = client.get(f"/api/v1/processes/{path}", **headers)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), path
