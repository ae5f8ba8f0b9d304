"""The supervisor's screens on a week of seeded demo history, in real Chromium (zh-Hans): the brief,
bottlenecks and the incidents list, for the README; and the navigation on a phone-wide screen (every
link on screen, nothing scrolls sideways, Tab walks the links in the order they are shown)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from unstuck.desk.tests.conftest import CHROMIUM
from unstuck.desk.tests.factories import make_user
from unstuck.desk.tests.test_browser import SCREENSHOTS, _sign_in, _zh_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]

NAV_LABELS = [
    "我的队列",
    "团队队列",
    "卡点看板",
    "实时监控墙",
    "批量事件",
    "隔离邮件",
    "问题",
    "日报",
    "瓶颈",
]
NAV_LABELS += ["预警", "质检", "通知", "设置"]


def test_screenshots_of_brief_bottlenecks_and_incidents_on_demo_history(browser: Any, live_server: Any):
    from unstuck.demo.services import demo_seed

    demo_seed(now=timezone.now(), weeks=1)
    make_user("zhou", role="admin")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = _zh_page(browser)
    _sign_in(page, live_server.url, "zhou")

    page.get_by_role("link", name="日报").click()
    page.locator("svg").first.wait_for()
    page.screenshot(path=str(SCREENSHOTS / "brief.png"), full_page=True)

    page.get_by_role("link", name="瓶颈").click()
    page.locator("main svg").first.wait_for()
    page.screenshot(path=str(SCREENSHOTS / "bottlenecks.png"), full_page=True)

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="批量事件").click()
    page.locator("#incident-list tbody tr").first.wait_for()
    page.screenshot(path=str(SCREENSHOTS / "incidents.png"), full_page=True)
    for name in ("brief.png", "bottlenecks.png", "incidents.png"):
        assert (SCREENSHOTS / name).stat().st_size > 10_000, name


def test_the_navigation_fits_a_phone_and_tab_follows_it(browser: Any, live_server: Any):
    make_user("zhou", role="admin")
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    _sign_in(page, live_server.url, "zhou")
    nav = page.get_by_role("navigation", name="主导航")
    links = nav.get_by_role("link")
    assert links.all_inner_texts() == NAV_LABELS
    for index in range(links.count()):
        box = links.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, NAV_LABELS[index]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing scrolls sideways"
    page.screenshot(path=str(SCREENSHOTS / "nav-phone.png"))

    # Tab from the top: skip link, brand, then the nav links in the order they are shown, each named.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "brand"
    seen = []
    tops = []
    for _ in NAV_LABELS:
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.textContent.trim()"))
        tops.append(page.evaluate("document.activeElement.getBoundingClientRect().top"))
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none", f"{seen[-1]} shows its focus"
    assert seen == NAV_LABELS
    assert tops == sorted(tops), "focus moves down the wrapped rows, never back up"
