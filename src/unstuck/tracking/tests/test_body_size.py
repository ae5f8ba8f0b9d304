"""The README's 10,000 events per request hold for realistic events, and a body over the configured
limit answers 413 body_too_large naming the limit, never 500 (issue 11, section 2)."""

from typing import Any

import orjson
import pytest
from django.conf import settings as django_settings
from django.test import Client

from unstuck.tracking.models import Event
from unstuck.tracking.tests.factories import event, load_simple_process
from unstuck.tracking.tests.test_api import bearer

pytestmark = pytest.mark.django_db


def realistic(i: int) -> dict:
    """An event as an order system sends it: ids, a customer with contact details, five attrs."""
    return event(
        f"SO-2026-{i:08d}",
        "new",
        i % 600,
        key=f"erp-order-events-{i:012d}",
        customer={
            "id": f"CUST-{i % 7000:08d}",
            "name": "王女士" if i % 2 else "Zhang Wei",
            "phone": f"+86138{i % 10**8:08d}",
            "email": f"customer{i % 7000}@example-shop.cn",
        },
        attrs={
            "warehouse": "上海嘉定仓" if i % 3 else "Wuhan DC-2",
            "carrier": "顺丰速运",
            "order_value": 1299.5 + i,
            "channel": "tmall-flagship-store",
            "sku": f"SKU-{i % 500:06d}-BLACK-XL",
        },
    )


def post_raw(body: bytes, headers: dict) -> Any:
    return Client().post("/api/v1/events", body, content_type="application/json", **headers)


def test_a_realistic_batch_of_ten_thousand_events_is_accepted():
    load_simple_process()
    body = orjson.dumps({"events": [realistic(i) for i in range(10_000)]})
    assert len(body) > 2.5 * 1024 * 1024  # over Django's default body limit
    response = post_raw(body, bearer("admin"))
    assert response.status_code == 200, response.content[:300]
    assert response.json()["accepted"] == 10_000
    assert Event.objects.count() == 10_000


def test_a_body_over_the_limit_answers_413_naming_the_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    load_simple_process()
    body = orjson.dumps({"events": [realistic(i) for i in range(1_000)]})
    assert len(body) > 100_000
    response = post_raw(body, bearer("admin"))
    assert response.status_code == 413
    answer = response.json()
    assert answer["code"] == "body_too_large"
    assert "100,000 bytes" in answer["message"] and "UNSTUCK_MAX_BODY_BYTES" in answer["message"]
    assert answer["details"] == {"limit_bytes": 100_000}
    assert not Event.objects.exists()
    # Just under the limit goes through.
    small = orjson.dumps({"events": [realistic(i) for i in range(100)]})
    assert post_raw(small, bearer("admin", name="other")).status_code == 200


def test_the_default_limit_is_16_mib_and_a_larger_body_is_413():
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 16 * 1024 * 1024
    body = b'{"events": [], "padding": "' + b"x" * (16 * 1024 * 1024) + b'"}'
    response = post_raw(body, bearer("admin"))
    assert (response.status_code, response.json()["code"]) == (413, "body_too_large")
