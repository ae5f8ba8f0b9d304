"""HTTP API of messaging: the inbound-mail webhook (raw RFC 822) and a case's messages. Thin handlers."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja import Field, Router, Schema

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.accounts.models import Role
from unstuck.accounts.selectors import user_role
from unstuck.cases.selectors import case_get
from unstuck.core.api_errors import ErrorOut
from unstuck.core.errors import DomainError
from unstuck.messaging.inbound import inbound_email_receive
from unstuck.messaging.selectors import case_messages

router = Router(tags=["messaging"])


class InboundOut(Schema):
    """What became of an inbound mail."""

    message: int = Field(description="Id of the stored incoming message.")
    matched: bool = Field(description="Whether the mail was threaded onto a case.")
    case: str | None = Field(description="Number of the case it was threaded onto, if any.")
    quarantined: str | None = Field(
        default=None,
        description="Why the mail was held for a supervisor instead (`unknown_sender`: not the case's "
        "customer or a colleague; `authentication_failed`: Authentication-Results say the sender's domain "
        "failed DMARC/SPF/DKIM; `no_case`: it names no case), or null when it was threaded.",
    )
    duplicate: bool = Field(
        description="True when this Message-ID had been received before (nothing changed)."
    )


class MessageOut(Schema):
    """One message on a case, in or out."""

    id: int = Field(description="Message id.")
    direction: str = Field(description="`out` (to the customer or a colleague) or `in` (a reply).")
    channel: str = Field(description="email, sms, wecom, dingtalk, feishu, slack, webhook or in_app.")
    template_key: str = Field(description="The template it was written from ('' for replies).")
    status: str = Field(description="queued, sending, sent, failed (will retry), dead (gave up) or received.")
    recipient: str = Field(description="Address it went to (email, phone or channel key).")
    sender: str = Field(description="For replies: who sent it.")
    subject: str = Field(description="Subject line.")
    body_text: str = Field(description="Plain-text body.")
    attempts: int = Field(description="Delivery attempts so far.")
    reason: str = Field(description="The provider's reason for the last failure ('' if none).")
    created_at: datetime = Field(description="When it was written to the outbox / received.")
    sent_at: datetime | None = Field(description="When the provider accepted it (or it was received).")


def _check_mail_role(request: HttpRequest) -> None:
    if user_role(request.user) not in {Role.ADMIN, Role.SUPERVISOR}:
        raise DomainError("forbidden", "Inbound mail needs an admin or supervisor token.", status=403)


@router.post(
    "/inbound/email",
    response={200: InboundOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 413: ErrorOut},
    summary="Receive one raw RFC 822 mail (a customer's reply) and thread it onto its case",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"message/rfc822": {"schema": {"type": "string", "description": "The raw mail."}}},
        }
    },
)
def inbound_email(request: HttpRequest) -> InboundOut:
    """For mail providers' inbound routes: POST the raw message as the body (any content type)."""
    _check_mail_role(request)
    try:
        raw = request.body
    except RequestDataTooBig as error:
        raise DomainError(
            "message_too_large",
            "The mail is larger than this server accepts (DATA_UPLOAD_MAX_MEMORY_SIZE).",
            status=413,
        ) from error
    result = inbound_email_receive(raw=raw, source="webhook")
    return InboundOut(
        message=result.message.pk,
        matched=result.case is not None,
        case=result.case.number if result.case is not None else None,
        quarantined=result.quarantine.reason if result.quarantine is not None else None,
        duplicate=result.duplicate,
    )


@router.get(
    "/cases/{case_id}/messages",
    response={200: list[MessageOut], 404: ErrorOut},
    summary="A case's messages in and out, oldest first",
)
def case_message_list(request: AuthedHttpRequest, case_id: int) -> list[MessageOut]:
    case = case_get(user=request.user, case_id=case_id)
    return [MessageOut.model_validate(message, from_attributes=True) for message in case_messages(case=case)]
