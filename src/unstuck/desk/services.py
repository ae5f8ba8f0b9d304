"""Writes for the desk: failed sign-ins recorded and forgotten (the lockout's memory), saved views."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext

from unstuck.accounts.models import Team
from unstuck.core.errors import DomainError
from unstuck.desk.lockout import login_username_key
from unstuck.desk.models import LoginFailure, SavedView
from unstuck.desk.queue_filters import QueueFilter

if TYPE_CHECKING:
    from django.contrib.auth.models import User

#: Failed sign-ins older than this are useless for the lockout and are deleted as new ones arrive.
FAILURE_RETENTION = timedelta(days=1)


@transaction.atomic
def login_failure_record(*, username: str, ip: str, now: datetime) -> None:
    """Remember one failed sign-in for `username` from `ip`, and forget failures nobody needs any more."""
    LoginFailure.objects.filter(at__lt=now - FAILURE_RETENTION).delete()
    LoginFailure.objects.create(username=login_username_key(username), ip=ip, at=now)


@transaction.atomic
def login_failures_clear(*, username: str, ip: str) -> None:
    """Forget the failed sign-ins of `username` from `ip` after a successful sign-in."""
    LoginFailure.objects.filter(username=login_username_key(username), ip=ip).delete()


@transaction.atomic
def saved_view_create(*, owner: User, name: str, filters: QueueFilter, team_key: str = "") -> SavedView:
    """Keep the queue filters `filters` under `name` (replacing the owner's view of that name),
    shared with `team_key` when given (only a team the owner belongs to)."""
    name = name.strip()
    if not name:
        raise DomainError("missing_field", gettext("Give the view a name."))
    if len(name) > 100:
        raise DomainError("invalid_field", gettext("A view's name has at most 100 characters."))
    team = None
    if team_key:
        team = Team.objects.filter(key=team_key, memberships__user=owner).first()
        if team is None:
            raise DomainError(
                "not_in_team", gettext("You can only share a view with a team you belong to."), status=403
            )
    view, _ = SavedView.objects.update_or_create(
        owner=owner, name=name, defaults={"filters": filters.saved(), "team": team}
    )
    return view


@transaction.atomic
def saved_view_delete(*, owner: User, view_id: int) -> None:
    """Delete one of `owner`'s saved views (a view shared by someone else is theirs to delete)."""
    deleted, _ = SavedView.objects.filter(owner=owner, pk=view_id).delete()
    if not deleted:
        raise DomainError("view_not_found", gettext("No such saved view of yours."), status=404)
