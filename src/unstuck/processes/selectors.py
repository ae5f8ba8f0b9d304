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

from dataclasses import dataclass

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


@dataclass(frozen=True)
class BoardNames:
    """Display names the board needs, read once per request: processes, their steps, teams."""

    processes: dict[int, Process]
    steps: dict[tuple[int, str], tuple[int, str]]  # (process id, step key) -> (position, name)
    teams: dict[str, str]

    def step_name(self, process_id: int, step: str) -> str:
        return self.steps.get((process_id, step), (0, step))[1]

    def process_choices(self) -> list[tuple[str, str]]:
        return [(p.key, p.name) for p in self.processes.values()]

    def step_choices(self) -> dict[str, list[tuple[str, str]]]:
        by_process: dict[str, list[tuple[str, str]]] = {p.key: [] for p in self.processes.values()}
        for (process_id, key), (_, name) in sorted(self.steps.items(), key=lambda s: (s[0][0], s[1][0])):
            by_process[self.processes[process_id].key].append((key, name))
        return by_process


def board_names(*, user: AbstractBaseUser | AnonymousUser | None = None) -> BoardNames:
    """Processes (with their current version's steps) and teams, in three small queries; with
    `user`, only the processes they may read (the board's filter offers no other team's process)."""
    found = process_visible(user=user) if user is not None else Process.objects.all()
    processes = {
        p.pk: p
        for p in found.select_related(None).only("id", "key", "name", "current_version_id").order_by("name")
    }
    versions = {p.current_version_id: p.pk for p in processes.values() if p.current_version_id}
    step_rows = Step.objects.filter(version_id__in=versions).values_list(
        "version_id", "key", "position", "name", "team_key"
    )
    steps: dict[tuple[int, str], tuple[int, str]] = {}
    step_teams: set[str] = set()
    for version_id, key, position, name, team_key in step_rows:
        steps[versions[version_id], key] = (position, name)
        step_teams.add(team_key)
    teams = dict(Team.objects.order_by("name").values_list("key", "name"))
    # Processes may name teams nobody has created yet; they can still be filtered on, by key.
    teams.update({key: key for key in sorted(step_teams - set(teams) - {""})})
    return BoardNames(processes=processes, steps=steps, teams=teams)
