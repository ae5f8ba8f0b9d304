"""Reads for processes, and the one rule of which processes a user may read and write.

A team owns a process when a step of the process (in any loaded version) names it as its `team`.
A process none of whose steps names a team is *unowned*. Who may read a process's items, stalls and
log (see docs/permissions.md):

- admins and auditors: every process;
- an integration token (role `integration`): the processes named on its live tokens;
- agents and supervisors: the processes their teams own; supervisors also the unowned ones (someone
  has to triage those, as with cases without a team).

Who may push its events: admins every process; supervisors the processes their teams own (not the
unowned ones); integration tokens their named processes; agents and auditors none.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from unstuck.accounts.models import Role, Team
from unstuck.accounts.selectors import integration_process_keys, user_role, user_sees_all_teams
from unstuck.processes.models import Process, Step

AnyUser = AbstractBaseUser | AnonymousUser


def process_list() -> QuerySet[Process]:
    """Every process with its current version, unscoped: for the CLI and admins' settings pages."""
    return Process.objects.select_related("current_version").order_by("key")


def process_by_key(key: str) -> Process | None:
    """One process by key, unscoped (CLI, import); requests use `process_visible_get`."""
    return Process.objects.select_related("current_version").filter(key=key).first()


def _owned_by(user: AnyUser) -> Q:
    """Processes a team of `user`'s owns, as a subquery (no query of its own: lists stay constant)."""
    team_keys = Team.objects.filter(memberships__user_id=int(user.pk or 0)).values("key")
    return Q(Exists(Step.objects.filter(version__process_id=OuterRef("pk"), team_key__in=team_keys)))


def _unowned() -> Q:
    return ~Q(Exists(Step.objects.filter(version__process_id=OuterRef("pk")).exclude(team_key="")))


def process_visible(*, user: AnyUser) -> QuerySet[Process]:
    """Every process whose items, stalls and log `user` may read (see the module docstring)."""
    processes = Process.objects.select_related("current_version").order_by("key")
    if not user.is_authenticated:
        return processes.none()
    if user_sees_all_teams(user):
        return processes
    role = user_role(user)
    if role == Role.INTEGRATION:
        return processes.filter(key__in=integration_process_keys(user))
    visible = _owned_by(user)
    if role == Role.SUPERVISOR:
        visible |= _unowned()
    return processes.filter(visible)


def process_visible_get(*, user: AnyUser, key: str) -> Process | None:
    """One process `user` may read, else None (another team's process is simply not found)."""
    return process_visible(user=user).filter(key=key).first()


def process_writable_keys(*, user: AnyUser) -> set[str] | None:
    """Keys of the processes `user` may push events into; None means every process (admins)."""
    if not user.is_authenticated:
        return set()
    role = user_role(user)
    if role == Role.ADMIN:
        return None
    if role == Role.INTEGRATION:
        return set(integration_process_keys(user))
    if role != Role.SUPERVISOR:
        return set()
    owned = Process.objects.filter(_owned_by(user))
    return set(owned.values_list("key", flat=True))
