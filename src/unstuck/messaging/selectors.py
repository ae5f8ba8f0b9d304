"""Reads for messages, permission-aware: a case's messages only through a case the user may see,
notifications only the user's own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from unstuck.messaging.models import Message, MessageTemplate
from unstuck.messaging.vocabulary import ChannelKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from unstuck.cases.models import Case


def case_messages(*, case: Case, limit: int = 50) -> list[Message]:
    """The latest messages in and out of `case` (got through `cases.selectors.case_get`), oldest first."""
    rows = list(Message.objects.filter(case=case).select_related("channel_config").order_by("-pk")[:limit])
    return rows[::-1]


def notification_list(
    *, user: AbstractBaseUser | AnonymousUser, unread_only: bool = False, limit: int = 100
) -> QuerySet[Message]:
    """The user's own in-app notifications, newest first."""
    if not user.is_authenticated:
        return Message.objects.none()
    rows = Message.objects.filter(user_id=user.pk, channel=ChannelKind.IN_APP).select_related("case")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-pk")[:limit]


def notification_unread_count(*, user: AbstractBaseUser | AnonymousUser) -> int:
    if not user.is_authenticated:
        return 0
    return Message.objects.filter(user_id=user.pk, channel=ChannelKind.IN_APP, read_at__isnull=True).count()


def template_keys_available() -> list[str]:
    """Template keys with at least one active template (what the compose form offers)."""
    return sorted(set(MessageTemplate.objects.filter(active=True).values_list("key", flat=True)))
