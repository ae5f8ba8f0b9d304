"""Channel credentials are write-only: after saving, no page or API answer shows them to anyone
(admins, auditors, supervisors, agents, a Django-admin reader), the pages say "已设置 / 未设置", and
saving a form without re-entering a credential keeps the stored one."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from unstuck.cases.tests.factories import bearer, manual_case
from unstuck.desk.tests.factories import signed_in
from unstuck.messaging.channel_secrets import MASK
from unstuck.messaging.models import Channel, Message
from unstuck.messaging.outbox import outbox_deliver
from unstuck.messaging.services import message_enqueue
from unstuck.messaging.tests.servers import free_port

pytestmark = pytest.mark.django_db

CHANNELS: list[dict[str, Any]] = [
    {"key": "slack", "kind": "slack", "url": "https://hooks.slack.com/services/T0AAA/B0BBB/slackPathSecret1"},
    {
        "key": "wecom",
        "kind": "wecom",
        "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wecomKey22",
    },
    {
        "key": "dingtalk",
        "kind": "dingtalk",
        "url": "https://oapi.dingtalk.com/robot/send?access_token=dingToken333",
        "secret": "SECdingSign4444",
    },
    {
        "key": "feishu",
        "kind": "feishu",
        "url": "https://open.feishu.cn/open-apis/bot/v2/hook/feishuHook5555",
        "secret": "feishuSecret66",
    },
    {
        "key": "sms",
        "kind": "sms",
        "url": "https://dysmsapi.aliyuncs.com/",
        "secret": "aliyunSecret777",
        "options": {"provider": "aliyun", "access_key_id": "LTAIkeyId888", "sign_name": "某公司"},
    },
    {
        "key": "hook",
        "kind": "webhook",
        "url": "https://erp.example.cn/hooks/unstuck?token=erpToken999",
        "secret": "whSecret1010",
        "options": {"headers": {"X-Api-Token": "nestedToken1111"}, "format": "json"},
    },
    {"key": "mail", "kind": "email"},
]
SECRETS = [
    "slackPathSecret1",
    "T0AAA/B0BBB",
    "wecomKey22",
    "dingToken333",
    "SECdingSign4444",
    "feishuHook5555",
    "feishuSecret66",
    "aliyunSecret777",
    "LTAIkeyId888",
    "erpToken999",
    "whSecret1010",
    "nestedToken1111",
]


@pytest.fixture
def channels() -> list[Channel]:
    return [Channel.objects.create(name=spec["key"], is_default=False, **spec) for spec in CHANNELS]


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def desk_pages(channels: list[Channel]) -> list[str]:
    return ["/settings/channels/"] + [f"/settings/channels/{channel.key}/" for channel in channels]


def test_no_page_or_api_answer_shows_a_credential_to_any_role(channels, admin_client, caplog):
    case = manual_case()
    message_enqueue(template_key="channel_test", context={}, channel="slack", dedupe_key="t", case=case)
    reader = User.objects.create_user("admin-reader", password="x", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_channel"))
    django_admin_reader = Client()
    django_admin_reader.force_login(reader)
    seen = 0
    for role in ("admin", "auditor", "supervisor", "agent"):
        client = signed_in(f"u-{role}", role)
        for url in desk_pages(channels):
            response = client.get(url)
            assert not leaks(response.content.decode()), (role, url)
            seen += response.status_code == 200
        api = Client().get(
            f"/api/v1/cases/{case.pk}/messages", headers=bearer(User.objects.get(username=f"u-{role}"))
        )
        assert not leaks(api.content.decode()), role
    assert seen == 2 * len(desk_pages(channels))  # admins and auditors read every page; the others 403
    for client in (admin_client, django_admin_reader):
        pages = ["/admin/messaging/channel/"] + [f"/admin/messaging/channel/{c.pk}/change/" for c in channels]
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200 and not leaks(response.content.decode()), url
    assert not leaks(caplog.text)


def test_pages_say_set_or_not_set_and_show_only_the_host(channels):
    admin = signed_in("boss", "admin")
    listing = admin.get("/settings/channels/").content.decode()
    assert "https://qyapi.weixin.qq.com/…" in listing and "已设置" in listing and "未设置" in listing
    dingtalk = admin.get("/settings/channels/dingtalk/").content.decode()
    assert re.search(r'id="ch-url-state">已设置 · https://oapi.dingtalk.com/…<', dingtalk)
    assert 'id="ch-secret-state">已设置<' in dingtalk
    mail = admin.get("/settings/channels/mail/").content.decode()
    assert 'id="ch-url-state">未设置<' in mail and 'id="ch-secret-state">未设置<' in mail


def _masked_options(page: str) -> str:
    found = re.search(r'<textarea id="ch-options"[^>]*>(.*?)</textarea>', page, re.S)
    assert found is not None
    return found.group(1).replace("&quot;", '"')


def test_saving_without_re_entering_a_credential_keeps_it(channels, caplog):
    admin = signed_in("boss", "admin")
    caplog.set_level(logging.DEBUG)
    for channel in channels:
        page = admin.get(f"/settings/channels/{channel.key}/").content.decode()
        options = _masked_options(page)
        saved = admin.post(
            f"/settings/channels/{channel.key}/",
            {"name": f"{channel.key} 改名", "url": "", "secret": "", "options": options},
        )
        assert saved.status_code == 302, saved.content.decode()[:500]
        stored = Channel.objects.get(pk=channel.pk)
        assert (stored.name, stored.url, stored.secret, stored.options) == (
            f"{channel.key} 改名",
            channel.url,
            channel.secret,
            channel.options,
        )
    hook = Channel.objects.get(key="hook")
    options = json.loads(_masked_options(admin.get("/settings/channels/hook/").content.decode()))
    assert options == {"headers": {"X-Api-Token": MASK}, "format": "json"}
    options["format"] = "form"
    admin.post(
        "/settings/channels/hook/",
        {"name": "hook", "url": "https://erp.example.cn/v2?token=newToken", "options": json.dumps(options)},
    )
    hook.refresh_from_db()
    assert hook.options == {"headers": {"X-Api-Token": "nestedToken1111"}, "format": "form"}
    assert (hook.url, hook.secret) == ("https://erp.example.cn/v2?token=newToken", "whSecret1010")
    assert "newToken" not in admin.get("/settings/channels/hook/").content.decode()
    assert not leaks(caplog.text) and "newToken" not in caplog.text


def test_the_django_admin_shows_a_channel_without_its_credentials_and_never_writes_it(channels, admin_client):
    dingtalk = Channel.objects.get(key="dingtalk")
    page = admin_client.get(f"/admin/messaging/channel/{dingtalk.pk}/change/").content.decode()
    assert not leaks(page) and "已设置" in page and 'href="/settings/channels/"' in page
    response = admin_client.post(
        f"/admin/messaging/channel/{dingtalk.pk}/change/",
        {"key": "dingtalk", "name": "钉钉", "kind": "dingtalk", "active": "on", "url": "", "secret": ""},
    )
    assert response.status_code == 403  # the desk's channel screen writes channels
    dingtalk.refresh_from_db()
    assert (dingtalk.url, dingtalk.secret) == (CHANNELS[2]["url"], "SECdingSign4444")


def test_a_failed_delivery_shows_no_credential(caplog):
    """A test message to a webhook whose URL carries a token, on a closed port: the failure, its
    reason and the status page the admin polls name no credential."""
    caplog.set_level(logging.DEBUG)
    Channel.objects.create(
        key="down", name="down", kind="webhook", url=f"http://127.0.0.1:{free_port()}/h?token=erpToken999"
    )
    admin = signed_in("boss", "admin")
    redirect = admin.post("/settings/channels/down/test/", {})
    assert redirect.status_code == 302
    outbox_deliver(batch=10)
    message = Message.objects.get(template_key="channel_test")
    assert message.status in (Message.Status.FAILED, Message.Status.DEAD) and message.reason
    page = admin.get(redirect["Location"]).content.decode()
    details = " ".join(message.attempt_log.values_list("detail", flat=True))
    assert not leaks(page + message.reason + details + caplog.text)
