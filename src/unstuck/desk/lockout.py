"""The sign-in lockout rules: how many failures, in what window, lock a username out from an address;
and how many failures from one address, whatever the usernames, refuse its further attempts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest

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


def client_ip(request: HttpRequest | None) -> str:
    """The address the request came from, as the web server saw it: the client's own, or the one a
    trusted proxy forwarded (`UNSTUCK_TRUSTED_PROXY`; `unstuck serve` rewrites REMOTE_ADDR then)."""
    return str(request.META.get("REMOTE_ADDR") or "") if request is not None else ""


def address_throttle(*, ip: str, now: datetime) -> datetime | None:
    """Until when sign-ins from `ip` are refused: UNSTUCK_SIGNIN_ADDRESS_FAILURES failures within
    UNSTUCK_SIGNIN_ADDRESS_WINDOW_MINUTES, whatever the usernames, refuse further attempts until the
    oldest of them leaves the window; None when the address may try. Refused attempts record nothing."""
    limit = settings.UNSTUCK_SIGNIN_ADDRESS_FAILURES
    window = timedelta(minutes=settings.UNSTUCK_SIGNIN_ADDRESS_WINDOW_MINUTES)
    if limit <= 0:
        return None
    oldest = (
        LoginFailure.objects.filter(ip=ip, at__gt=now - window)
        .order_by("-at")
        .values_list("at", flat=True)[limit - 1 : limit]
        .first()
    )
    return oldest + window if oldest is not None else None
