"""A supervisor's decision on a quarantined mail: attach it to a case (it becomes the case's reply),
or discard it. Each decision goes on the timeline of the case concerned and on the row itself."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.cases.models import Case
from unstuck.cases.timeline import timeline_append
from unstuck.core.errors import DomainError
from unstuck.messaging.case_values import case_customer
from unstuck.messaging.mail_trust import address_normalise
from unstuck.messaging.models import Message, QuarantinedMail
from unstuck.messaging.recording import case_record

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger("unstuck.messaging")


def _pending(quarantine_id: int) -> QuarantinedMail:
    held = QuarantinedMail.objects.select_for_update().select_related("message").get(pk=quarantine_id)
    if held.status != QuarantinedMail.Status.PENDING:
        raise DomainError(
            "quarantine_decided",
            _("This mail was %(status)s already.") % {"status": held.get_status_display()},
            status=409,
        )
    return held


def quarantine_attach(*, quarantined: QuarantinedMail, case: Case, actor: User) -> QuarantinedMail:
    """Thread the mail onto `case` as a received reply; the timeline says who let it in and why it
    had been held. The caller has checked that `actor` may decide and may see `case`."""
    with transaction.atomic():
        held = _pending(quarantined.pk)
        locked = Case.objects.select_for_update().get(pk=case.pk)  # no join: FOR UPDATE on PostgreSQL
        message = held.message
        customer = case_customer(locked)
        message.case = locked
        message.item = locked.item if locked.item_id else None
        if customer is not None and address_normalise(customer.email) == address_normalise(message.sender):
            message.customer = customer
        Message.objects.filter(pk=message.pk).update(
            case=message.case, item=message.item, customer=message.customer
        )
        held.status, held.attached_to = QuarantinedMail.Status.ATTACHED, locked
        held.decided_by, held.decided_at = actor, timezone.now()
        held.save(update_fields=["status", "attached_to", "decided_by", "decided_at"])
        timeline_append(
            case=locked,
            kind="mail_attached",
            actor=actor,
            data={"message": message.pk, "quarantine": held.pk, "reason": held.reason, "detail": held.detail},
            message=_("Quarantined mail from %(sender)s (%(reason)s) attached to this case by %(actor)s")
            % {"sender": message.sender, "reason": held.get_reason_display(), "actor": actor.get_username()},
        )
        case_record(case=locked, message=message, event="received")
    logger.info("quarantined mail %s attached to %s by %s", held.pk, locked.number, actor.get_username())
    return held


def quarantine_discard(*, quarantined: QuarantinedMail, actor: User) -> QuarantinedMail:
    """Keep the mail out of every case for good; the case it claimed (if any) records the decision."""
    with transaction.atomic():
        held = _pending(quarantined.pk)
        held.status = QuarantinedMail.Status.DISCARDED
        held.decided_by, held.decided_at = actor, timezone.now()
        held.save(update_fields=["status", "decided_by", "decided_at"])
        if held.claimed_case_id is not None:
            locked = Case.objects.select_for_update().get(pk=held.claimed_case_id)
            timeline_append(
                case=locked,
                kind="mail_discarded",
                actor=actor,
                data={"message": held.message_id, "quarantine": held.pk, "reason": held.reason},
                message=_("Mail from %(sender)s claiming this case (%(reason)s) discarded by %(actor)s")
                % {
                    "sender": held.message.sender,
                    "reason": held.get_reason_display(),
                    "actor": actor.get_username(),
                },
            )
    logger.info("quarantined mail %s discarded by %s", held.pk, actor.get_username())
    return held
