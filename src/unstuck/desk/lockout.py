"""The sign-in lockout rule: how many failures, in what window, lock a username out from an address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from unstuck.desk.models import LoginFailure

LOCKOUT_THRESHOLD = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
LOCKOUT_DURATION = timedelta(minutes=15)


def login_username_key(username: str) -> str:
    """The form of a typed username the lockout counts under, so "Wang " and "wang" are one."""
    return username.strip().lower()[:150]


@dataclass(frozen=True)
class LoginThrottle:
    """Whether a username may try to sign in from an address: locked until when, attempts left."""

    locked_until: datetime | None
    attempts_left: int


def login_throttle(*, username: str, ip: str, now: datetime) -> LoginThrottle:
    """LOCKOUT_THRESHOLD failures within LOCKOUT_WINDOW lock the (username, address) pair for
    LOCKOUT_DURATION after the last of them. Failures are not recorded while locked, so a lock ends."""
    recent = list(
        LoginFailure.objects.filter(
            username=login_username_key(username), ip=ip, at__gt=now - LOCKOUT_WINDOW - LOCKOUT_DURATION
        )
        .order_by("-at")
        .values_list("at", flat=True)[:LOCKOUT_THRESHOLD]
    )
    if len(recent) == LOCKOUT_THRESHOLD and recent[0] - recent[-1] <= LOCKOUT_WINDOW:
        until = recent[0] + LOCKOUT_DURATION
        if until > now:
            return LoginThrottle(locked_until=until, attempts_left=0)
    in_window = sum(1 for moment in recent if moment > now - LOCKOUT_WINDOW)
    return LoginThrottle(locked_until=None, attempts_left=max(LOCKOUT_THRESHOLD - in_window, 0))
