"""Signed, expiring links for customers: the status page, a confirmation, a
survey. Absolute URLs from `UNSTUCK_BASE_URL`.

A link is a `PortalLink` row plus a token signed with Django's `signing` under a salt of its own
purpose, so a status token can never be replayed as a confirmation token. The token carries the
row id and what the row is bound to (item, step, case); the row carries the expiry and whether it
was used. Tampering breaks the signature; a valid signature over a row that says something else
is refused too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from unstuck.portal.models import PortalLink

if TYPE_CHECKING:
    from unstuck.cases.models import Case
    from unstuck.tracking.models import Item

SALTS: dict[str, str] = {
    PortalLink.Kind.STATUS: "unstuck.portal.status-link",
    PortalLink.Kind.CONFIRM: "unstuck.portal.confirm-link",
    PortalLink.Kind.SURVEY: "unstuck.portal.survey-link",
}
URL_NAMES: dict[str, str] = {
    PortalLink.Kind.STATUS: "portal:status",
    PortalLink.Kind.CONFIRM: "portal:confirm",
    PortalLink.Kind.SURVEY: "portal:survey",
}


class LinkRefused(Exception):
    """A link that cannot be honoured: `code` is `link_invalid` (400), `link_expired` or
    `link_used` (410); nothing was changed."""

    def __init__(self, code: str, status: int, link: PortalLink | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.link = link


def link_lifetime() -> timedelta:
    """How long a new link stays valid (`UNSTUCK_PORTAL_LINK_DAYS`, default 7 days)."""
    return timedelta(days=float(getattr(settings, "UNSTUCK_PORTAL_LINK_DAYS", 7)))


@transaction.atomic
def link_issue(*, kind: str, item: Item, step: str = "", case: Case | None = None) -> PortalLink:
    """Record a new link for `item` (and step / case); it expires after `link_lifetime()`."""
    now = timezone.now()
    return PortalLink.objects.create(
        kind=kind, item=item, case=case, step=step, created_at=now, expires_at=now + link_lifetime()
    )


def _payload(link: PortalLink) -> dict[str, Any]:
    return {"l": link.pk, "i": link.item_id, "s": link.step, "c": link.case_id}


def link_token(link: PortalLink) -> str:
    return signing.dumps(_payload(link), salt=SALTS[link.kind], compress=False)


def link_url(link: PortalLink) -> str:
    """The absolute address of a link, from `UNSTUCK_BASE_URL`."""
    return settings.UNSTUCK_BASE_URL + reverse(URL_NAMES[link.kind], args=[link_token(link)])


def status_url(*, item: Item) -> str:
    """A new signed link to the item's status page."""
    return link_url(link_issue(kind=PortalLink.Kind.STATUS, item=item))


def confirm_url(*, item: Item, step: str) -> str:
    """A new signed link that lets the customer confirm `step` of `item` (GET shows, POST confirms)."""
    from unstuck.cases.lifecycle import OPEN
    from unstuck.cases.models import Case

    case = Case.objects.filter(item=item, rule="confirmation", status__in=OPEN).order_by("-pk").first()
    return link_url(link_issue(kind=PortalLink.Kind.CONFIRM, item=item, step=step, case=case))


def survey_url(*, case: Case) -> str:
    """A new signed link to the survey of a (resolved) case about an item."""
    if case.item_id is None:
        raise ValueError("a survey link needs a case about an item (its customer answers it)")
    assert case.item is not None
    return link_url(link_issue(kind=PortalLink.Kind.SURVEY, item=case.item, case=case))


def link_check(*, token: str, kind: str, lock: bool = False) -> PortalLink:
    """The link row a token names, verified: raises LinkRefused (tampered 400, expired 410).

    Whether a confirmation was already used is the caller's question (it differs by kind).
    """
    try:
        payload = signing.loads(token, salt=SALTS[kind])
    except signing.BadSignature:
        raise LinkRefused("link_invalid", 400) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("l"), int):
        raise LinkRefused("link_invalid", 400)
    query = PortalLink.objects.select_related("item", "item__process", "case")
    if lock:
        query = query.select_for_update(of=("self",))
    link = query.filter(pk=payload["l"], kind=kind).first()
    if link is None or _payload(link) != payload:
        raise LinkRefused("link_invalid", 400)
    if link.expires_at <= timezone.now():
        raise LinkRefused("link_expired", 410, link)
    return link
