"""The desk's message settings: templates with a live preview of unsaved text, channels with a
"send test" through the outbox (a real SMTP server and a refused port), admins change, auditors read."""

from collections.abc import Iterator

import pytest
from django.test import Client

from unstuck.desk.tests.factories import signed_in
from unstuck.messaging.models import Channel, Message, MessageTemplate
from unstuck.messaging.outbox import outbox_deliver
from unstuck.messaging.tests.servers import SmtpServer, django_smtp, free_port

pytestmark = pytest.mark.django_db

NEW = {
    "key": "stall_update",
    "language": "en",
    "case_type": "",
    "cause": "supplier",
    "step": "",
    "subject": "Your order {{ item }} is delayed",
    "body_text": "Dear {{ customer_name }}, {{ reason }}. New date: {{ eta }}.",
    "body_html": "",
    "active": "1",
}


def _client(username: str, role: str) -> Client:
    return signed_in(username, role)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with django_smtp() as server:
        yield server


def test_templates_are_listed_by_key_and_language(admin):
    page = admin.get("/settings/templates/?key=stall_update").content.decode()
    seeded = MessageTemplate.objects.filter(key="stall_update")
    assert seeded.exists()
    for template in seeded:
        assert f"/settings/templates/{template.pk}/" in page
    other = MessageTemplate.objects.exclude(key="stall_update").first()
    assert other is None or f"/settings/templates/{other.pk}/" not in page


def test_the_preview_renders_unsaved_text_in_both_languages_and_saves_nothing(admin):
    count = MessageTemplate.objects.count()
    response = admin.post("/settings/templates/preview/", NEW, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a fragment for HTMX
    assert "Dear 王女士, 仓库系统故障" in html  # zh-Hans sample values
    assert "Dear Ms Wang, The warehouse system failed" in html  # English sample values
    assert "Your order SO-1001 is delayed" in html
    refused = admin.post("/settings/templates/preview/", {**NEW, "body_text": "Hi {{ nickname }}"})
    assert "nickname" in refused.content.decode() and 'id="preview-error"' in refused.content.decode()
    assert MessageTemplate.objects.count() == count


def test_a_valid_template_is_saved_and_an_unknown_variable_is_refused_by_name(admin):
    assert admin.get("/settings/templates/new/").status_code == 200
    created = admin.post("/settings/templates/new/", NEW)
    assert created.status_code == 302
    template = MessageTemplate.objects.get(key="stall_update", language="en", cause="supplier")
    assert template.subject == "Your order {{ item }} is delayed"
    page = admin.get(f"/settings/templates/{template.pk}/").content.decode()
    assert "Dear Ms Wang" in page  # the editor opens with its preview

    refused = admin.post(f"/settings/templates/{template.pk}/", {**NEW, "body_text": "Hi {{ nickname }}"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'id="tp-text-error"' in html and "nickname" in html
    template.refresh_from_db()
    assert "nickname" not in template.body_text

    duplicate = admin.post("/settings/templates/new/", NEW)
    assert duplicate.status_code == 400 and 'id="tp-key-error"' in duplicate.content.decode()
    assert MessageTemplate.objects.filter(key="stall_update", language="en", cause="supplier").count() == 1


def test_a_channel_is_edited_and_a_bad_option_is_refused(admin):
    channel = Channel.objects.create(
        key="ops-hook", name="运维 webhook", kind="webhook", url="http://127.0.0.1:9/"
    )
    assert "/settings/channels/ops-hook/" in admin.get("/settings/channels/").content.decode()
    saved = admin.post(
        "/settings/channels/ops-hook/",
        {
            "name": "Ops hook",
            "url": "http://127.0.0.1:9/hook",
            "options": '{"format": "json"}',
            "active": "1",
        },
    )
    assert saved.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.url, channel.options, channel.is_default) == (
        "Ops hook",
        "http://127.0.0.1:9/hook",
        {"format": "json"},
        False,
    )
    for bad, error_id in (
        ({"options": "{format"}, "ch-options-error"),
        ({"url": "not a url"}, "ch-url-error"),
    ):
        refused = admin.post(
            "/settings/channels/ops-hook/",
            {"name": "X", "url": channel.url, "options": "{}", "active": "1", **bad},
        )
        assert refused.status_code == 400 and f'id="{error_id}"' in refused.content.decode()
    channel.refresh_from_db()
    assert channel.name == "Ops hook"


def test_send_test_goes_through_the_outbox_and_shows_sent(admin, smtp):
    Channel.objects.create(key="mail", name="邮件", kind="email")
    response = admin.post(
        "/settings/channels/mail/test/", {"address": "ops@example.cn"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    message = Message.objects.get(template_key="channel_test")
    assert message.status == Message.Status.QUEUED
    assert 'data-status="queued"' in response.content.decode() and "hx-trigger" in response.content.decode()
    assert outbox_deliver(batch=10) >= 1
    assert [mail.rcpt_tos for mail in smtp.mails] == [["ops@example.cn"]]
    status = admin.get(f"/settings/messages/{message.pk}/status/").content.decode()
    assert 'data-status="sent"' in status and "hx-trigger" not in status


def test_send_test_to_a_closed_port_shows_the_failure_and_its_reason(admin):
    Channel.objects.create(key="hook", name="hook", kind="webhook", url=f"http://127.0.0.1:{free_port()}/")
    redirect = admin.post("/settings/channels/hook/test/", {})
    assert redirect.status_code == 302
    message = Message.objects.get(template_key="channel_test")
    outbox_deliver(batch=10)
    message.refresh_from_db()
    assert message.status in (Message.Status.FAILED, Message.Status.DEAD)
    page = admin.get(redirect["Location"]).content.decode()
    assert f'data-status="{message.status}"' in page
    assert message.reason and message.reason[:20] in page


def test_non_admins_get_403_and_auditors_read_only(processes):
    template = MessageTemplate.objects.first()
    assert template is not None
    Channel.objects.create(key="mail", name="邮件", kind="email")
    for role in ("agent", "supervisor"):
        client = _client(f"u-{role}", role)
        for url in (
            "/settings/templates/",
            f"/settings/templates/{template.pk}/",
            "/settings/channels/mail/",
        ):
            assert client.get(url).status_code == 403
        assert client.post("/settings/templates/new/", NEW).status_code == 403
    auditor = _client("audit", "auditor")
    assert auditor.get(f"/settings/templates/{template.pk}/").status_code == 200
    assert auditor.get("/settings/channels/mail/").status_code == 200
    assert auditor.post("/settings/templates/new/", NEW).status_code == 403
    assert auditor.post("/settings/channels/mail/test/", {"address": "a@b.cn"}).status_code == 403
    assert auditor.post("/settings/channels/mail/", {"name": "changed"}).status_code == 403
    assert not Message.objects.filter(template_key="channel_test").exists()
    assert Channel.objects.get(key="mail").name == "邮件"
