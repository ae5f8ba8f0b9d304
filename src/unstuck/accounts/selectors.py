"""Reads for accounts: who a token belongs to, a user's role and teams, token listings."""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone

from unstuck.accounts.models import ApiToken, Membership, Profile, Role, Team
from unstuck.accounts.services import TOKEN_PREFIX, TOKEN_PREFIX_LENGTH, token_hash
from unstuck.core.errors import DomainError

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

#: `last_used_at` is refreshed at most this often, so a busy integration costs no write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
#: Longer "tokens" are rejected before hashing: nobody legitimate sends a megabyte Authorization header.
_MAX_TOKEN_LENGTH = 200


def user_for_token(raw: str) -> User | None:
    """The active user owning the live API token `raw`, else None.

    The lookup is by SHA-256 of the token, so timing reveals nothing about stored tokens; the
    final comparison is constant-time anyway. As its one write, it records when the token was
    last used, at most once per `LAST_USED_RESOLUTION`.
    """
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > _MAX_TOKEN_LENGTH:
        return None
    digest = token_hash(raw)
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=digest, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # Conditional UPDATE: of many concurrent requests, only the first in each minute writes.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
    return token.user


def user_role(user: AbstractBaseUser | AnonymousUser) -> str:
    """The user's global role (see accounts.models): superusers are admins, no profile means agent."""
    if not user.is_authenticated:
        return ""
    if getattr(user, "is_superuser", False):
        return Role.ADMIN.value
    # The reverse one-to-one raises an AttributeError subclass when the user has no profile.
    profile: Profile | None = getattr(user, "profile", None)
    return str(profile.role) if profile is not None else Role.AGENT.value


def user_sees_all_teams(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Admins and auditors see every team's work; everyone else sees their own teams'."""
    return user_role(user) in {Role.ADMIN, Role.AUDITOR}


def user_team_keys(user: AbstractBaseUser | AnonymousUser) -> set[str]:
    """Keys of the teams the user is a member of (membership, not visibility: see user_sees_all_teams)."""
    if not user.is_authenticated:
        return set()
    return set(Team.objects.filter(memberships__user_id=user.pk).values_list("key", flat=True))


def user_team_role(user: AbstractBaseUser | AnonymousUser, team_key: str) -> str | None:
    """The user's role in one team, or None if they are not a member."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(user_id=user.pk, team__key=team_key).values_list("role", flat=True).first()
    )


def api_token_list(*, user: User | None = None, include_revoked: bool = False) -> QuerySet[ApiToken]:
    """Tokens, newest first, optionally of one user; revoked ones only when asked for."""
    tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-pk")
    if user is not None:
        tokens = tokens.filter(user=user)
    if not include_revoked:
        tokens = tokens.filter(revoked_at__isnull=True)
    return tokens


def api_token_find(*, prefix_or_token: str) -> ApiToken:
    """The one token shown as `prefix_or_token` (its 8-character prefix, or the whole raw token).

    Raises DomainError `token_not_found`, or `token_ambiguous` when live tokens share the prefix
    (then the whole token identifies it).
    """
    if len(prefix_or_token) > TOKEN_PREFIX_LENGTH:
        found = ApiToken.objects.filter(token_hash=token_hash(prefix_or_token)).first()
        if found is None:
            raise DomainError("token_not_found", "No API token matches that token.", status=404)
        return found
    matches = list(ApiToken.objects.filter(prefix=prefix_or_token).order_by("revoked_at", "-created_at")[:10])
    live = [token for token in matches if token.revoked_at is None]
    candidates = live or matches
    if not candidates:
        raise DomainError("token_not_found", f"No API token has the prefix {prefix_or_token!r}.", status=404)
    if len(candidates) > 1:
        raise DomainError(
            "token_ambiguous",
            f"{len(candidates)} API tokens have the prefix {prefix_or_token!r}; give the whole token.",
            status=409,
        )
    return candidates[0]
