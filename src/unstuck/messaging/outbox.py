"""Delivering the outbox: claim due messages, send each, record the outcome — in three steps.

1. **Claim** (one committed transaction): due rows (`queued`/`failed` whose `next_attempt_at` has
   come, or `sending` whose lease ran out) are locked with `FOR UPDATE SKIP LOCKED` on PostgreSQL (on
   SQLite the IMMEDIATE transaction is the single writer), set to `sending` with a lease and one
   more attempt. Committed *before* any network call: a worker killed after this point leaves rows
   in `sending`, which another pass re-sends once the lease expires — nothing is lost.
2. **Send** outside any transaction (a slow provider holds no lock).
3. **Record** each message on its own right after the provider answered (`sent`, or `failed` with
   a backoff, or `dead`), with its delivery-log row and case-timeline entry, guarded by
   `status=sending AND attempts=n` so a worker whose lease was taken over records nothing.

Exactly once holds wherever the receiver can tell a repeat: a re-send after an expired lease
carries the same Message-ID (email) and the same `Idempotency-Key` / `X-Unstuck-Delivery` (HTTP).
What no design can do against a server that deduplicates nothing is close the gap between its
acknowledgement and our commit; step 3 right after each answer keeps it to that one commit.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from unstuck.messaging.models import DeliveryAttempt, Message
from unstuck.messaging.recording import case_record
from unstuck.messaging.transports import TRANSPORTS, DeliveryResult, Transport

logger = logging.getLogger("unstuck.messaging")

DUE = (Message.Status.QUEUED, Message.Status.FAILED, Message.Status.SENDING)


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with jitter: base × 2^(n-1), capped, times a random 0.5–1.0 ("equal jitter")."""
    base = settings.UNSTUCK_OUTBOX_BACKOFF_SECONDS
    ceiling = settings.UNSTUCK_OUTBOX_BACKOFF_MAX_SECONDS
    delay = min(ceiling, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * (0.5 + 0.5 * (rng or random).random()))


def _claim(batch: int, now: datetime) -> list[Message]:
    lease_until = now + timedelta(seconds=settings.UNSTUCK_OUTBOX_LEASE_SECONDS)
    with transaction.atomic():
        due = Message.objects.filter(status__in=DUE, next_attempt_at__lte=now).order_by(
            "next_attempt_at", "id"
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:batch])
        if not ids:
            return []
        Message.objects.filter(pk__in=ids).update(
            status=Message.Status.SENDING,
            attempts=F("attempts") + 1,
            lease_expires_at=lease_until,
            next_attempt_at=lease_until,
        )
    return list(
        Message.objects.filter(pk__in=ids)
        .select_related("channel_config", "case", "item", "customer")
        .order_by("channel", "id")
    )


def _outcome(message: Message, result: DeliveryResult, now: datetime) -> str:
    if result.ok:
        return Message.Status.SENT
    if result.permanent or message.attempts >= settings.UNSTUCK_OUTBOX_MAX_ATTEMPTS:
        return Message.Status.DEAD
    return Message.Status.FAILED


def _record(message: Message, result: DeliveryResult, started: datetime) -> bool:
    """Store one answer; False if the message is no longer ours (its lease was taken over)."""
    now = timezone.now()
    status = _outcome(message, result, now)
    reason = "" if result.ok else (result.detail or result.code)
    if status == Message.Status.DEAD and not result.ok and not result.permanent:
        reason = f"{reason} (gave up after {message.attempts} attempts)"
    changes: dict[str, object] = {
        "status": status,
        "reason": reason,
        "lease_expires_at": None,
        "next_attempt_at": now + backoff(message.attempts) if status == Message.Status.FAILED else None,
    }
    if result.ok:
        changes.update(sent_at=now, provider_message_id=result.provider_id[:300])
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The only moment a worker's death can cause a re-send is between the provider's answer
            # and this commit, so it must not wait for a WAL flush. A *database* crash in the next
            # fraction of a second could lose the marker: the message would then go out once more,
            # with the same Message-ID / idempotency key — the same outcome as a worker crash here.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        mine = Message.objects.filter(pk=message.pk, status=Message.Status.SENDING, attempts=message.attempts)
        if not mine.update(**changes):
            return False
        for field, value in changes.items():
            setattr(message, field, value)
        DeliveryAttempt.objects.create(
            message=message,
            number=message.attempts,
            started_at=started,
            finished_at=now,
            outcome=status,
            status_code=result.code[:40],
            detail=(result.detail or "")[:2000],
        )
        if message.case_id and message.case is not None:
            case_record(case=message.case, message=message, event=status)
    return True


def outbox_deliver(*, batch: int) -> int:
    """Claim up to `batch` due messages, deliver them, record each; returns how many were handled."""
    now = timezone.now()
    messages = _claim(batch, now)
    transports: dict[str, Transport] = {}
    try:
        for message in messages:
            transport = transports.get(message.channel)
            if transport is None:
                transport_class = TRANSPORTS.get(message.channel)
                if transport_class is None:
                    _record(
                        message,
                        DeliveryResult(
                            False,
                            code="no_transport",
                            detail=f"no transport for {message.channel}",
                            permanent=True,
                        ),
                        now,
                    )
                    continue
                transport = transports[message.channel] = transport_class()
            started = timezone.now()
            try:
                result = transport.send(message)
            except Exception as error:  # a transport bug must fail this message, not the batch
                logger.exception("delivering message %s failed", message.pk)
                result = DeliveryResult(False, code="error", detail=f"{type(error).__name__}: {error}")
            _record(message, result, started)
    finally:
        for transport in transports.values():
            transport.close()
    return len(messages)
