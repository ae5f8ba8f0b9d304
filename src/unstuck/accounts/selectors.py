"""Reads for accounts: who a token belongs to, a user's role and teams, token listings, absences
and deputies (`user_absent`, `user_deputy`, which case routing asks)."""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone

from unstuck.accounts.models import Absence, ApiToken, Membership, Profile, Role, Team
from unstuck.accounts.services import TOKEN_PREFIX, TOKEN_PREFIX_LENGTH, token_hash
from unstuck.core.database_trouble import write_without_waiting
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
    last used, at most once per `LAST_USED_RESOLUTION`, and never waits for it: when another writer
    holds SQLite's lock the write is skipped (a later request records it), so a GET never queues
    behind a batch of writes for its own bookkeeping.
    """
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > _MAX_TOKEN_LENGTH:
        return None
    digest = token_hash(raw)
    token = (
        # The profile comes along: every request asks for the user's role next.
        ApiToken.objects.select_related("user", "user__profile")
        .filter(token_hash=digest, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # Conditional UPDATE: of many concurrent requests, only the first in each minute writes.
        stale = ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
        )
        write_without_waiting(lambda: stale.update(last_used_at=now))
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


def user_is_supervisor(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Supervisors (globally or of any team) and admins: the people who run incidents, problems and
    the mail quarantine."""
    role = user_role(user)
    if role in {Role.ADMIN, Role.SUPERVISOR}:
        return True
    if role in {Role.AUDITOR, ""}:
        return False
    return Membership.objects.filter(user_id=user.pk or 0, role=Role.SUPERVISOR).exists()


def user_sees_all_teams(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Admins and auditors see every team's work; everyone else sees their own teams'."""
    return user_role(user) in {Role.ADMIN, Role.AUDITOR}


def integration_process_keys(user: AbstractBaseUser | AnonymousUser) -> list[str]:
    """The processes an integration's service user may read and write: those its live tokens name."""
    if not user.is_authenticated:
        return []
    keys: set[str] = set()
    live = ApiToken.objects.filter(user_id=user.pk, kind=ApiToken.Kind.INTEGRATION, revoked_at__isnull=True)
    for named in live.values_list("process_keys", flat=True):
        keys.update(str(key) for key in named or [])
    return sorted(keys)


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


def user_label(user: AbstractBaseUser) -> str:
    """How people read a user's name: the display name (李娜) if set, else the username."""
    return str(getattr(user, "first_name", "") or user.get_username())


def absence_covering(*, user_id: int, at: datetime) -> Absence | None:
    """The user's absence that covers the moment `at` (the latest-starting one), else None."""
    return (
        Absence.objects.select_related("deputy")
        .filter(user_id=user_id, starts_at__lte=at, ends_at__gt=at)
        .order_by("-starts_at", "-pk")
        .first()
    )


def user_absent(*, user_id: int, at: datetime) -> bool:
    """Whether the user is away (on leave, out of office) at the moment `at`."""
    return Absence.objects.filter(user_id=user_id, starts_at__lte=at, ends_at__gt=at).exists()


def user_deputy(*, user_id: int, at: datetime) -> User | None:
    """Who stands in for the user at `at`: their absence's deputy, or, when that deputy is away too,
    the deputy's deputy, and so on. None when the user is not away, the chain ends with nobody (no
    deputy, an inactive one) or loops back on itself."""
    absence = absence_covering(user_id=user_id, at=at)
    seen = {user_id}
    while absence is not None:
        deputy = absence.deputy
        if deputy is None or not deputy.is_active or deputy.pk in seen:
            return None
        seen.add(deputy.pk)
        absence = absence_covering(user_id=deputy.pk, at=at)
        if absence is None:
            return deputy
    return None


def absences_current(*, user_ids: list[int], at: datetime) -> dict[int, Absence]:
    """For each of `user_ids` away at `at`, the absence covering it (one query, for routing)."""
    if not user_ids:
        return {}
    found: dict[int, Absence] = {}
    rows = Absence.objects.filter(user_id__in=user_ids, starts_at__lte=at, ends_at__gt=at).order_by(
        "starts_at", "pk"
    )
    for absence in rows:
        found[absence.user_id] = absence  # the latest-starting one wins, as in absence_covering
    return found


def absent_user_ids(*, at: datetime) -> list[int]:
    """Ids of everyone away at `at`, from the absences' window index (not a scan of users)."""
    return sorted(
        set(Absence.objects.filter(ends_at__gt=at, starts_at__lte=at).values_list("user_id", flat=True))
    )


def _supervised_team_ids(user: AbstractBaseUser | AnonymousUser) -> list[int]:
    """Teams whose members' absences `user` manages: teams they belong to as supervisor (or any of
    their teams, for a global supervisor)."""
    memberships = Membership.objects.filter(user_id=int(user.pk or 0))
    if user_role(user) != Role.SUPERVISOR:
        memberships = memberships.filter(role=Role.SUPERVISOR)
    return list(memberships.values_list("team_id", flat=True))


def absence_visible(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Absence]:
    """The absences `user` may see: their own; a supervisor's teams' members'; admins and auditors all."""
    absences = Absence.objects.select_related("user", "deputy", "created_by")
    if not user.is_authenticated:
        return absences.none()
    if user_sees_all_teams(user):
        return absences
    teams = _supervised_team_ids(user)
    if not teams:
        return absences.filter(user_id=user.pk)
    members = Membership.objects.filter(team_id__in=teams).values("user_id")
    return absences.filter(Q(user_id=user.pk) | Q(user_id__in=members))


def absence_list(
    *,
    user: AbstractBaseUser | AnonymousUser,
    username: str | None = None,
    team: str | None = None,
    include_past: bool = False,
    now: datetime | None = None,
    after: tuple[datetime, int] | None = None,
) -> QuerySet[Absence]:
    """Absences `user` may see, by start (keyset after `after`); past ones only with `include_past`."""
    absences = absence_visible(user=user)
    if username:
        absences = absences.filter(user__username=username)
    if team:
        absences = absences.filter(user__memberships__team__key=team)
    if not include_past:
        absences = absences.filter(ends_at__gt=now or timezone.now())
    if after is not None:
        moment, row_id = after
        absences = absences.filter(Q(starts_at__gt=moment) | Q(starts_at=moment, pk__gt=row_id))
    return absences.order_by("starts_at", "pk")


def absence_manage_check(*, actor: AbstractBaseUser | AnonymousUser, user_id: int) -> None:
    """Whether `actor` may record or remove absences of user `user_id`: themselves, a supervisor of
    one of the user's teams, or an admin. Auditors never write. Raises DomainError `forbidden` (403)."""
    role = user_role(actor)
    if role == Role.AUDITOR:
        raise DomainError("forbidden", "Auditors can read absences but not change them.", status=403)
    if role == Role.ADMIN or actor.pk == user_id:
        return
    teams = _supervised_team_ids(actor)
    if teams and Membership.objects.filter(user_id=user_id, team_id__in=teams).exists():
        return
    raise DomainError(
        "forbidden",
        "You can record absences for yourself, or as a supervisor for your teams' members.",
        status=403,
    )


def user_language(user: AbstractBaseUser | AnonymousUser) -> str:
    """The language the user chose in their profile, or "" (then the browser decides).

    Reads `user.profile`, which Django then caches on the user, so `user_role` costs no second query.
    """
    if not user.is_authenticated:
        return ""
    profile: Profile | None = getattr(user, "profile", None)
    return str(profile.language or "") if profile is not None else ""
