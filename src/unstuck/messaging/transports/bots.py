"""Group robots, with each platform's documented payload and signature.

- WeCom (企业微信) group robot: POST the webhook URL (`...?key=`) `{"msgtype": "text"|"markdown", ...}`,
  answer `{"errcode": 0}`.
- DingTalk (钉钉) custom robot with a signing secret: `timestamp` (ms) and
  `sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))` as query
  parameters; answer `{"errcode": 0}`.
- Feishu/Lark (飞书) custom bot with signature: body carries `timestamp` (s) and
  `sign = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))`; answer `{"code": 0}`.
- Slack incoming webhook: POST `{"text": ...}`, answer `ok`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from unstuck.messaging.transports.base import (
    DeliveryResult,
    HttpAnswer,
    HttpFailure,
    Transport,
    http_result,
    network_failure,
    post_json,
)

if TYPE_CHECKING:
    from unstuck.messaging.models import Channel, Message

#: Platform codes meaning "too many messages, try later"; any other non-zero code will not improve.
RATE_LIMITED = {45009, 130101, 9499, 11232, 11233}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's `sign` query value (already URL-encoded)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's `sign` body field: the HMAC *key* is timestamp + newline + secret, the message empty."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _text(message: Message) -> str:
    return f"{message.subject}\n{message.body_text}" if message.subject else message.body_text


def _markdown(message: Message) -> str:
    return f"### {message.subject}\n{message.body_text}" if message.subject else message.body_text


def _channel(message: Message) -> Channel:
    if message.channel_config is None:
        raise ValueError("robot message without a configured channel")
    return message.channel_config


def _coded(answer: HttpAnswer, field: str) -> DeliveryResult:
    body = answer.json()
    if answer.status != 200 or not isinstance(body, dict):
        return http_result(answer, ok=False)
    code = body.get(field, body.get("StatusCode", -1))
    if code == 0:
        return http_result(answer, ok=True, code="0")
    words = body.get("errmsg") or body.get("msg") or body.get("StatusMessage") or ""
    return DeliveryResult(False, code=str(code), detail=f"{code} {words}", permanent=code not in RATE_LIMITED)


class WeComTransport(Transport):
    def send(self, message: Message) -> DeliveryResult:
        channel = _channel(message)
        markdown = channel.options.get("format") == "markdown"
        payload: dict[str, Any] = (
            {"msgtype": "markdown", "markdown": {"content": _markdown(message)}}
            if markdown
            else {"msgtype": "text", "text": {"content": _text(message)}}
        )
        try:
            return _coded(post_json(channel.url, payload), "errcode")
        except HttpFailure as error:
            return network_failure(error)


class DingTalkTransport(Transport):
    def send(self, message: Message) -> DeliveryResult:
        channel = _channel(message)
        url = channel.url
        if channel.secret:
            timestamp = int(time.time() * 1000)
            joiner = "&" if "?" in url else "?"
            url = f"{url}{joiner}timestamp={timestamp}&sign={dingtalk_sign(channel.secret, timestamp)}"
        payload: dict[str, Any] = (
            {
                "msgtype": "markdown",
                "markdown": {"title": message.subject or "Unstuck", "text": _markdown(message)},
            }
            if channel.options.get("format") == "markdown"
            else {"msgtype": "text", "text": {"content": _text(message)}}
        )
        try:
            return _coded(post_json(url, payload), "errcode")
        except HttpFailure as error:
            return network_failure(error)


class FeishuTransport(Transport):
    def send(self, message: Message) -> DeliveryResult:
        channel = _channel(message)
        payload: dict[str, Any] = {"msg_type": "text", "content": {"text": _text(message)}}
        if channel.secret:
            timestamp = int(time.time())
            payload = {"timestamp": str(timestamp), "sign": feishu_sign(channel.secret, timestamp), **payload}
        try:
            return _coded(post_json(channel.url, payload), "code")
        except HttpFailure as error:
            return network_failure(error)


class SlackTransport(Transport):
    def send(self, message: Message) -> DeliveryResult:
        channel = _channel(message)
        text = f"*{message.subject}*\n{message.body_text}" if message.subject else message.body_text
        try:
            answer = post_json(channel.url, {"text": text})
        except HttpFailure as error:
            return network_failure(error)
        return http_result(answer, ok=answer.status == 200 and answer.text.strip() == "ok")
