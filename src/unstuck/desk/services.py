"""Writes for the desk: failed sign-ins recorded and forgotten (the lockout's memory)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from unstuck.desk.lockout import login_username_key
from unstuck.desk.models import LoginFailure

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
