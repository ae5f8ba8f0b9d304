"""Background jobs of the messaging app, run by `unstuck worker` (see messaging.outbox, messaging.inbound)."""

from __future__ import annotations

from django.conf import settings

from unstuck.messaging.inbound import imap_poll
from unstuck.messaging.outbox import outbox_deliver


def outbox_deliver_job() -> int:
    """Deliver due outbox messages; returns how many it handled."""
    return outbox_deliver(batch=settings.UNSTUCK_OUTBOX_BATCH)


def imap_poll_job() -> int:
    """Thread new replies from the IMAP mailbox (`IMAP_URL`) onto their cases; 0 when not configured."""
    if not settings.IMAP_URL:
        return 0
    return imap_poll(url=settings.IMAP_URL, batch=settings.UNSTUCK_OUTBOX_BATCH)
