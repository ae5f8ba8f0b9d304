"""Writes for messages: enqueue into the outbox (every app's way to send), compose on a case, test a channel,
mark notifications read. Delivery itself is `outbox.outbox_deliver`, re-exported here."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.core.errors import DomainError
from unstuck.messaging.case_values import case_customer, default_values
from unstuck.messaging.models import Channel, Message
from unstuck.messaging.outbox import outbox_deliver
from unstuck.messaging.recording import case_record
from unstuck.messaging.selection import (
    Route,
    case_scope,
    route_for_customer,
    route_for_user,
    template_pick,
)
from unstuck.messaging.templating import render_parts
from unstuck.messaging.vocabulary import TEMPLATE_VARIABLES, ChannelKind

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from unstuck.cases.models import Case
    from unstuck.customers.models import Customer
    from unstuck.tracking.models import Item

__all__ = ["message_enqueue", "notification_mark_read", "outbox_deliver"]


def mail_domain() -> str:
    """The right-hand side of our Message-IDs: the sender's domain, so replies thread to us."""
    sender = settings.DEFAULT_FROM_EMAIL
    return sender.rsplit("@", 1)[1].strip(" >") if "@" in sender else "unstuck.local"


def _customer_of(case: Case | None, item: Item | None) -> Customer | None:
    if item is not None and item.customer_id:
        return item.customer
    return case_customer(case) if case is not None else None


def message_enqueue(
    *,
    template_key: str,
    context: dict[str, Any],
    dedupe_key: str,
    case: Case | None = None,
    item: Item | None = None,
    customer: Customer | None = None,
    user: User | None = None,
    channel: str | None = None,
) -> Message | None:
    """Write one message to the outbox in the caller's transaction; None if `dedupe_key` was seen.

    Variables the case / item / customer supply themselves (case number and link, item, customer
    name, status link) are filled in unless `context` gives them. The recipient is `user` (a
    colleague: their notification channel) or the customer (given, or the item's / case's): their
    preferred channel, else their fallback. `channel` (a kind or a channel key) overrides both.
    The zh-Hans/English template for `template_key` is rendered now, so the message says what was
    true when it was caused. A message that cannot reach anyone is kept as `dead` with the reason,
    so nothing disappears silently.
    """
    if template_key not in TEMPLATE_VARIABLES:
        raise DomainError("unknown_template_key", f"Unknown message template {template_key!r}.")
    if not dedupe_key or len(dedupe_key) > 200:
        raise DomainError("invalid_dedupe_key", "dedupe_key must be 1 to 200 characters.")
    with transaction.atomic():
        if Message.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        item = item or (case.item if case is not None and case.item_id else None)
        if user is not None:
            route = route_for_user(user=user, channel=channel)
        else:
            customer = customer or _customer_of(case, item)
            route = route_for_customer(customer=customer, channel=channel)
        values = {
            # a status link the caller already signed is not signed twice
            **default_values(
                case=case, item=item, customer=customer, agent=None, issue_links="status_link" not in context
            ),
            **{key: value for key, value in context.items() if value is not None and value != ""},
        }
        message = _build(template_key, values, dedupe_key, case, item, customer, user, route)
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin wins, we return None
                message.save(force_insert=True)
        except IntegrityError:
            if Message.objects.filter(dedupe_key=dedupe_key).exists():
                return None
            raise
        if case is not None:
            case_record(case=case, message=message, event=message.status)
    return message


def _build(
    template_key: str,
    context: dict[str, Any],
    dedupe_key: str,
    case: Case | None,
    item: Item | None,
    customer: Customer | None,
    user: User | None,
    route: Route,
) -> Message:
    case_type, cause, step = case_scope(case)
    template = template_pick(
        key=template_key, language=route.language, case_type=case_type, cause=cause, step=step
    )
    now = timezone.now()
    message = Message(
        uuid=uuid.uuid4(),
        dedupe_key=dedupe_key,
        template_key=template_key,
        language=template.language if template else route.language,
        channel=route.kind if route.kind in ChannelKind.values else ChannelKind.EMAIL,
        channel_config=route.channel,
        case=case,
        item=item,
        customer=customer,
        user=user,
        recipient=route.address,
        context={
            k: str(v) for k, v in context.items() if k in TEMPLATE_VARIABLES[template_key] and v is not None
        },
        next_attempt_at=now,
    )
    message.message_id = f"<{message.uuid.hex}@{mail_domain()}>"
    problem = route.problem or ("" if template else f"no active template {template_key!r}")
    if template is not None:
        message.subject, message.body_text, message.body_html = render_parts(
            key=template_key,
            subject=template.subject,
            body_text=template.body_text,
            body_html=template.body_html,
            context=message.context,
        )
    if problem:
        message.status, message.reason, message.next_attempt_at = Message.Status.DEAD, problem, None
    elif route.kind == ChannelKind.IN_APP:
        # Shown in Unstuck itself: delivered the moment it is committed.
        message.status, message.sent_at, message.next_attempt_at = Message.Status.SENT, now, None
    return message


def channel_test_send(*, channel: Channel, actor: User, address: str = "") -> Message:
    """Queue a test message on `channel` (the admin's "send test" action); the worker delivers it."""
    with transaction.atomic():
        message = Message(
            dedupe_key=f"channel-test:{channel.pk}:{uuid.uuid4().hex}",
            template_key="channel_test",
            language="zh-hans",
            channel=channel.kind,
            channel_config=channel,
            user=actor,
            recipient=address or (actor.email if channel.kind == ChannelKind.EMAIL else channel.key),
            context={"agent_name": actor.get_username()},
            next_attempt_at=timezone.now(),
        )
        message.message_id = f"<{message.uuid.hex}@{mail_domain()}>"
        template = template_pick(key="channel_test", language="zh-hans")
        if template is not None:
            message.subject, message.body_text, message.body_html = render_parts(
                key="channel_test",
                subject=template.subject,
                body_text=template.body_text,
                body_html=template.body_html,
                context=message.context,
            )
        else:
            message.subject = message.body_text = _("Unstuck channel test")
        if channel.kind in (ChannelKind.EMAIL, ChannelKind.SMS) and not message.recipient:
            raise DomainError("missing_address", _("Give an address to send the test to."))
        message.save(force_insert=True)
    return message


def notification_mark_read(*, user: User, message_ids: list[int] | None = None) -> int:
    """Mark `user`'s in-app notifications read (all unread ones when no ids are given)."""
    unread = Message.objects.filter(user=user, channel=ChannelKind.IN_APP, read_at__isnull=True)
    if message_ids is not None:
        unread = unread.filter(pk__in=message_ids)
    return unread.update(read_at=timezone.now())
