"""What every transport returns, and the one HTTP POST they share (stdlib, loopback-testable)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from unstuck.messaging.models import Message


@dataclass(frozen=True)
class DeliveryResult:
    """The provider's answer: delivered (with its id), or not, and whether trying again can help."""

    ok: bool
    provider_id: str = ""
    code: str = ""
    detail: str = ""
    permanent: bool = False


class Transport:
    """Base of the transports: `send` one message, `close` whatever the batch kept open."""

    def send(self, message: Message) -> DeliveryResult:
        raise NotImplementedError

    def close(self) -> None:
        return None


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    text: str

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            return None


class HttpFailure(Exception):
    """The request did not get an HTTP answer (refused, timed out, reset)."""


def http_request(
    url: str, *, body: bytes | None, headers: dict[str, str], method: str = "POST"
) -> HttpAnswer:
    """Send one request; any HTTP status is an answer, a network failure raises HttpFailure."""
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=settings.UNSTUCK_HTTP_TIMEOUT) as response:
            return HttpAnswer(response.status, response.read(65536).decode("utf-8", "replace"))
    except urllib.error.HTTPError as error:
        return HttpAnswer(error.code, error.read(65536).decode("utf-8", "replace"))
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        raise HttpFailure(str(getattr(error, "reason", error))) from error


def post_json(url: str, payload: dict[str, Any], headers: dict[str, str] | None = None) -> HttpAnswer:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return http_request(
        url, body=body, headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    )


def http_result(
    answer: HttpAnswer, *, ok: bool, provider_id: str = "", code: str = "", detail: str = ""
) -> DeliveryResult:
    """Turn an HTTP answer into a result: 5xx and 429 are worth retrying, other 4xx are not."""
    if ok:
        return DeliveryResult(True, provider_id=provider_id, code=code or str(answer.status))
    permanent = 400 <= answer.status < 500 and answer.status not in (408, 429)
    return DeliveryResult(
        False,
        code=code or str(answer.status),
        detail=detail or f"HTTP {answer.status}: {answer.text[:500]}",
        permanent=permanent,
    )


def network_failure(error: HttpFailure) -> DeliveryResult:
    return DeliveryResult(False, code="network", detail=f"no answer: {error}")
