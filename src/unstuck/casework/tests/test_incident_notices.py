"""Bulk customer notices through the messaging outbox (contract #4). The messaging app is built by
another engineer today: these tests run once it is merged."""

from __future__ import annotations

from typing import Any

import pytest

from unstuck.cases.models import Case
from unstuck.casework.tests.factories import event, load_simple_process, push, worker_pass

pytest.importorskip("unstuck.messaging")
pytestmark = pytest.mark.django_db


def test_a_notice_queues_one_message_per_child_customer_once(api: Any, world: Any) -> None:
    from unstuck.messaging.models import Message  # type: ignore[import-not-found]

    load_simple_process()
    customer = {"id": "C-1", "name": "王女士", "email": "wang@example.cn", "channel": "email"}
    push(
        event("SO-1", "new", 0, attrs={"warehouse": "上海仓"}, customer=customer),
        event("SO-2", "new", 0, attrs={"warehouse": "上海仓"}),  # no customer: skipped
    )
    worker_pass(61)
    incident = api.post(
        "lead", "/incidents", {"title": "上海仓故障", "attrs": {"warehouse": "上海仓"}}
    ).json()
    before = Message.objects.count()
    response = api.post(
        "lead", f"/incidents/{incident['id']}/notices", {"reason": "仓库系统故障", "eta": "明天 18:00"}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["queued"] == 1
    assert Message.objects.count() == before + 1
    child = Case.objects.get(item__external_id="SO-1")
    assert child.timeline.filter(kind="customer_notified").count() == 1
