"""Choosing for a message: its template (most specific wins), its channel and its recipient's address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q

from unstuck.casework.models import CaseCause
from unstuck.messaging.models import Channel, MessageTemplate
from unstuck.messaging.vocabulary import CONFIGURED_KINDS, ChannelKind, MessageLanguage, language_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from unstuck.cases.models import Case
    from unstuck.customers.models import Customer


def template_pick(
    *, key: str, language: str, case_type: str = "", cause: str = "", step: str = ""
) -> MessageTemplate | None:
    """The active template for `key` in `language` (else the other language) matching the scope.

    A template scoped to a case type, cause or step applies only there; among those that apply, the
    one naming the most of them wins (ties: case type over cause over step).
    """
    scope = (
        Q(key=key, active=True)
        & Q(case_type__in=["", case_type])
        & Q(cause__in=["", cause])
        & Q(step__in=["", step])
    )
    candidates = list(MessageTemplate.objects.filter(scope))
    if not candidates:
        return None

    def rank(template: MessageTemplate) -> tuple[int, int, int, int, int]:
        return (
            int(template.language == language),
            int(bool(template.case_type)) + int(bool(template.cause)) + int(bool(template.step)),
            int(bool(template.case_type)),
            int(bool(template.cause)),
            int(template.language == MessageLanguage.ZH_HANS),
        )

    return max(candidates, key=rank)


def case_scope(case: Case | None) -> tuple[str, str, str]:
    """(case type, cause key, step) a case's messages are chosen by; blanks where unknown."""
    if case is None:
        return "", "", ""
    step = case.item.current_step if case.item_id and case.item else ""
    cause = CaseCause.objects.filter(case_id=case.pk).values_list("category__key", flat=True).first() or ""
    return case.type, cause, step


def channel_for(kind_or_key: str) -> tuple[str, Channel | None]:
    """(kind, configured channel) for a kind ("wecom": its default channel) or a channel key."""
    by_key = Channel.objects.filter(key=kind_or_key, active=True).first()
    if by_key is not None:
        return by_key.kind, by_key
    if kind_or_key not in ChannelKind.values:
        return kind_or_key, None
    default = Channel.objects.filter(kind=kind_or_key, active=True, is_default=True).first()
    return kind_or_key, default


@dataclass(frozen=True)
class Route:
    """Where a message goes: kind, configured channel, address, language; `problem` if nowhere."""

    kind: str
    channel: Channel | None
    address: str
    language: str
    problem: str = ""


def _route(kind_or_key: str, *, email: str, phone: str, language: str) -> Route:
    kind, channel = channel_for(kind_or_key)
    if kind not in ChannelKind.values:
        return Route(kind, None, "", language, f"unknown channel {kind_or_key!r}")
    if kind in CONFIGURED_KINDS and channel is None:
        return Route(kind, None, "", language, f"no active {kind} channel is configured")
    if kind == ChannelKind.EMAIL:
        return Route(kind, channel, email, language, "" if email else "no email address")
    if kind == ChannelKind.SMS:
        return Route(kind, channel, phone, language, "" if phone else "no phone number")
    if kind == ChannelKind.IN_APP:
        return Route(kind, None, "", language)
    return Route(kind, channel, channel.key if channel else "", language)


def route_for_customer(*, customer: Customer | None, channel: str | None) -> Route:
    """The customer's preferred channel if it can reach them, else their fallback, else the first problem."""
    if customer is None:
        return _route(channel or "", email="", phone="", language=MessageLanguage.ZH_HANS)
    language = language_of(customer.language)
    wanted = [channel] if channel else [customer.channel, customer.fallback_channel]
    if not channel and not any(wanted):
        wanted = [ChannelKind.EMAIL if customer.email else ChannelKind.SMS]
    first: Route | None = None
    for kind in [w for w in wanted if w]:
        route = _route(kind, email=customer.email, phone=customer.phone, language=language)
        if not route.problem:
            return route
        first = first or route
    assert first is not None
    return first


def route_for_user(*, user: User, channel: str | None) -> Route:
    """A colleague's notification channel (in-app unless their profile says otherwise)."""
    profile = getattr(user, "profile", None)
    language = language_of(getattr(profile, "language", "") or "")
    wanted = channel or getattr(profile, "notify_channel", "") or ChannelKind.IN_APP
    route = _route(wanted, email=user.email, phone="", language=language)
    if route.problem and wanted != ChannelKind.IN_APP:  # a colleague can always be told in Unstuck
        return Route(ChannelKind.IN_APP, None, "", language)
    return route
