"""Robots, SMS and webhooks against loopback servers that play each platform and check what it
checks: payload shape and signature, recomputed here from each platform's documented algorithm."""

# Tests dereference Optional results (a just-enqueued message, a fetched row) they know exist.
# mypy: disable-error-code="union-attr,misc"

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import quote, unquote_plus

import pytest
from django.utils import timezone

from unstuck.messaging.models import Channel, DeliveryAttempt, Message
from unstuck.messaging.outbox import outbox_deliver
from unstuck.messaging.services import message_enqueue
from unstuck.messaging.tests.factories import case_with_customer
from unstuck.messaging.tests.servers import HttpPlayer, HttpRequest

pytestmark = pytest.mark.django_db

CONTEXT = {"reason": "仓库系统故障", "eta": "明天 18:00"}


def deliver(kind: str, *, channel_key: str | None = None, key: str = "d") -> Message:
    case = case_with_customer(channel=kind)
    message = message_enqueue(
        template_key="stall_update", context=CONTEXT, dedupe_key=key, case=case, channel=channel_key
    )
    assert message is not None and message.status == "queued", message.reason
    outbox_deliver(batch=10)
    message.refresh_from_db()
    return message


def body(request: HttpRequest) -> dict:
    assert request.headers["Content-Type"].startswith("application/json")
    return json.loads(request.body)


def test_wecom_group_robot_text_and_markdown():
    def wecom(request: HttpRequest) -> tuple[int, str]:
        payload = body(request)
        ok = request.query.get("key") == ["wk"] and (
            (payload.get("msgtype") == "text" and isinstance(payload["text"]["content"], str))
            or (payload.get("msgtype") == "markdown" and isinstance(payload["markdown"]["content"], str))
        )
        return 200, json.dumps(
            {"errcode": 0 if ok else 40008, "errmsg": "ok" if ok else "invalid message type"}
        )

    with HttpPlayer(wecom) as server:
        Channel.objects.create(
            key="wc", name="企业微信群", kind="wecom", url=f"{server.url}/cgi-bin/webhook/send?key=wk"
        )
        message = deliver("wecom")
        assert message.status == "sent", message.reason
        assert "仓库系统故障" in body(server.requests[0])["text"]["content"]
        Channel.objects.filter(key="wc").update(options={"format": "markdown"})
        message = deliver("wecom", key="d2")
        assert message.status == "sent" and body(server.requests[1])["markdown"]["content"].startswith("### ")


def test_wecom_error_code_is_the_providers_reason():
    with HttpPlayer(lambda r: (200, '{"errcode": 93000, "errmsg": "invalid webhook url"}')) as server:
        Channel.objects.create(key="wc", name="企业微信群", kind="wecom", url=f"{server.url}/send?key=bad")
        message = deliver("wecom")
    assert message.status == "dead" and message.reason == "93000 invalid webhook url"


