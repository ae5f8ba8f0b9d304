"""The queue, case page, wall and admin screens in real Chromium: a case that stalled seconds ago is
worked to resolution with the keyboard and the mouse; screenshots of the main screens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from unstuck.cases.models import Case
from unstuck.cases.sla_models import SlaClock, SlaTarget
from unstuck.core.worker import run_jobs_once
from unstuck.desk.tests.conftest import CHROMIUM
from unstuck.desk.tests.factories import load_processes, load_scenes, make_user, route_cases, sla, step_event
from unstuck.desk.tests.test_browser import SCREENSHOTS, _sign_in, _zh_page
from unstuck.tracking.services import event_ingest_batch

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]


def _stall_and_open_case(item: str, customer: str, *, minutes_ago: float = 16) -> Case:
    """An order paid `minutes_ago` (15 allowed); the worker's jobs run in-process, as `unstuck worker`
    runs them."""
    now = timezone.now()
    event_ingest_batch(
        events=[
            step_event(
                item, "paid", at=now - timedelta(minutes=minutes_ago), customer=(f"C-{item}", customer)
            )
        ]
    )
    run_jobs_once()
    return Case.objects.get(item__external_id=item)


def test_a_case_that_stalled_seconds_ago_is_worked_to_resolution_in_chinese(browser: Any, live_server: Any):
    load_processes()
    make_user("li", role="agent", team="warehouse")
    case = _stall_and_open_case("SO-NOW-1", "王女士")
    assert case.owner is not None and case.owner.username == "li"
    page = _zh_page(browser)
    _sign_in(page, live_server.url, "li")
    page.get_by_role("link", name="我的队列").click()
    page.get_by_role("heading", name="我的队列").wait_for()
    row = page.locator(f"#case-row-{case.pk}")
    assert case.number in row.inner_text() and "停滞" in row.inner_text() and "王女士" in row.inner_text()
    assert "1 个未完成工单" in page.locator("#queue-total").inner_text()

    page.keyboard.press("j")
    assert row.get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/cases/{case.pk}/**")
    page.get_by_role("heading", name=case.number).wait_for()
    assert "仓储组" in page.locator("#case-work").inner_text()

    page.get_by_role("button", name="开始处理").click()
    page.locator("#case-notice", has_text="状态已改为“处理中”").wait_for()
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.id") == "note-text"
    page.keyboard.type("已电话联系客户，仓库今天补发")
    page.get_by_role("button", name="添加备注").click()
    page.locator(".case-timeline", has_text="已电话联系客户").wait_for()
    page.locator("body").click(position={"x": 5, "y": 300})  # leave the note field: shortcuts are live again
    page.keyboard.press("r")
    page.locator("#case-status", has_text="已解决").wait_for()

    page.get_by_role("link", name="返回队列").click()
    page.locator(".empty", has_text="这个队列里没有未完成的工单").wait_for()
    assert page.locator(f"#case-row-{case.pk}").count() == 0


def test_next_previous_shortcuts_help_search_and_language(browser: Any, live_server: Any):
    load_processes()
    make_user("li", role="agent", team="warehouse")
    cases = [_stall_and_open_case(f"SO-NP-{n}", f"客户{n}", minutes_ago=30 - n) for n in range(3)]
    for hours, case in enumerate(cases, start=1):
        sla(case, due_in=timedelta(hours=hours))
    page = _zh_page(browser)
    _sign_in(page, live_server.url, "li")
    page.goto(f"{live_server.url}/queue/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "id_q"
    page.keyboard.press("Escape")
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("?")
    dialog = page.locator("#shortcut-help")
    dialog.wait_for(state="visible")
    assert "解决工单" in dialog.inner_text()
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")

    page.locator(f"#case-row-{cases[0].pk} a").click()
    page.get_by_role("heading", name=cases[0].number).wait_for()
    page.get_by_role("link", name="下一个工单").click()
    page.get_by_role("heading", name=cases[1].number).wait_for()
    page.keyboard.press("j")
    page.get_by_role("heading", name=cases[2].number).wait_for()
    page.keyboard.press("k")
    page.get_by_role("heading", name=cases[1].number).wait_for()
    page.keyboard.press("a")  # already mine: the button is not offered, nothing happens
    assert page.locator("#case-error").count() == 0

    page.get_by_role("button", name="English").click()
    page.get_by_role("link", name="Next case").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"


def test_screenshots_of_queue_case_wall_and_process_graph(browser: Any, live_server: Any):
    load_processes()
    make_user("zhou", role="admin")
    make_user("li", role="agent", team="warehouse")
    make_user("wu", role="agent", team="warehouse")
    make_user("chen", role="agent", team="service")
    make_user("he", role="agent", team="carrier")
    make_user("wang", role="supervisor", team="warehouse")
    load_scenes()
    route_cases()
    states = ["breached", "warning", "ok", "ok", "ok", "warning", "ok", "breached", "ok", "ok"]
    for index, case in enumerate(Case.objects.order_by("id")):
        # Left of the next-update time: past it, a quarter of it (warned), or most of it (no warning yet).
        budget = SlaClock.objects.get(case=case, target=SlaTarget.NEXT_UPDATE).budget_seconds
        left = {"breached": -0.05, "warning": 0.25}.get(states[index % len(states)], 0.9 - index / 100)
        assert sla(case, due_in=timedelta(seconds=round(left * budget))) == states[index % len(states)]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = _zh_page(browser)
    _sign_in(page, live_server.url, "zhou")

    page.goto(f"{live_server.url}/queue/?scope=team")
    page.locator("tr[data-row]").first.wait_for()
    page.keyboard.press("j")
    page.screenshot(path=str(SCREENSHOTS / "queue.png"), full_page=True)

    first = Case.objects.filter(item__external_id="SO20261121-0930").first()
    assert first is not None
    page.goto(f"{live_server.url}/cases/{first.pk}/?from=scope%3Dteam")
    page.get_by_role("heading", name="工单时间线").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "case.png"), full_page=True)

    page.goto(f"{live_server.url}/wall/")
    page.get_by_role("heading", name="团队工作量").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "wall.png"), full_page=True)

    page.goto(f"{live_server.url}/settings/processes/order-delivery/")
    page.locator("svg.process-graph").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "process-graph.png"), full_page=True)
    for name in ("queue.png", "case.png", "wall.png", "process-graph.png"):
        assert (SCREENSHOTS / name).stat().st_size > 10_000, name
