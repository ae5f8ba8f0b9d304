"""Writes for accounts: teams, users with their role and team, API tokens, absences."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from unstuck.accounts.models import PERSON_ROLES, Absence, ApiToken, Membership, Profile, Role, Team
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
    """A person's role; the integration role is only given by `integration_token_create`."""
    if role not in PERSON_ROLES:
        allowed = ", ".join(PERSON_ROLES)
        raise DomainError("invalid_role", f"Unknown role {role!r}; use one of: {allowed}.")
    return Role(role)


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


#: Integration service users are named after the integration: `integration-erp-sync`.
INTEGRATION_USER_PREFIX = "integration-"
_INTEGRATION_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}\Z")


@transaction.atomic
def integration_token_create(*, name: str, process_keys: list[str]) -> tuple[ApiToken, str]:
    """Issue a token for the integration `name` that may push events into, and read, only the
    processes `process_keys`; its service user (`integration-<name>`, role `integration`, no
    password, no team) is created on first use. Returns the stored token and the raw one."""
    if not _INTEGRATION_NAME.match(name):
        raise DomainError(
            "invalid_integration_name",
            f"Integration name {name!r} must be 1-63 lower-case letters, digits, '-' or '_'.",
        )
    keys = sorted(set(process_keys))
    if not keys:
        raise DomainError("missing_field", "An integration token names at least one process.")
    user, created = get_user_model().objects.get_or_create(username=INTEGRATION_USER_PREFIX + name)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        Profile.objects.create(user=user, role=Role.INTEGRATION)
    elif getattr(getattr(user, "profile", None), "role", None) != Role.INTEGRATION:
        raise DomainError(
            "user_not_integration", f"The user {user.username!r} is a person, not an integration.", status=409
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:TOKEN_PREFIX_LENGTH],
        token_hash=token_hash(raw),
        kind=ApiToken.Kind.INTEGRATION,
        process_keys=keys,
    )
    logger.info("integration token created: %s for %s (%s)", token.prefix, name, ", ".join(keys))
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


#: Longer absences are almost certainly a typo in the year; someone leaving for good is deactivated.
MAX_ABSENCE = timedelta(days=366)


def _absence_bound(value: date | datetime, *, field: str, end: bool) -> datetime:
    """A window bound as an aware datetime: a date means its midnight (the end: the one after it)."""
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            raise DomainError(
                "timestamp_without_offset",
                f"`{field}` {value.isoformat()} has no UTC offset; write it like 2026-10-08T09:00:00+08:00 "
                "or give a date.",
            )
        return value
    day = value + timedelta(days=1) if end else value
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def absence_overlap_check(
    *, user_id: int, starts_at: datetime, ends_at: datetime, exclude_id: int | None = None
) -> None:
    """Refuse (`absence_overlap`, 409) a window overlapping another absence of the same person."""
    clash = Absence.objects.filter(user_id=user_id, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if exclude_id is not None:
        clash = clash.exclude(pk=exclude_id)
    found = clash.select_related("user").first()
    if found is not None:
        raise DomainError(
            "absence_overlap",
            f"{found.user.get_username()} is already away from {found.starts_at.isoformat()} to "
            f"{found.ends_at.isoformat()} (absence {found.pk}); change or delete that one.",
            status=409,
        )


@transaction.atomic
def absence_create(
    *,
    actor: User,
    user: User,
    starts: date | datetime,
    ends: date | datetime,
    deputy: User | None = None,
    kind: str = Absence.Kind.LEAVE,
    note: str = "",
) -> Absence:
    """Record that `user` is away from `starts` until `ends` (dates include the whole last day),
    with `deputy` standing in. Overlapping absences of one person are refused (`absence_overlap`)."""
    from unstuck.accounts.selectors import absence_manage_check

    absence_manage_check(actor=actor, user_id=user.pk)
    if kind not in Absence.Kind.values:
        raise DomainError(
            "invalid_kind", f"Unknown absence kind {kind!r}; use one of: {', '.join(Absence.Kind.values)}."
        )
    starts_at = _absence_bound(starts, field="starts", end=False)
    ends_at = _absence_bound(ends, field="ends", end=True)
    if ends_at <= starts_at:
        raise DomainError(
            "invalid_window", f"`ends` ({ends.isoformat()}) must be after `starts` ({starts.isoformat()})."
        )
    if ends_at - starts_at > MAX_ABSENCE:
        raise DomainError("invalid_window", "An absence can last at most 366 days; check the year of `ends`.")
    if deputy is not None:
        if deputy.pk == user.pk:
            raise DomainError("invalid_deputy", "Someone cannot be their own deputy.")
        if not deputy.is_active:
            raise DomainError("invalid_deputy", f"{deputy.get_username()} is not an active user.")
        teams = Membership.objects.filter(user=user).values("team_id")
        if teams.exists() and not Membership.objects.filter(user=deputy, team_id__in=teams).exists():
            raise DomainError(
                "deputy_not_in_team",
                f"{deputy.get_username()} shares no team with {user.get_username()}, "
                "so could not see their cases.",
            )
    # One person's absences are written one at a time, so two overlapping requests cannot both pass.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    absence_overlap_check(user_id=user.pk, starts_at=starts_at, ends_at=ends_at)
    absence = Absence.objects.create(
        user=user,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        all_day=not isinstance(starts, datetime) and not isinstance(ends, datetime),
        deputy=deputy,
        note=note.strip()[:500],
        created_by=actor,
    )
    logger.info("absence %s recorded for %s by %s", absence.pk, user.get_username(), actor.get_username())
    return absence


@transaction.atomic
def absence_delete(*, actor: User, absence: Absence) -> None:
    """Remove an absence (cancelled leave, a wrong entry); the person counts as present again."""
    from unstuck.accounts.selectors import absence_manage_check

    absence_manage_check(actor=actor, user_id=absence.user_id)
    Absence.objects.filter(pk=absence.pk).delete()
    logger.info("absence %s of %s deleted by %s", absence.pk, absence.user_id, actor.get_username())
