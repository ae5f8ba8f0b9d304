"""The one place the portal hands a message to the outbox (shared contract #4, built by the talk
engineer in `unstuck.messaging`). Until that app is installed, nothing is sent and callers are told
so; the import is inside the function so the portal works (and its tests run) without it."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from unstuck.cases.models import Case
    from unstuck.customers.models import Customer
    from unstuck.tracking.models import Item


def messaging_installed() -> bool:
    """Whether the outbox (`unstuck.messaging`) exists in this installation."""
    return importlib.util.find_spec("unstuck.messaging") is not None


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
    written (outbox not installed, or `dedupe_key` seen before)."""
    if not messaging_installed():
        return False
    from unstuck.messaging.services import message_enqueue  # type: ignore[import-not-found,unused-ignore]

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