def test_dingtalk_robot_signs_timestamp_and_secret():
    secret = "SEC0123456789abcdef"

    def dingtalk(request: HttpRequest) -> tuple[int, str]:
        timestamp = request.query["timestamp"][0]
        # DingTalk: Base64(HmacSHA256(key=secret, msg=timestamp + "\n" + secret)), then URL-encoded.
        expected = base64.b64encode(
            hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
        fresh = abs(int(timestamp) - time.time() * 1000) < 3600_000
        payload = body(request)
        if request.query.get("access_token") != ["dt"] or request.query["sign"][0] != expected or not fresh:
            return 200, '{"errcode": 310000, "errmsg": "sign not match"}'
        if payload.get("msgtype") != "text" or not payload["text"]["content"]:
            return 200, '{"errcode": 40035, "errmsg": "missing parameter"}'
        return 200, '{"errcode": 0, "errmsg": "ok"}'

    with HttpPlayer(dingtalk) as server:
        Channel.objects.create(
            key="dt",
            name="钉钉群",
            kind="dingtalk",
            url=f"{server.url}/robot/send?access_token=dt",
            secret=secret,
        )
        assert deliver("dingtalk").status == "sent"
        Channel.objects.filter(key="dt").update(secret="SECwrong")
        wrong = deliver("dingtalk", key="d2")
    assert wrong.status == "dead" and wrong.reason == "310000 sign not match"


def test_feishu_bot_signature_in_the_body():
    secret = "fs-secret"

    def feishu(request: HttpRequest) -> tuple[int, str]:
        payload = body(request)
        timestamp = payload["timestamp"]
        # Feishu: Base64(HmacSHA256(key=timestamp + "\n" + secret, msg=empty)).
        expected = base64.b64encode(
            hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
        ).decode()
        if payload.get("sign") != expected or abs(int(timestamp) - time.time()) > 3600:
            return (
                200,
                '{"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}',
            )
        if payload.get("msg_type") != "text" or "text" not in payload.get("content", {}):
            return 200, '{"code": 9499, "msg": "Bad Request"}'
        return 200, '{"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"}'

    with HttpPlayer(feishu) as server:
        Channel.objects.create(
            key="fs", name="飞书群", kind="feishu", url=f"{server.url}/open-apis/bot/v2/hook/x", secret=secret
        )
        assert deliver("feishu").status == "sent"
        assert "明天 18:00" in body(server.requests[0])["content"]["text"]
        Channel.objects.filter(key="fs").update(secret="other")
        assert deliver("feishu", key="d2").reason.startswith("19021 sign match fail")


def test_slack_incoming_webhook():
    def slack(request: HttpRequest) -> tuple[int, str]:
        payload = body(request)
        return (200, "ok") if isinstance(payload.get("text"), str) and payload["text"] else (400, "no_text")

    with HttpPlayer(slack) as server:
        Channel.objects.create(key="sl", name="Slack", kind="slack", url=f"{server.url}/services/T/B/X")
        assert deliver("slack").status == "sent"
        assert body(server.requests[0])["text"].startswith("*")


def test_generic_sms_adapter_and_its_idempotency_key():
    def provider(request: HttpRequest) -> tuple[int, str]:
        payload = body(request)
        if request.headers.get("Authorization") != "Bearer sms-token":
            return 401, '{"error": "bad token"}'
        assert request.headers["Idempotency-Key"] == payload["id"]
        return 200, json.dumps({"id": f"p-{payload['id'][:6]}", "to": payload["to"]})

    with HttpPlayer(provider) as server:
        Channel.objects.create(
            key="sms", name="短信", kind="sms", url=f"{server.url}/send", secret="sms-token"
        )
        message = deliver("sms")
    assert message.status == "sent" and message.provider_message_id == f"p-{message.uuid.hex[:6]}"
    assert body(server.requests[0])["to"] == "13800000000"


def aliyun_percent(value: str) -> str:
    return quote(value, safe="~").replace("+", "%20").replace("*", "%2A")


def test_aliyun_sendsms_rpc_signature():
    secret = "ali-secret"

    def aliyun(request: HttpRequest) -> tuple[int, str]:
        params = {k: v[0] for k, v in request.query.items()}
        signature = params.pop("Signature")
        canonical = "&".join(f"{aliyun_percent(k)}={aliyun_percent(v)}" for k, v in sorted(params.items()))
        string_to_sign = "GET&%2F&" + aliyun_percent(canonical)
        expected = base64.b64encode(
            hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
        ).decode()
        if request.method != "GET" or signature != expected:
            return 400, '{"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}'
        fixed = {
            "Action": "SendSms",
            "Version": "2017-05-25",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "Format": "JSON",
        }
        assert all(params[k] == v for k, v in fixed.items()) and params["AccessKeyId"] == "LTAI-test"
        assert params["PhoneNumbers"] == "13800000000" and params["SignName"] == "优客服"
        assert params["TemplateCode"] == "SMS_1001"
        assert json.loads(params["TemplateParam"])["reason"] == "仓库系统故障"
        return 200, '{"Code": "OK", "Message": "OK", "BizId": "9006^0", "RequestId": "F655A8D5"}'

    with HttpPlayer(aliyun) as server:
        Channel.objects.create(
            key="ali",
            name="阿里云短信",
            kind="sms",
            url=f"{server.url}/",
            secret=secret,
            options={
                "provider": "aliyun",
                "access_key_id": "LTAI-test",
                "sign_name": "优客服",
                "template_codes": {"stall_update": "SMS_1001"},
            },
        )
        message = deliver("sms")
        assert (message.status, message.provider_message_id) == ("sent", "9006^0"), message.reason
        Channel.objects.filter(key="ali").update(secret="wrong")
        wrong = deliver("sms", key="d2")
    assert wrong.status == "dead" and wrong.reason.startswith("SignatureDoesNotMatch")
    assert unquote_plus(server.requests[0].path) == "/"


def test_outgoing_webhook_is_signed_retried_with_the_same_delivery_id_and_logged():
    secret = "hook-secret"
    answers = [500, 200]

    def integrator(request: HttpRequest) -> tuple[int, str]:
        timestamp = request.headers["X-Unstuck-Timestamp"]
        expected = (
            "sha256="
            + hmac.new(secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
        )
        if request.headers["X-Unstuck-Signature"] != expected:
            return 401, "bad signature"
        return answers.pop(0), "{}"

    with HttpPlayer(integrator) as server:
        Channel.objects.create(
            key="erp", name="ERP", kind="webhook", url=f"{server.url}/hooks/unstuck", secret=secret
        )
        message = deliver("webhook")
        assert message.status == "failed" and message.reason.startswith("HTTP 500")
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        outbox_deliver(batch=10)
        message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2
    deliveries = {request.headers["X-Unstuck-Delivery"] for request in server.requests}
    assert deliveries == {message.uuid.hex}
    payload = json.loads(server.requests[1].body)
    assert payload["case"] == message.case.number and payload["variables"]["reason"] == "仓库系统故障"
    log = list(
        DeliveryAttempt.objects.filter(message=message).values_list("number", "outcome", "status_code")
    )
    assert log == [(1, "failed", "500"), (2, "sent", "200")]


def test_webhook_client_error_is_not_retried():
    with HttpPlayer(lambda r: (410, "gone")) as server:
        Channel.objects.create(key="erp", name="ERP", kind="webhook", url=f"{server.url}/h", secret="s")
        message = deliver("webhook")
    assert message.status == "dead" and message.reason == "HTTP 410: gone"
