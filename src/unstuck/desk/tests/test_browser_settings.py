"""The settings screens in real Chromium: the template editor previews unsaved text as one types,
and refuses a variable the key does not allow before anything is saved."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from unstuck.desk.tests.conftest import CHROMIUM
from unstuck.desk.tests.factories import PASSWORD, load_processes, make_user
from unstuck.messaging.models import MessageTemplate

SCREENSHOTS = Path(
    os.environ.get("UNSTUCK_SCREENSHOT_DIR") or Path(__file__).resolve().parents[4] / "docs" / "screenshots"
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]


def test_the_template_editor_previews_unsaved_text_live(browser: Any, live_server: Any) -> None:
    load_processes()
    make_user("zhou", role="admin")
    template = MessageTemplate.objects.create(
        key="stall_update",
        language="zh-hans",
        cause="browser-test",
        subject="订单 {{ item }} 延迟",
        body_text="{{ customer_name }}，您好。",
    )
    page = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900}).new_page()
    base = live_server.url
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill("zhou")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/settings/templates/{template.pk}/")
    assert "王女士，您好。" in page.locator("#preview-zh").inner_text()
    body = page.locator("#tp-text")
    body.fill("{{ customer_name }}，{{ reason }}。预计 {{ eta }} 发出。")
    # Not wait_for_function: it evaluates a string, which the desk's CSP (no eval) refuses.
    expect(page.locator("#preview-zh")).to_contain_text("预计")
    assert "仓库系统故障" in page.locator("#preview-zh").inner_text()
    assert "The warehouse system failed" in page.locator("#preview-en").inner_text()

    body.fill("{{ nickname }}，您好")
    page.wait_for_selector("#preview-error")
    assert "nickname" in page.locator("#preview-error").inner_text()
    template.refresh_from_db()
    assert template.body_text == "{{ customer_name }}，您好。"  # nothing saved while previewing
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "settings-template-preview.png"), full_page=True)

    page.get_by_role("button", name="保存模板").click()
    page.wait_for_selector("#tp-text-error")
    template.refresh_from_db()
    assert template.body_text == "{{ customer_name }}，您好。"
