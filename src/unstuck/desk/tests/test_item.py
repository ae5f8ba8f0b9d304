from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from unstuck.desk.tests.factories import load_scenes, step_event, worker_pass
from unstuck.tracking.services import event_ingest_batch

pytestmark = pytest.mark.django_db


def test_the_item_page_tells_the_story_events_in_time_order_and_stalls(admin_desk: Client):
    now = timezone.now()
    customer = ("C9", "周女士")
    event_ingest_batch(
        events=[
            step_event(
                "SO-9", "picking", at=now - timedelta(hours=30), customer=customer, attrs={"仓库": "嘉兴仓"}
            ),
            step_event("SO-9", "paid", at=now - timedelta(hours=31), customer=customer),
        ]
    )
    worker_pass(now - timedelta(hours=25))  # dwell in picking from 26 h ago
    event_ingest_batch(events=[step_event("SO-9", "shipped", at=now - timedelta(hours=2))])
    event_ingest_batch(events=[step_event("SO-9", "delivery_failed", at=now - timedelta(minutes=30))])
    worker_pass(now)
    page = admin_desk.get("/items/order-delivery/SO-9/").content.decode()
    for text in ("SO-9", "订单交付", "周女士", "+86 138 0013 8000", "嘉兴仓", "派送失败", "承诺完成时间"):
        assert text in page, text
    timeline = page[page.index('class="timeline"') :]
    assert (
        timeline.index("已付款")
        < timeline.index("拣货中")
        < timeline.index("已发货")
        < timeline.index("派送失败")
    )
    stalls = page[page.index('id="stalls-title"') : page.index('id="timeline-title"')]
    assert "流程中断" in stalls and "未解决" in stalls  # the open interruption
    assert "停留超时" in stalls and "shipped" in stalls  # the resolved dwell, with its resolution


def test_the_board_links_to_the_item_page(admin_desk: Client):
    load_scenes()
    page = admin_desk.get("/").content.decode()
    assert 'href="/items/b-dispatch/BT-88123/"' in page
    assert admin_desk.get("/items/b-dispatch/BT-88123/").status_code == 200


def test_an_unknown_item_is_not_found(admin_desk: Client):
    assert admin_desk.get("/items/order-delivery/NOPE/").status_code == 404
    assert admin_desk.get("/items/nope/NOPE/").status_code == 404


def test_item_ids_with_slashes_and_chinese_round_trip(admin_desk: Client):
    event_ingest_batch(events=[step_event("订单/2026/001", "paid", at=timezone.now())])
    response = admin_desk.get("/items/order-delivery/订单/2026/001/")
    assert response.status_code == 200
    assert "订单/2026/001" in response.content.decode()
