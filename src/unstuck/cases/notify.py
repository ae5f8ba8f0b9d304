"""Telling people about a case: one function for every notification the cases app sends.

The timeline entry is always written (it is the in-app record). Messages go through the
messaging app's outbox (`unstuck.messaging.services.message_enqueue`), which messaging registers
with `outbox_register` in `MessagingConfig.ready`: messaging stands above cases, which may not import it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from unstuck.cases.models import Case, TimelineEntry
from unstuck.cases.timeline import timeline_append

if TYPE_CHECKING:
    from django.contrib.auth.models import User

#: The outbox's enqueue (keyword arguments template_key, context, dedupe_key, case, user; returns the
#: message, or None when the dedupe key already queued one), under the key "enqueue".
OUTBOX: dict[str, Callable[..., object | None]] = {}


def outbox_register(enqueue: Callable[..., object | None]) -> None:
    """Make `case_notify` queue its messages with `enqueue` (the messaging app's `message_enqueue`)."""
    OUTBOX["enqueue"] = enqueue


def case_link(case: Case) -> str:
    """The absolute address of the case's page on the desk (`desk:case`)."""
    return f"{settings.UNSTUCK_BASE_URL}{reverse('desk:case', kwargs={'case_id': case.pk})}"


def case_notify(
    *,
    case: Case,
    users: list[User],
    subject: str,
    body: str,
    dedupe_key: str,
    template_key: str,
    actor_label: str = "worker",
) -> TimelineEntry:
    """Notify `users` about `case`: a timeline entry, and one outbox message each.

    Runs inside the caller's transaction (the case row locked), so the messages are written with
    the change that caused them; `dedupe_key` (plus the user) makes a repeat enqueue nothing.
    """
    recipients = list({user.pk: user for user in users if user.is_active}.values())
    queued: list[str] = []
    delivery = "timeline"
    if recipients:
        message_enqueue = OUTBOX["enqueue"]  # KeyError: the messaging app is not ready
        delivery = "outbox"
        context: dict[str, Any] = {
            "case_number": case.number or "",
            "case_title": case.title,
            "case_link": case_link(case),
            "reason": body,
        }
        for user in recipients:
            message = message_enqueue(
                template_key=template_key,
                context={**context, "agent_name": user.get_full_name() or user.get_username()},
                dedupe_key=f"{dedupe_key}:{user.pk}",
                case=case,
                user=user,
            )
            if message is not None:
                queued.append(user.get_username())
    names = [user.get_username() for user in recipients]
    if names:
        message_text = _("Notified %(users)s: %(subject)s") % {"users": ", ".join(names), "subject": subject}
    else:
        message_text = _("Nobody to notify: %(subject)s") % {"subject": subject}
    return timeline_append(
        case=case,
        kind=TimelineEntry.Kind.NOTIFIED,
        actor_label=actor_label,
        data={
            "users": names,
            "subject": subject,
            "body": body,
            "template_key": template_key,
            "dedupe_key": dedupe_key,
            "delivery": delivery,
            "queued": queued,
        },
        message=message_text,
    )
