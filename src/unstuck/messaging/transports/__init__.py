"""Transports: one per channel kind, each speaking the provider's documented protocol.

`transport_for(kind)` returns an object with `send(message) -> DeliveryResult` and `close()`; a
transport may keep a connection open across one batch (SMTP does).
"""

from __future__ import annotations

from unstuck.messaging.transports.base import DeliveryResult, Transport
from unstuck.messaging.transports.bots import (
    DingTalkTransport,
    FeishuTransport,
    SlackTransport,
    WeComTransport,
)
from unstuck.messaging.transports.email import EmailTransport
from unstuck.messaging.transports.sms import SmsTransport
from unstuck.messaging.transports.webhook import WebhookTransport

TRANSPORTS: dict[str, type[Transport]] = {
    "email": EmailTransport,
    "wecom": WeComTransport,
    "dingtalk": DingTalkTransport,
    "feishu": FeishuTransport,
    "slack": SlackTransport,
    "sms": SmsTransport,
    "webhook": WebhookTransport,
}

__all__ = ["TRANSPORTS", "DeliveryResult", "Transport"]
