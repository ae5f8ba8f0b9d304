"""Background jobs of the portal, run by `unstuck worker` (see portal.followups)."""

from __future__ import annotations

from django.conf import settings

from unstuck.portal.followups import follow_ups_start, proactive_updates, reminders_notify, surveys_invite


def follow_ups_start_job() -> int:
    """Give new stall cases about a customer's item their follow-up schedule."""
    return follow_ups_start(batch=settings.UNSTUCK_WORKER_BATCH)


def proactive_updates_job() -> int:
    """Send the confirmation requests and honest updates that fell due (policy permitting)."""
    return proactive_updates(batch=settings.UNSTUCK_WORKER_BATCH)


def confirmation_reminders_job() -> int:
    """Pass internal confirmation reminders on to the confirming team's members."""
    return reminders_notify(batch=settings.UNSTUCK_WORKER_BATCH)


def survey_invitations_job() -> int:
    """Invite the customers of newly resolved cases to the satisfaction survey."""
    return surveys_invite(batch=settings.UNSTUCK_WORKER_BATCH)
