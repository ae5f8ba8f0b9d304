"""The desk in real Chromium: sign in, watch the board update itself, switch language, screenshots."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from unstuck.desk.tests.conftest import CHROMIUM
from unstuck.desk.tests.factories import (
    PASSWORD,
    load_processes,
    load_scenes,
    make_user,
    step_event,
    worker_pass,
)
from unstuck.tracking.services import event_ingest_batch

#: Where the screenshots go: the README shows them. UNSTUCK_SCREENSHOT_DIR sends them elsewhere.
SCREENSHOTS = Path(
    os.environ.get("UNSTUCK_SCREENSHOT_DIR") or Path(__file__).resolve().parents[4] / "docs" / "screenshots"
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]


def _zh_page(browser: Any) -> Any:
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1440, "height": 900}
    )
    return context.new_page()


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def _stall_now(item: str, customer: str) -> None:
    """An order paid 16 minutes ago (15 allowed), recorded by a worker pass right now."""
    now = timezone.now()
    event_ingest_batch(
        events=[step_event(item, "paid", at=now - timedelta(minutes=16), customer=(f"C-{item}", customer))]
    )
    worker_pass(now)


def test_sign_in_watch_the_board_update_itself_and_switch_to_english(browser: Any, live_server: Any):
    load_processes()
    make_user("wang", role="supervisor", team="warehouse")
    _stall_now("SO-LIVE-1", "王女士")
    page = _zh_page(browser)
    _sign_in(page, live_server.url, "wang")

    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.get_by_role("heading", name="卡点看板").wait_for()
    row = page.locator("tr", has_text="SO-LIVE-1")
    assert "王女士" in row.inner_text() and "停留超时" in row.inner_text() and "已付款" in row.inner_text()

    # A new stall arrives after the page loaded: it shows up by itself, without a reload.
    page.evaluate("window.__sameDocument = true")
    _stall_now("SO-LIVE-2", "李先生")
    page.locator("tr", has_text="SO-LIVE-2").wait_for(timeout=9000)
    assert page.evaluate("window.__sameDocument === true")
    assert "2 个未解决卡点" in page.locator("#live-title").inner_text()

    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Stalls board").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Dwell overdue" in page.locator("tr", has_text="SO-LIVE-2").inner_text()


def test_screenshots_of_the_main_screens(browser: Any, live_server: Any):
    load_processes()
    make_user("zhou", role="admin")
    load_scenes()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = _zh_page(browser)

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("zhou")
    page.screenshot(path=str(SCREENSHOTS / "login.png"))
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    page.locator("tr", has_text="SO20261119-0208").first.wait_for()
    page.screenshot(path=str(SCREENSHOTS / "stalls-board.png"), full_page=True)

    page.get_by_role("link", name="SO20261123-0042").first.click()
    page.get_by_role("heading", name="事件时间线").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "item.png"), full_page=True)
    assert all(
        (SCREENSHOTS / name).stat().st_size > 10_000 for name in ("login.png", "stalls-board.png", "item.png")
    )
