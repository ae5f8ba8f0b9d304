"""Inbound mail: a customer's reply threaded onto its case, from the webhook or the IMAP poller.

Matching, first hit wins: `In-Reply-To`, then every id in `References` (one of our Message-IDs),
then a case number (C-000123) in the subject. A matched mail is threaded only when its sender is the
case's customer (or the address we wrote to) or a colleague, and no `Authentication-Results` header
says the sender's domain failed DMARC/SPF/DKIM; anything else (a stranger's `Re: C-000005`, a mail
naming no case) is quarantined for a supervisor (`messaging.quarantine`). A reply is stored once per
Message-ID, so the webhook and the poller may both see it, and a poller killed before marking it
seen repeats nothing.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import logging
import re
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from unstuck.cases.models import Case
from unstuck.core.errors import DomainError
from unstuck.messaging.case_values import case_customer
from unstuck.messaging.mail_trust import address_normalise, authentication_failure
from unstuck.messaging.models import Message, QuarantinedMail
from unstuck.messaging.recording import case_record
from unstuck.messaging.vocabulary import ChannelKind

logger = logging.getLogger("unstuck.messaging")

CASE_NUMBER = re.compile(r"\bC-\d{6,}\b")
MESSAGE_IDS = re.compile(r"<[^<>\s]+>")
MAX_INBOUND_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class InboundResult:
    """What became of one inbound mail: threaded onto `case`, or held in `quarantine`."""

    message: Message
    case: Case | None
    duplicate: bool
    quarantine: QuarantinedMail | None = None


def _body_text(parsed: EmailMessage) -> str:
    part = parsed.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, ValueError):
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
    if part.get_content_type() == "text/html":
        text = re.sub(r"<[^>]+>", " ", text)
    return str(text).strip()


def _match(parsed: EmailMessage) -> tuple[Message | None, Case | None]:
    ids = MESSAGE_IDS.findall(str(parsed.get("In-Reply-To", ""))) + MESSAGE_IDS.findall(
        str(parsed.get("References", ""))
    )
    if ids:
        replied = (
            Message.objects.filter(message_id__in=ids, direction=Message.Direction.OUT)
            .select_related("case")
            .order_by("-pk")
            .first()
        )
        if replied is not None:
            return replied, replied.case
    number = CASE_NUMBER.search(str(parsed.get("Subject", "")))
    if number:
        return None, Case.objects.filter(number=number.group(0)).first()
    return None, None


def sender_trusted(*, sender: str, case: Case, replied: Message | None) -> bool:
    """Whether `sender` may speak on `case`: its customer, the address our mail went to, a colleague."""
    address = address_normalise(sender)
    if not address:
        return False
    customer = case_customer(case)
    if customer is not None and address_normalise(customer.email) == address:
        return True
    if replied is not None and replied.case_id == case.pk and address_normalise(replied.recipient) == address:
        return True
    return User.objects.filter(is_active=True, email__iexact=address).exists()


def _quarantine_reason(
    parsed: EmailMessage, *, sender: str, case: Case | None, replied: Message | None
) -> tuple[str, str] | None:
    """(reason, detail) when the mail must wait for a supervisor, None when it may be threaded."""
    failed = authentication_failure(parsed, sender=sender)
    if failed:
        return QuarantinedMail.Reason.AUTHENTICATION_FAILED, failed
    if case is None:
        return QuarantinedMail.Reason.NO_CASE, ""
    if not sender_trusted(sender=sender, case=case, replied=replied):
        return QuarantinedMail.Reason.UNKNOWN_SENDER, ""
    return None


def _seen(message: Message) -> InboundResult:
    held = QuarantinedMail.objects.filter(message=message).first()
    return InboundResult(message, message.case, True, held)


def inbound_email_receive(*, raw: bytes, source: str = "webhook") -> InboundResult:
    """Store one raw RFC 822 mail as an incoming message on its case (matched as above), or hold it
    in quarantine when its sender may not speak on that case."""
    if not raw.strip():
        raise DomainError("empty_message", "The request body must be a raw RFC 822 message; it is empty.")
    if len(raw) > MAX_INBOUND_BYTES:
        raise DomainError(
            "message_too_large", f"A message may be at most {MAX_INBOUND_BYTES} bytes.", status=413
        )
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(parsed, EmailMessage) or not (parsed.get("From") or parsed.get("Message-ID")):
        raise DomainError("invalid_message", "Not an RFC 822 message: it has neither From nor Message-ID.")
    message_id = str(parsed.get("Message-ID", "")).strip()[:300] or None
    with transaction.atomic():
        if message_id:
            seen = Message.objects.filter(message_id=message_id).select_related("case").first()
            if seen is not None:
                return _seen(seen)
        replied, claimed = _match(parsed)
        sender = parseaddr(str(parsed.get("From", "")))[1]
        held = _quarantine_reason(parsed, sender=sender, case=claimed, replied=replied)
        case = claimed if held is None else None
        message = Message(
            direction=Message.Direction.IN,
            message_id=message_id,
            language="zh-hans",
            channel=ChannelKind.EMAIL,
            case=case,
            item=case.item if case is not None and case.item_id else None,
            customer=replied.customer if replied is not None and case is not None else None,
            in_reply_to=replied,
            sender=sender[:300],
            recipient=parseaddr(str(parsed.get("To", "")))[1][:300],
            subject=" ".join(str(parsed.get("Subject", "")).split())[:300],
            body_text=_body_text(parsed)[:100_000],
            status=Message.Status.RECEIVED,
            context={"source": source, **({"quarantined": held[0]} if held else {})},
            sent_at=timezone.now(),
        )
        try:
            with transaction.atomic():
                message.save(force_insert=True)
        except IntegrityError:  # the same reply arrived through the other path at the same moment
            return _seen(Message.objects.select_related("case").get(message_id=message_id))
        quarantine = None
        if held is not None:
            quarantine = QuarantinedMail.objects.create(
                message=message,
                claimed_case=claimed,
                reason=held[0],
                detail=held[1],
                received_at=message.sent_at or timezone.now(),
            )
            logger.info(
                "inbound mail %s from %s quarantined (%s), claimed %s",
                message.pk,
                sender,
                held[0],
                claimed.number if claimed is not None else "no case",
            )
        elif case is not None:
            case_record(case=case, message=message, event="received")
    return InboundResult(message, case, False, quarantine)


@dataclass(frozen=True)
class ImapTarget:
    host: str
    port: int
    ssl: bool
    user: str
    password: str
    folder: str


def imap_target(url: str) -> ImapTarget:
    """`imap://user:pass@host:143/INBOX` or `imaps://...:993/INBOX` (user and password URL-encoded)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("imap", "imaps") or not parsed.hostname:
        raise DomainError(
            "invalid_imap_url", f"IMAP_URL must look like imaps://user:pass@host:993/INBOX, not {url!r}."
        )
    ssl = parsed.scheme == "imaps"
    return ImapTarget(
        host=parsed.hostname,
        port=parsed.port or (993 if ssl else 143),
        ssl=ssl,
        user=unquote(parsed.username or ""),
        password=unquote(parsed.password or ""),
        folder=unquote(parsed.path.lstrip("/")) or "INBOX",
    )


