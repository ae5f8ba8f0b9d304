"""Issue 5, journey B in real Chromium: a supervisor builds an incident from a filter (every order of
one warehouse stalled since a time), sees the preview count, creates it from the incidents list and
bulk-resolves it; every child case is resolved with its own timeline entry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from unstuck.cases.models import Case, TimelineEntry
from unstuck.casework.models import Incident
from unstuck.desk.tests.conftest import CHROMIUM
from unstuck.desk.tests.factories import load_processes, make_user, step_event
from unstuck.desk.tests.test_browser import SCREENSHOTS, _sign_in, _zh_page
from unstuck.portal.tests.factories import worker_round
from unstuck.tracking.services import event_ingest_batch

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]

SHANGHAI = {"warehouse": "上海仓"}


def _orders_paid(minutes_ago: float, *items: tuple[str, dict[str, str], str]) -> None:
    """Orders paid `minutes_ago` (15 minutes allowed in `paid`), with their warehouse and customer."""
    at = timezone.now() - timedelta(minutes=minutes_ago)
    event_ingest_batch(
        events=[
            step_event(item, "paid", at=at, customer=(f"C-{item}", customer), attrs=attrs)
            for item, attrs, customer in items
        ]
    )


def test_supervisor_builds_an_incident_from_a_filter_and_bulk_resolves_it(
    browser: Any, live_server: Any
) -> None:
    load_processes()
    make_user("wang", role="supervisor", team="warehouse")
    make_user("li", role="agent", team="warehouse")
    # The WMS outage began about an hour ago: three Shanghai orders stalled since; one Shanghai order
    # stalled hours before it (another cause) and one Beijing order stalled during it stay out.
    _orders_paid(50, ("SO-SH-1", SHANGHAI, "王女士"), ("SO-SH-2", SHANGHAI, "李先生"))
    _orders_paid(40, ("SO-SH-3", SHANGHAI, "赵女士"), ("SO-BJ-1", {"warehouse": "北京仓"}, "钱先生"))
    _orders_paid(300, ("SO-SH-0", SHANGHAI, "孙先生"))
    worker_round()
    matching = list(
        Case.objects.filter(item__external_id__in=["SO-SH-1", "SO-SH-2", "SO-SH-3"]).order_by("pk")
    )
    others = list(Case.objects.filter(item__external_id__in=["SO-SH-0", "SO-BJ-1"]))
    assert len(matching) == 3 and len(others) == 2 and all(case.is_open for case in matching + others)

    page = _zh_page(browser)
    _sign_in(page, live_server.url, "wang")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="批量事件").click()
    page.get_by_role("heading", name="批量事件", level=1).wait_for()
    page.get_by_role("link", name="新建批量事件").click()
    page.get_by_role("heading", name="新建批量事件").wait_for()

    since = (timezone.now() - timedelta(minutes=60)).astimezone(ZoneInfo("Asia/Shanghai"))
    page.get_by_label("流程").fill("order-delivery")
    page.get_by_label("跟踪项属性").fill("warehouse=上海仓")
    page.get_by_label("卡住起始时间").fill(since.strftime("%Y-%m-%dT%H:%M"))
    preview = page.locator("#incident-preview")
    preview.locator(".cw-count", has_text="3").wait_for()  # before the title: a preview needs none
    for case in matching:
        assert case.number in preview.inner_text()
    for case in others:
        assert case.number not in preview.inner_text()

    page.get_by_label("标题").fill("上海仓 WMS 故障")
    page.get_by_role("button", name="创建批量事件").click()
    page.get_by_role("heading", name="上海仓 WMS 故障").wait_for()
    incident = Incident.objects.get()
    assert page.url.endswith(f"/casework/incidents/{incident.pk}/")
    children = page.get_by_role("region", name="子工单", exact=True).first
    assert all(case.number in children.inner_text() for case in matching)

    page.get_by_label("状态", exact=True).select_option("resolved")
    page.get_by_label("理由", exact=True).fill("WMS 已恢复，订单已补推仓库")
    page.get_by_role("button", name="修改状态").click()
    page.get_by_role("status").filter(has_text="3 张子工单已修改，0 张跳过。").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "incident.png"), full_page=True)

    for case in matching:
        case.refresh_from_db()
        assert case.status == "resolved", case.number
        entry = TimelineEntry.objects.filter(case=case).order_by("-seq").first()
        assert entry is not None and "WMS 已恢复" in entry.message, (case.number, entry)
    assert all(Case.objects.get(pk=case.pk).is_open for case in others)

    # The incidents list now shows it resolved, with its three children and none still open.
    page.get_by_role("link", name="← 批量事件").click()
    row = page.locator(f"#incident-row-{incident.pk}")
    row.wait_for()
    assert "已解决" in row.inner_text() and "3" in row.inner_text()
