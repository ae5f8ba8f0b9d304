"""SMS through a provider adapter over HTTP, chosen by the channel's `options.provider`:

- `generic` (default): POST the channel URL `{"to", "text", "id"}` with `Authorization: Bearer
  <secret>`; a 2xx answer is accepted, its JSON `id` (if any) is the provider's id.
- `aliyun`: Alibaba Cloud SMS `dysmsapi` `SendSms` (version 2017-05-25), signed with the documented
  RPC signature v1 (HMAC-SHA1 over `GET&%2F&` + the percent-encoded sorted query, key = secret + "&").
  Chinese SMS content must be a template approved at the provider, so the message's variables are
  sent as `TemplateParam` for the template code configured per template key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from unstuck.messaging.transports.base import (
    DeliveryResult,
    HttpFailure,
    Transport,
    http_request,
    http_result,
    network_failure,
    post_json,
)

if TYPE_CHECKING:
    from unstuck.messaging.models import Channel, Message

ALIYUN_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
#: Aliyun codes worth retrying (throttling); any other error code will not improve by itself.
ALIYUN_RETRYABLE = {"isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "Throttling", "ServiceUnavailable"}


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Alibaba Cloud's signature requires (space %20, * %2A, ~ kept)."""
    return quote(value, safe="-_.~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def aliyun_params(channel: Channel, message: Message, *, now: datetime | None = None) -> dict[str, str]:
    """The SendSms query parameters, Signature included."""
    options = channel.options
    codes = options.get("template_codes") or {}
    params = {
        "AccessKeyId": str(options.get("access_key_id", "")),
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": message.recipient,
        "RegionId": str(options.get("region", "cn-hangzhou")),
        "SignName": str(options.get("sign_name", "")),
        "SignatureMethod": "HMAC-SHA1",
        # Fresh per request (the provider refuses a reused nonce): idempotency comes from OutId.
        "SignatureNonce": uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "TemplateCode": str(codes.get(message.template_key, options.get("template_code", ""))),
        "TemplateParam": json.dumps(message.context, ensure_ascii=False, separators=(",", ":")),
        "Timestamp": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
        "OutId": message.uuid.hex,
    }
    params["Signature"] = aliyun_signature(params, channel.secret)
    return params


class SmsTransport(Transport):
    def send(self, message: Message) -> DeliveryResult:
        channel = message.channel_config
        if channel is None:
            return DeliveryResult(
                False, code="no_channel", detail="no SMS channel configured", permanent=True
            )
        if not message.recipient:
            return DeliveryResult(False, code="no_address", detail="no phone number", permanent=True)
        try:
            if channel.options.get("provider") == "aliyun":
                return self._aliyun(channel, message)
            return self._generic(channel, message)
        except HttpFailure as error:
            return network_failure(error)

    def _generic(self, channel: Channel, message: Message) -> DeliveryResult:
        payload = {"to": message.recipient, "text": message.body_text, "id": message.uuid.hex}
        headers = {"Authorization": f"Bearer {channel.secret}", "Idempotency-Key": message.uuid.hex}
        answer = post_json(channel.url, payload, headers)
        body = answer.json()
        provider_id = str(body.get("id", "")) if isinstance(body, dict) else ""
        return http_result(answer, ok=200 <= answer.status < 300, provider_id=provider_id)

    def _aliyun(self, channel: Channel, message: Message) -> DeliveryResult:
        params = aliyun_params(channel, message)
        query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in params.items())
        answer = http_request(
            f"{channel.url or ALIYUN_ENDPOINT}?{query}", body=None, headers={}, method="GET"
        )
        body = answer.json()
        if not isinstance(body, dict):
            return http_result(answer, ok=False)
        code = str(body.get("Code", ""))
        if code == "OK":
            return DeliveryResult(True, provider_id=str(body.get("BizId", "")), code=code)
        detail = f"{code} {body.get('Message', '')}".strip()
        return DeliveryResult(
            False, code=code or str(answer.status), detail=detail, permanent=code not in ALIYUN_RETRYABLE
        )
