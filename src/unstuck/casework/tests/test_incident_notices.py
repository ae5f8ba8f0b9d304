"""Bulk customer notices through the messaging outbox."""

from __future__ import annotations

from typing import Any

import pytest

from unstuck.cases.models import Case
from unstuck.casework.tests.factories import event, load_simple_process, push, worker_pass

pytestmark = pytest.mark.django_db


def test_a_notice_queues_one_message_per_child_customer_once(api: Any, world: Any) -> None:
    from unstuck.messaging.models import Message

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


def test_a_notice_pauses_the_childrens_own_proactive_updates(api: Any, world: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from unstuck.portal.followups import follow_ups_start
    from unstuck.portal.models import CaseFollowUp
    from unstuck.portal.scans import GRACE

    load_simple_process()
    customer = {"id": "C-1", "name": "王女士", "email": "wang@example.cn", "channel": "email"}
    push(
        event("SO-1", "new", 0, attrs={"warehouse": "上海仓"}, customer=customer),
        event("SO-2", "new", 0, attrs={"warehouse": "北京仓"}, customer={**customer, "id": "C-2"}),
    )
    worker_pass(61)
    follow_ups_start(now=timezone.now() + GRACE + timedelta(seconds=1))
    assert CaseFollowUp.objects.filter(paused_at__isnull=True).count() == 2
    shanghai = {"title": "上海仓故障", "attrs": {"warehouse": "上海仓"}}
    incident = api.post("lead", "/incidents", shanghai).json()
    response = api.post("lead", f"/incidents/{incident['id']}/notices", {"reason": "仓库系统故障"})
    assert response.status_code == 201, response.json()
    paused = CaseFollowUp.objects.get(case__item__external_id="SO-1")
    assert paused.is_paused and paused.next_update_at is None
    assert "仓库系统故障" in paused.pause_reason
    assert not CaseFollowUp.objects.get(case__item__external_id="SO-2").is_paused  # not in the incident
