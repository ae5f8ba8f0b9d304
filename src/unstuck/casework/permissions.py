"""Who may do what beyond reading a case: supervising a team (approving remedies, ticking a
supervisor's playbook step), running incidents and problems. Reading stays with `cases.selectors`."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest

from unstuck.accounts.models import Membership, Role
from unstuck.accounts.selectors import user_is_supervisor, user_role
from unstuck.core.errors import DomainError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

AnyUser = AbstractBaseUser | AnonymousUser


def acting_user(request: HttpRequest) -> User:
    """The signed-in user of a request that passed authentication (API auth or the desk's login)."""
    return cast("User", request.user)


def user_supervises(user: AnyUser, team_id: int | None) -> bool:
    """True for admins, a supervisor membership of the team, or a global supervisor who is in the team
    (or, for a case without a team, any global supervisor: they triage those)."""
    role = user_role(user)
    if role == Role.ADMIN:
        return True
    if role in {Role.AUDITOR, ""}:
        return False
    if team_id is None:
        return role == Role.SUPERVISOR
    membership = (
        Membership.objects.filter(user_id=user.pk or 0, team_id=team_id)
        .values_list("role", flat=True)
        .first()
    )
    return membership == Role.SUPERVISOR or (membership is not None and role == Role.SUPERVISOR)


def require_writer(user: AnyUser) -> None:
    """Auditors read and never write (403 `forbidden`)."""
    if not user.is_authenticated:
        raise DomainError("unauthorized", "Sign in first.", status=401)
    if user_role(user) == Role.AUDITOR:
        raise DomainError("forbidden", "Auditors can read but not change anything.", status=403)


def require_supervisor(user: AnyUser, what: str) -> None:
    """Supervisors and admins only (403 `forbidden` naming what was refused)."""
    require_writer(user)
    if not user_is_supervisor(user):
        raise DomainError("forbidden", f"Only supervisors and admins may {what}.", status=403)
