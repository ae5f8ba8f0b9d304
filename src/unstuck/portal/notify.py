"""The one place the portal hands a message to the outbox (`unstuck.messaging`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from unstuck.messaging.services import message_enqueue

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from unstuck.cases.models import Case
    from unstuck.customers.models import Customer
    from unstuck.tracking.models import Item


def message_send(
    *,
    template_key: str,
    context: dict[str, Any],
    dedupe_key: str,
    case: Case | None = None,
    item: Item | None = None,
    customer: Customer | None = None,
    user: User | None = None,
) -> bool:
    """Write one message to the outbox inside the caller's transaction; False when it was not
    written (`dedupe_key` seen before)."""
    message = message_enqueue(
        template_key=template_key,
        context=context,
        dedupe_key=dedupe_key,
        case=case,
        item=item,
        customer=customer,
        user=user,
    )
    return message is not None
