"""The case page's messages panel, its HTMX preview and send, the notifications page and the admin."""

# Tests dereference Optional results (a just-enqueued message, a fetched row) they know exist.
# mypy: disable-error-code="union-attr,misc"

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from unstuck.cases.tests.factories import person
from unstuck.messaging.models import Channel, Message, MessageTemplate
from unstuck.messaging.panels import case_panel_html
from unstuck.messaging.services import message_enqueue
from unstuck.messaging.tests.factories import case_with_customer

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_panel_lists_messages_with_status_and_reason_in_bounded_queries():
    case = case_with_customer(channel="wecom", email="", phone="")
    for i in range(5):
        message_enqueue(
            template_key="stall_update", context={"reason": "r", "eta": "e"}, dedupe_key=f"d{i}", case=case
        )
    request = RequestFactory().get("/")
    request.user = person("li", "agent", "intake")
    with CaptureQueriesContext(connection) as queries:
        html = case_panel_html(request=request, case=case)
    assert len(queries) <= 3
    assert html.count('class="message message-out message-dead"') == 5
    assert "no active wecom channel is configured" in html


def test_preview_then_send_from_the_panel(smtp):
    case = case_with_customer()
    agent = person("li", "agent", "intake")
    client = signed_in(agent)
    form = {
        "template_key": "case_reply",
        "message": "我们已加急处理",
        "reason": "仓库系统故障",
        "eta": "明天 18:00",
        "channel": "",
    }
    preview = client.post(reverse("messaging:case_preview", args=[case.pk]), form, HTTP_HX_REQUEST="true")
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "我们已加急处理" in text and "wang@example.cn" in text and "message-preview" in text
    assert not Message.objects.exists()
    from unstuck.portal.models import PortalLink

    assert not PortalLink.objects.exists(), "a preview signs no status or confirm link"
    token = re.search(r'name="token" value="([0-9a-f]+)"', text).group(1)
    sent = client.post(reverse("messaging:case_send", args=[case.pk]), {**form, "token": token})
    assert sent.status_code == 200 and "message-queued" in sent.content.decode()
    again = client.post(reverse("messaging:case_send", args=[case.pk]), {**form, "token": token})
    assert again.status_code == 200
    message = Message.objects.get()  # the double submit sent once
    assert PortalLink.objects.filter(kind=PortalLink.Kind.STATUS).count() == 1  # sending signs it
    assert message.template_key == "case_reply" and "我们已加急处理" in message.body_text
    assert "li" in message.body_text  # the agent's name signs it


def test_other_teams_case_is_not_found_and_auditors_cannot_send():
    case = case_with_customer()
    outsider = signed_in(person("zhao", "agent", "other-team"))
    assert outsider.post(reverse("messaging:case_send", args=[case.pk]), {"token": "t"}).status_code == 404
    auditor = signed_in(person("audit", "auditor"))
    response = auditor.post(
        reverse("messaging:case_send", args=[case.pk]), {"token": "t", "template_key": "case_reply"}
    )
    assert response.status_code == 403 and not Message.objects.exists()


def test_notifications_page_shows_only_mine_and_marks_read():
    agent, other = person("li", "agent", "ops"), person("wu", "agent", "ops")
    message_enqueue(template_key="sla_warning", context={"reason": "快超时了"}, dedupe_key="a", user=agent)
    message_enqueue(template_key="sla_warning", context={"reason": "别人的"}, dedupe_key="b", user=other)
    client = signed_in(agent)
    page = client.get(reverse("messaging:notifications")).content.decode()
    assert "快超时了" in page and "别人的" not in page
    client.post(reverse("messaging:notifications"))
    assert Message.objects.get(dedupe_key="a").read_at is not None
    assert Message.objects.get(dedupe_key="b").read_at is None
    assert Client().get(reverse("messaging:notifications")).status_code == 302


def test_the_admin_leaves_template_writes_to_the_desk_screen_and_previews_a_template():
    """Templates are written on the desk's screen (which refuses a foreign variable, tested in
    desk/tests/test_admin_messaging.py); the Django admin shows them read-only with a rendered sample."""
    admin_user = person("boss", "admin")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = signed_in(admin_user)
    data = {
        "key": "survey_invitation",
        "language": "zh-hans",
        "subject": "请评价",
        "body_text": "{{ confirm_link }}",
        "active": "on",
    }
    response = client.post(reverse("admin:messaging_messagetemplate_add"), data)
    assert response.status_code == 403
    assert not MessageTemplate.objects.filter(subject="请评价").exists()
    template = MessageTemplate.objects.get(key="stall_update", language="zh-hans", case_type="")
    page = client.get(reverse("admin:messaging_messagetemplate_change", args=[template.pk])).content.decode()
    assert "仓库系统故障，今天的订单延迟出库" in page  # the sample reason, rendered


def test_admin_send_test_action_queues_a_message_the_worker_delivers(smtp):
    admin_user = person("boss", "admin")
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.email = "boss@example.cn"
    admin_user.save()
    channel = Channel.objects.create(key="mail", name="邮件", kind="email")
    client = signed_in(admin_user)
    client.post(
        reverse("admin:messaging_channel_changelist"),
        {"action": "send_test", "_selected_action": [channel.pk]},
    )
    from unstuck.messaging.outbox import outbox_deliver

    assert outbox_deliver(batch=5) == 1
    assert [mail.rcpt_tos for mail in smtp.mails] == [["boss@example.cn"]]
    assert "通道测试" in str(smtp.mails[0].message["Subject"])
