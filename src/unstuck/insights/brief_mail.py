"""The morning brief by e-mail: subscribing, rendering (HTML with inline PNG charts + a text part)
and the worker's daily delivery.

Delivery is a row per subscription and morning (`BriefDelivery`, unique), so many workers and
restarts send each morning's brief once. The row is marked `sending` with a lease in its own
transaction before the SMTP call and `sent` after it; a worker killed between the two leaves a
lease that expires, and the brief is sent again — at least once, never silently lost. An SMTP
error is recorded on the row and retried with backoff, up to MAX_ATTEMPTS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.mime.image import MIMEImage
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from unstuck.accounts.models import Team
from unstuck.accounts.selectors import user_language
from unstuck.core.errors import DomainError
from unstuck.insights.brief import Brief, brief_build, brief_teams_for
from unstuck.insights.brief_charts import brief_charts
from unstuck.insights.brief_models import BriefDelivery, BriefSubscription
from unstuck.insights.brief_text import brief_text

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 5

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User


def brief_subscribe(
    *, user: User, team_key: str | None, send_at: time, active: bool = True
) -> BriefSubscription:
    """Have `user` receive the brief of `team_key` (None: everybody) every morning at `send_at`."""
    allowed = brief_teams_for(user=user)
    if allowed is not None and (team_key is None or team_key not in allowed):
        raise DomainError("forbidden", "You can only subscribe to the brief of a team you supervise.", 403)
    if not user.email:
        raise DomainError("missing_email", "Add an e-mail address to your account first.")
    team = Team.objects.filter(key=team_key).first() if team_key else None
    if team_key and team is None:
        raise DomainError("unknown_team", f"No team {team_key!r}.", 404)
    subscription, _ = BriefSubscription.objects.update_or_create(
        user=user, team=team, defaults={"send_at": send_at, "active": active}
    )
    return subscription


def brief_subscription_for(
    *, user: AbstractBaseUser | AnonymousUser, team_key: str | None
) -> BriefSubscription | None:
    """The user's subscription to the brief of `team_key` (None: everybody's), if any."""
    if not user.is_authenticated:
        return None
    mine = BriefSubscription.objects.filter(user_id=user.pk)
    return (mine.filter(team__key=team_key) if team_key else mine.filter(team__isnull=True)).first()


@dataclass(frozen=True)
class RenderedBrief:
    """An e-mail ready to send: subject, text, HTML and the inline images it refers to by cid."""

    subject: str
    text: str
    html: str
    images: list[tuple[str, bytes]]


def brief_render_email(brief: Brief, *, language: str) -> RenderedBrief:
    """The e-mail for `brief`, in `language`, charts as PNG attachments shown inline (cid:)."""
    charts = brief_charts(brief, fmt="png")
    with translation.override(language):
        context = {"brief": brief, "charts": charts, "base_url": settings.UNSTUCK_BASE_URL}
        html = render_to_string("insights/brief_email.html", context)
        day = brief.period.first.isoformat()
        subject = f"日报 Morning brief {day}" + (f" · {brief.team}" if brief.team else "")
    return RenderedBrief(
        subject=subject, text=brief_text(brief), html=html, images=[(c.name, c.data) for c in charts]
    )


class _RelatedEmail(EmailMultiAlternatives):
    """multipart/related around text + HTML, so the HTML shows the images by cid in any client."""

    mixed_subtype = "related"


def _message(rendered: RenderedBrief, to: str) -> EmailMultiAlternatives:
    message = _RelatedEmail(subject=rendered.subject, body=rendered.text, to=[to])
    message.attach_alternative(rendered.html, "text/html")
    for name, data in rendered.images:
        image = MIMEImage(data, "png")
        image.add_header("Content-ID", f"<{name}>")
        image.add_header("Content-Disposition", "inline", filename=f"{name}.png")
        message.attach(image)
    return message


def _claim(now: datetime, batch: int) -> list[tuple[BriefDelivery, BriefSubscription]]:
    """Subscriptions whose time has come today, each with its delivery row leased to this worker."""
    local = now.astimezone(ZoneInfo(settings.TIME_ZONE))
    today = local.date()
    due = BriefSubscription.objects.filter(
        Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=today), active=True, send_at__lte=local.time()
    ).select_related("user", "team")
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True, of=("self",))
    claimed = []
    with transaction.atomic():
        for subscription in due.order_by("pk")[:batch]:
            delivery, _ = BriefDelivery.objects.select_for_update().get_or_create(
                subscription=subscription, morning=today, defaults={"status": BriefDelivery.Status.SENDING}
            )
            if delivery.status == BriefDelivery.Status.SENT:
                BriefSubscription.objects.filter(pk=subscription.pk).update(last_sent_on=today)
                continue
            if delivery.lease_until is not None and delivery.lease_until > now:
                continue  # another worker is sending it, or a failure waits for its retry
            delivery.status = BriefDelivery.Status.SENDING
            delivery.attempts += 1
            delivery.lease_until = now + LEASE
            delivery.save(update_fields=["status", "attempts", "lease_until"])
            claimed.append((delivery, subscription))
    return claimed


def briefs_send_due(*, batch: int = 50) -> int:
    """Send every brief whose morning time has come; returns how many were sent."""
    now = timezone.now()
    sent = 0
    for delivery, subscription in _claim(now, batch):
        user = subscription.user
        team = subscription.team.key if subscription.team else None
        try:
            if not user.email:
                raise ValueError(f"{user.get_username()} has no e-mail address")
            brief = brief_build(first=delivery.morning - timedelta(days=1), team=team)
            rendered = brief_render_email(brief, language=user_language(user))
            _message(rendered, user.email).send()
        except Exception as failure:  # the SMTP server's reason is kept on the row and retried
            _failed(delivery, subscription, failure, now)
            continue
        with transaction.atomic():
            BriefDelivery.objects.filter(pk=delivery.pk).update(
                status=BriefDelivery.Status.SENT, sent_at=timezone.now(), lease_until=None, error=""
            )
            BriefSubscription.objects.filter(pk=subscription.pk).update(last_sent_on=delivery.morning)
        sent += 1
    return sent


def _failed(
    delivery: BriefDelivery, subscription: BriefSubscription, failure: Exception, now: datetime
) -> None:
    give_up = delivery.attempts >= MAX_ATTEMPTS
    with transaction.atomic():
        BriefDelivery.objects.filter(pk=delivery.pk).update(
            status=BriefDelivery.Status.FAILED,
            error=f"{type(failure).__name__}: {failure}"[:2000],
            lease_until=None if give_up else now + timedelta(minutes=2**delivery.attempts),
        )
        if give_up:  # tomorrow is another brief; this one is on record as failed
            BriefSubscription.objects.filter(pk=subscription.pk).update(last_sent_on=delivery.morning)
