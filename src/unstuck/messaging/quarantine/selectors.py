"""Who may read and decide quarantined mail, and which of it they see."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from unstuck.accounts.models import Role
from unstuck.accounts.selectors import user_is_supervisor, user_role, user_sees_all_teams
from unstuck.cases.selectors import case_visible
from unstuck.messaging.models import QuarantinedMail

AnyUser = AbstractBaseUser | AnonymousUser


def quarantine_decider(user: AnyUser) -> bool:
    """Admins and supervisors (globally or of a team) attach or discard quarantined mail."""
    return user_is_supervisor(user)


def quarantine_reader(user: AnyUser) -> bool:
    """Deciders, and auditors (who read everything and change nothing)."""
    return user_role(user) == Role.AUDITOR or quarantine_decider(user)


def quarantine_list(
    *, user: AnyUser, status: str = QuarantinedMail.Status.PENDING
) -> QuerySet[QuarantinedMail]:
    """Quarantined mail with `status`, newest first: all of it for admins and auditors; for
    supervisors, mail claiming a case they can see (`case_visible`) or no case at all."""
    mails = (
        QuarantinedMail.objects.filter(status=status)
        .select_related("message", "claimed_case", "attached_to", "decided_by")
        .order_by("-received_at", "-pk")
    )
    if not quarantine_reader(user):
        return mails.none()
    if user_sees_all_teams(user):
        return mails
    return mails.filter(Q(claimed_case__isnull=True) | Q(claimed_case__in=case_visible(user=user)))


def quarantine_get(*, user: AnyUser, quarantine_id: int) -> QuarantinedMail | None:
    """One quarantined mail `user` may see (whatever its status), or None."""
    for status in QuarantinedMail.Status.values:
        found = quarantine_list(user=user, status=status).filter(pk=quarantine_id).first()
        if found is not None:
            return found
    return None
