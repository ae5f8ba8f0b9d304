"""Reads for tracking: items and their events, scoped by who may read the item's process."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from unstuck.processes.selectors import process_visible
from unstuck.tracking.models import Event, Item


def item_get(*, user: AbstractBaseUser | AnonymousUser, process_key: str, external_id: str) -> Item | None:
    """An item with its process, version and customer, if `user` may read its process (else None:
    another team's item is not found, see processes.selectors)."""
    if not user.is_authenticated or "\x00" in process_key + external_id:
        return None  # ingest refuses NUL (PostgreSQL cannot even compare it): no such item
    return (
        Item.objects.select_related("process", "version", "customer")
        .filter(process__in=process_visible(user=user).values("pk"))
        .filter(process__key=process_key, external_id=external_id)
        .first()
    )


def item_visible(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Item]:
    """Every item `user` may read: those of the processes they may read."""
    return Item.objects.filter(process__in=process_visible(user=user).values("pk"))


def item_events(*, item: Item) -> QuerySet[Event]:
    """An item's events in time order (ties by arrival); the item came from `item_get`."""
    return Event.objects.filter(item=item).order_by("at", "id")
