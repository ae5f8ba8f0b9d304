"""Reads for tracking: items and their events."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from unstuck.tracking.models import Item


def item_get(*, user: AbstractBaseUser | AnonymousUser, process_key: str, external_id: str) -> Item | None:
    """An item with its process, version and customer; items are visible to every signed-in role."""
    if not user.is_authenticated:
        return None
    return (
        Item.objects.select_related("process", "version", "customer")
        .filter(process__key=process_key, external_id=external_id)
        .first()
    )
