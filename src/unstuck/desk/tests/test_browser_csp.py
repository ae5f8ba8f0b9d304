"""The Content-Security-Policy (scripts only from our own files, no eval) breaks nothing people use:
real Chromium reports no violation on the desk's main pages, the Django admin and the API docs."""

from __future__ import annotations

from typing import Any

import pytest

from unstuck.desk.tests.conftest import CHROMIUM
from unstuck.desk.tests.factories import PASSWORD, load_processes, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]

PAGES = [
    "/",
    "/queue/",
    "/wall/",
    "/settings/",
    "/settings/processes/",
    "/settings/users/",
    "/insights/bottlenecks/",
    "/insights/warnings/",
    "/casework/incidents/new/",
    "/brief/",
    "/admin/",
    "/api/v1/docs",
]


def test_no_page_breaks_the_content_security_policy(browser: Any, live_server: Any):
    load_processes()
    user = make_user("boss", role="admin")
    user.is_staff = user.is_superuser = True
    user.save()
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    # Recorded by the page itself: Chromium fires this event for every blocked script, style or eval.
    context.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation', function (e) {"
        "  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI); });"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("boss")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    seen = {}
    for path in PAGES:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status < 400, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        seen[path] = page.evaluate("window.__violations")
    assert seen == {path: [] for path in PAGES}
    # HTMX still polls the board (its trigger has no eval'd filter any more).
    with page.expect_response(
        lambda answer: answer.request.headers.get("hx-request") == "true", timeout=15000
    ):
        page.goto(f"{live_server.url}/")
    assert page.evaluate("window.__violations") == []
