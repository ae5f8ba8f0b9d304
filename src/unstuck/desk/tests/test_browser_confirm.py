"""Issue 5, journey A in real Chromium: an item whose customer prefers e-mail stalls waiting on the
customer's confirmation; the agent works the case from "My queue", writes to the customer from a
template (preview, then send); the worker delivers the mail to a real aiosmtpd server on loopback;
the customer opens the link from that mail in a browser of their own (looking changes nothing),
presses the button, and after the worker's pass the case is resolved, the timeline saying why."""

from __future__ import annotations

import re
import time
from datetime import time as wall_time
from typing import Any

import pytest

from unstuck.cases.models import Case
from unstuck.desk.tests.conftest import CHROMIUM
from unstuck.desk.tests.factories import make_user
from unstuck.desk.tests.test_browser import SCREENSHOTS, _sign_in, _zh_page
from unstuck.messaging.tests.conftest import smtp  # noqa: F401  (the messaging tests' SMTP fixture)
from unstuck.messaging.tests.servers import ReceivedMail, SmtpServer
from unstuck.portal.tests.factories import CUSTOMER, load_dispatch, stalled_item, worker_round
from unstuck.tracking.models import Event, Item

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),  # keeps the seeded templates
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]

AGENT_WORDS = "仓库已备好货，您确认后今天即可派单"


def _mail_with(server: SmtpServer, words: str, seconds: float = 20) -> ReceivedMail:
    """Run the worker (its jobs include the outbox) until a mail containing `words` arrived."""
    from unstuck.messaging.models import Message

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        worker_round()
        for mail in list(server.mails):
            part = mail.message.get_body(preferencelist=("plain",))
            if part is not None and words in part.get_content():
                return mail
        time.sleep(0.2)
    outbox = list(Message.objects.values_list("template_key", "recipient", "status", "reason"))
    raise AssertionError(f"no mail with {words!r} reached the SMTP server; outbox: {outbox}")


def test_agent_writes_customer_confirms_through_the_mailed_link_and_the_case_resolves(
    browser: Any,
    live_server: Any,
    smtp: SmtpServer,  # noqa: F811
    settings: Any,
) -> None:
    from unstuck.portal.models import UpdatePolicy

    settings.UNSTUCK_BASE_URL = live_server.url  # the mailed link must reach this test's server
    # Quiet hours hold customer messages back; off, so the test does not depend on the hour it runs at.
    UpdatePolicy.objects.create(process=None, quiet_start=wall_time(0, 0), quiet_end=wall_time(0, 0))
    load_dispatch()
    make_user("li", role="agent", team="ops")
    item = stalled_item("B-2031", customer=CUSTOMER)  # waited 3 h on the customer (2 h allowed)
    worker_round()
    case = Case.objects.get(item=item, rule="confirmation")
    assert case.owner is not None and case.owner.username == "li" and case.is_open

    page = _zh_page(browser)
    _sign_in(page, live_server.url, "li")
    page.get_by_role("link", name="我的队列").click()
    row = page.locator(f"#case-row-{case.pk}")
    row.wait_for()
    assert "B-2031" in row.inner_text() and "王女士" in row.inner_text()
    row.get_by_role("link").first.click()
    page.get_by_role("heading", name=case.number).wait_for()

    panel = page.locator("#messaging-panel")
    panel.get_by_label("模板").select_option("confirmation_request")
    panel.get_by_label("原因（用平实的话说明）").fill(AGENT_WORDS)
    panel.get_by_label("新的预计时间").fill("明天 18:00 前")
    panel.get_by_role("button", name="预览").click()
    preview = page.locator(".message-preview")
    preview.wait_for()
    assert "wang@example.cn" in preview.inner_text() and AGENT_WORDS in preview.inner_text()
    assert "您的确认链接，发送时签发" in preview.inner_text(), "a preview signs no link"
    page.locator("#messaging-panel").get_by_role("button", name="发送").click()
    page.locator("#messaging-panel .notice", has_text="消息已排队").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "case-messages.png"), full_page=True)

    mail = _mail_with(smtp, AGENT_WORDS)
    assert "wang@example.cn" in mail.rcpt_tos
    body = mail.message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    links = re.findall(re.escape(live_server.url) + r"/p/c/[^\s\"'<>]+/", body)
    assert links, f"a confirmation link in the agent's mail:\n{body}"

    customer = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    before = (Event.objects.filter(item=item).count(), Item.objects.get(pk=item.pk).current_step)
    customer.goto(links[0])
    customer.get_by_role("heading", name="请确认").wait_for()
    assert "B-2031" in customer.locator("body").inner_text()
    worker_round()
    assert (Event.objects.filter(item=item).count(), Item.objects.get(pk=item.pk).current_step) == before
    case.refresh_from_db()
    assert case.is_open, "opening the link confirms nothing"

    customer.get_by_role("button", name="确认").click()
    customer.get_by_role("heading", name="谢谢，已确认。").wait_for()
    worker_round()
    item.refresh_from_db()
    case.refresh_from_db()
    assert item.current_step == "confirmed"
    assert case.status == "resolved"

    page.reload()
    timeline = page.locator(".case-timeline")
    timeline.wait_for()
    assert "已解决" in page.locator("#case-status").inner_text()
    resolved = timeline.locator("li", has_text="跟踪项已恢复")  # the worker's entry says why
    # The recovery reason names the step the item moved on to, in the page's language.
    assert resolved.count() == 1 and "已进入“已确认”" in resolved.inner_text()
    page.get_by_role("link", name="返回队列").click()
    page.get_by_role("heading", name="我的队列").wait_for()
    assert page.locator(f"#case-row-{case.pk}").count() == 0
