"""Writes for accounts: teams, users with their role and team, API tokens."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from unstuck.accounts.models import ApiToken, Membership, Profile, Role, Team
from unstuck.core.errors import DomainError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

#: Every raw token starts with this, so secret scanners and people recognise a leaked Unstuck token.
TOKEN_PREFIX = "ust_"
#: How many leading characters of the raw token are kept in clear to tell tokens apart.
TOKEN_PREFIX_LENGTH = 8

_TEAM_KEY = re.compile(r"^[-a-zA-Z0-9_]{1,63}\Z")


def token_hash(raw: str) -> str:
    """The SHA-256 hex digest stored in place of a raw token."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        allowed = ", ".join(Role.values)
        raise DomainError("invalid_role", f"Unknown role {role!r}; use one of: {allowed}.") from None


@transaction.atomic
def team_ensure(*, key: str, name: str | None = None) -> Team:
    """Return the team with this key, creating it (named `name`, else its key) if it does not exist.

    A given `name` that differs from the stored one replaces it; `None` leaves the name alone.
    """
    if not _TEAM_KEY.match(key):
        raise DomainError(
            "invalid_team_key", f"Team key {key!r} must be 1-63 ASCII letters, digits, '-' or '_'."
        )
    team, created = Team.objects.get_or_create(key=key, defaults={"name": name or key})
    if not created and name is not None and team.name != name:
        team.name = name
        team.save(update_fields=["name"])
    return team


@transaction.atomic
def user_ensure(
    *,
    username: str,
    role: str | None = None,
    team_key: str | None = None,
    display_name: str | None = None,
    superuser: bool | None = None,
) -> User:
    """Return the user named `username`, creating them with a profile (and team membership) as needed.

    `role` sets the global role and, with `team_key`, the role in that team; `None` keeps an existing
    user's roles (new users and memberships start as agents). `display_name` (e.g. 王芳) and
    `superuser` (full Django admin access) change only when given. New users get no usable password:
    they sign in with an API token, or an admin sets one (`user_password_set`).
    """
    checked_role = _check_role(role) if role is not None else None
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        logger.info("user created: %s", username)
    changed = []
    if display_name is not None and user.first_name != display_name:
        user.first_name = display_name
        changed.append("first_name")
    if superuser is not None and (user.is_superuser, user.is_staff) != (superuser, superuser):
        user.is_superuser = user.is_staff = superuser
        changed += ["is_superuser", "is_staff"]
    if changed:
        user.save(update_fields=changed)
    profile, _ = Profile.objects.get_or_create(user=user, defaults={"role": checked_role or Role.AGENT})
    if checked_role is not None and profile.role != checked_role:
        profile.role = checked_role
        profile.save(update_fields=["role"])
    if team_key is not None:
        team = team_ensure(key=team_key)
        membership, _ = Membership.objects.get_or_create(
            user=user, team=team, defaults={"role": checked_role or Role.AGENT}
        )
        if checked_role is not None and membership.role != checked_role:
            membership.role = checked_role
            membership.save(update_fields=["role"])
    return user


@transaction.atomic
def user_password_set(*, user: User, password: str) -> None:
    """Set a user's password (hashed by Django's configured hasher)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    logger.info("password set for %s", user.get_username())


@transaction.atomic
def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue a new API token for `user`; returns the stored token and the raw token (shown only once)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:TOKEN_PREFIX_LENGTH], token_hash=token_hash(raw)
    )
    logger.info("api token created: %s for %s", token.prefix, user.username)
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, now: datetime | None = None) -> ApiToken:
    """Revoke a token so it no longer authenticates. Revoking twice keeps the first revocation time."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = now or timezone.now()
        locked.save(update_fields=["revoked_at"])
        logger.info("api token revoked: %s of %s", locked.prefix, locked.user_id)
    token.revoked_at = locked.revoked_at
    return locked
