"""Email through Django's mailer (settings from `EMAIL_URL`): text + HTML, our stable Message-ID.

One SMTP connection serves a whole batch. SMTP gives no way to ask a server whether it already has
a message, so the one window where a crash can cause a duplicate is between the server's "250 OK"
and our commit of `sent` (milliseconds); a re-send carries the same Message-ID, by which mail
clients and many servers recognise it as the same message.
"""

from __future__ import annotations

import contextlib
import smtplib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from unstuck.messaging.transports.base import DeliveryResult, Transport

if TYPE_CHECKING:
    from unstuck.messaging.models import Message


def smtp_failure(error: Exception) -> DeliveryResult:
    """The server's own code and words; 5xx refusals are permanent, everything else is retried."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()), (0, b""))
        words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return DeliveryResult(False, code=str(code), detail=f"{code} {words}", permanent=500 <= code < 600)
    if isinstance(error, smtplib.SMTPResponseException):
        words = (
            error.smtp_error.decode("utf-8", "replace")
            if isinstance(error.smtp_error, bytes)
            else str(error.smtp_error)
        )
        code = error.smtp_code
        return DeliveryResult(False, code=str(code), detail=f"{code} {words}", permanent=500 <= code < 600)
    return DeliveryResult(False, code="network", detail=f"{type(error).__name__}: {error}")


class EmailTransport(Transport):
    """Sends each message as multipart text/HTML over one connection per batch."""

    def __init__(self) -> None:
        self.connection: Any = None

    def send(self, message: Message) -> DeliveryResult:
        if not message.recipient:
            return DeliveryResult(False, code="no_address", detail="no email address", permanent=True)
        headers = {"Message-ID": message.message_id or ""}
        if message.case_id and message.case and message.case.number:
            headers["X-Unstuck-Case"] = message.case.number
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers=headers,
        )
        if message.body_html:
            email.attach_alternative(message.body_html, "text/html")
        try:
            if self.connection is None:
                self.connection = get_connection(fail_silently=False)
                self.connection.open()
            email.connection = self.connection
            email.send(fail_silently=False)
        except (smtplib.SMTPException, OSError) as error:
            self.close()  # the connection's state is unknown now: the next message opens a fresh one
            return smtp_failure(error)
        return DeliveryResult(True, provider_id=message.message_id or "", code="250")

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):  # closing a broken connection must not fail the batch
                self.connection.close()
            self.connection = None
