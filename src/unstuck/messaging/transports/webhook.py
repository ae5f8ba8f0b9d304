"""Outgoing webhooks for integrators: the message as JSON, HMAC-SHA256 signed with a timestamp.

Headers: `X-Unstuck-Timestamp` (Unix seconds), `X-Unstuck-Signature: sha256=<hex>` of
`HMAC-SHA256(secret, f"{timestamp}.{body}")`, and `X-Unstuck-Delivery` / `Idempotency-Key` (the
message's uuid, the same on every retry: a receiver that remembers it handles each message once).
A 2xx answer is delivered; 5xx, 429 and no answer are retried; other 4xx are refused for good.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING, Any

from unstuck.messaging.transports.base import (
    DeliveryResult,
    HttpFailure,
    Transport,
    http_request,
    http_result,
    network_failure,
)

if TYPE_CHECKING:
    from unstuck.messaging.models import Message


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def webhook_payload(message: Message) -> dict[str, Any]:
    return {
        "id": message.uuid.hex,
        "template": message.template_key,
        "language": message.language,
        "case": message.case.number if message.case_id and message.case else None,
        "item": message.item.external_id if message.item_id and message.item else None,
        "customer": message.customer.external_id if message.customer_id and message.customer else None,
        "subject": message.subject,
        "text": message.body_text,
        "variables": message.context,
        "created_at": message.created_at.isoformat() if message.created_at else None,
    }


class WebhookTransport(Transport):
    def send(self, message: Message) -> DeliveryResult:
        channel = message.channel_config
        if channel is None:
            return DeliveryResult(False, code="no_channel", detail="no webhook configured", permanent=True)
        body = json.dumps(webhook_payload(message), ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Unstuck-Timestamp": str(timestamp),
            "X-Unstuck-Signature": webhook_signature(channel.secret, timestamp, body),
            "X-Unstuck-Delivery": message.uuid.hex,
            "Idempotency-Key": message.uuid.hex,
        }
        try:
            answer = http_request(channel.url, body=body, headers=headers)
        except HttpFailure as error:
            return network_failure(error)
        return http_result(answer, ok=200 <= answer.status < 300)
