"""Putting a message's life on its case's timeline: queued, sent, failed (with the provider's reason),
received. Each call locks the case row (the timeline's hash chain needs it) in the caller's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from unstuck.cases.models import Case
from unstuck.cases.timeline import timeline_append

if TYPE_CHECKING:
    from unstuck.messaging.models import Message

#: Timeline kinds written by messaging (the cases app's choices list the case's own kinds).
KINDS = {
    "queued": "message_queued",
    "sent": "message_sent",
    "failed": "message_failed",
    "dead": "message_failed",
    "received": "message_received",
}


def _text(message: Message, event: str) -> str:
    what = {
        "channel": message.get_channel_display(),
        "to": message.recipient or "-",
        "subject": message.subject,
    }
    if event == "queued":
        return _("Message queued via %(channel)s to %(to)s: %(subject)s") % what
    if event == "sent":
        return _("Message sent via %(channel)s to %(to)s: %(subject)s") % what
    if event == "received":
        return _("Reply received from %(from)s: %(subject)s") % {
            "from": message.sender,
            "subject": message.subject,
        }
    if event == "dead":
        return _("Message via %(channel)s to %(to)s failed for good: %(reason)s") % {
            **what,
            "reason": message.reason,
        }
    return _("Message via %(channel)s to %(to)s failed (attempt %(n)s), will retry: %(reason)s") % {
        **what,
        "n": message.attempts,
        "reason": message.reason,
    }


def case_record(*, case: Case, message: Message, event: str) -> None:
    """Append the timeline entry for `event` of `message` on `case`, keeping the caller's copy current."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    data = {
        "message": message.pk,
        "channel": message.channel,
        "status": message.status,
        "template": message.template_key,
        "attempts": message.attempts,
    }
    if message.reason:
        data["reason"] = message.reason
    if message.provider_message_id:
        data["provider_message_id"] = message.provider_message_id
    timeline_append(
        case=locked,
        kind=KINDS.get(event, "message_queued"),
        actor_label="messaging",
        data=data,
        message=_text(message, event),
    )
    # The caller may append to the same case next: its copy must know the chain's new head.
    case.timeline_seq, case.timeline_head = locked.timeline_seq, locked.timeline_head