_last_poll = 0.0


def imap_poll(*, url: str, batch: int, force: bool = False) -> int:
    """Fetch unseen mail from the mailbox, store each reply, then flag it seen; returns mails stored.

    Polls at most every `UNSTUCK_IMAP_POLL_SECONDS` (the worker calls it every round). A mail is
    flagged `\\Seen` only after its row committed; if the poller dies in between, the next poll
    finds it again and the Message-ID makes the second store a no-op.
    """
    global _last_poll
    if not force and time.monotonic() - _last_poll < settings.UNSTUCK_IMAP_POLL_SECONDS:
        return 0
    _last_poll = time.monotonic()
    target = imap_target(url)
    client_class = imaplib.IMAP4_SSL if target.ssl else imaplib.IMAP4
    stored = 0
    with client_class(target.host, target.port, timeout=settings.UNSTUCK_HTTP_TIMEOUT) as client:
        client.login(target.user, target.password)
        client.select(target.folder)
        status, data = client.uid("SEARCH", "UNSEEN")
        if status != "OK":
            raise DomainError("imap_failed", f"IMAP SEARCH failed: {data!r}")
        uids = (data[0] or b"").split()[:batch]
        for uid in uids:
            status, fetched = client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
            raw = next((part[1] for part in fetched if isinstance(part, tuple)), None)
            if status != "OK" or raw is None:
                logger.warning("IMAP FETCH of %s failed: %r", uid, fetched)
                continue
            try:
                result = inbound_email_receive(raw=raw, source="imap")
            except DomainError as error:
                logger.warning("IMAP mail %s refused: %s", uid, error)
            else:
                stored += 0 if result.duplicate else 1
            client.uid("STORE", uid.decode(), "+FLAGS", "(\\Seen)")
        client.logout()
    return stored
