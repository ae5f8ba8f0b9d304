"""Reads for tracking: items and their events."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from unstuck.tracking.models import Event, Item


def item_get(*, user: AbstractBaseUser | AnonymousUser, process_key: str, external_id: str) -> Item | None:
    """An item with its process, version and customer; items are visible to every signed-in role."""
    if not user.is_authenticated:
        return None
    return (
        Item.objects.select_related("process", "version", "customer")
        .filter(process__key=process_key, external_id=external_id)
        .first()
    )


def item_events(*, item: Item) -> QuerySet[Event]:
    """An item's events in time order (ties by arrival); the item came from `item_get`."""
    return Event.objects.filter(item=item).order_by("at", "id")
