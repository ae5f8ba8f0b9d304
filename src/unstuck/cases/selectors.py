"""Reads for cases, permission-aware: every view and endpoint gets cases only through these.

- agent: cases of the teams they are a member of;
- supervisor (global role, or supervisor membership of a team): the teams they belong to, plus
  cases without a team (someone has to triage those);
- admin and auditor: every case. Auditors read and never write (`case_for_write` refuses them).

Another team's case is simply not found (404), so its existence is not revealed.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from unstuck.accounts.models import Membership, Role
from unstuck.accounts.selectors import user_role, user_sees_all_teams, user_team_role
from unstuck.cases.lifecycle import OPEN
from unstuck.cases.models import Case, TimelineEntry
from unstuck.cases.open_filter import open_only
from unstuck.core.errors import DomainError
from unstuck.processes.selectors import process_visible_get

AnyUser = AbstractBaseUser | AnonymousUser


def case_visible(*, user: AnyUser) -> QuerySet[Case]:
    """Every case `user` may read."""
    cases = Case.objects.all()
    if not user.is_authenticated:
        return cases.none()
    if user_sees_all_teams(user):
        return cases
    # One query for both: the teams and whether the user supervises any of them.
    memberships = list(Membership.objects.filter(user_id=user.pk).values_list("team_id", "role"))
    team_ids = [team_id for team_id, _role in memberships]
    supervises = user_role(user) == Role.SUPERVISOR or any(
        role == Role.SUPERVISOR for _t, role in memberships
    )
    visible = Q(team_id__in=team_ids)
    if supervises:
        visible |= Q(team__isnull=True)
    return cases.filter(visible)


def case_list(
    *,
    user: AnyUser,
    status: str | None = None,
    team: str | None = None,
    process: str | None = None,
    item: str | None = None,
    case_type: str | None = None,
    priority: str | None = None,
    owner: str | None = None,
    sla_state: str | None = None,
    before_id: int | None = None,
) -> QuerySet[Case]:
    """The cases `user` may see matching the filters, newest first (keyset: ids below `before_id`)."""
    cases = case_visible(user=user).select_related("item", "process", "team", "owner")
    if status:
        statuses = status.split(",")
        cases = cases.filter(status__in=statuses)
        if set(statuses) <= set(OPEN):  # says it in the form SQLite's partial indexes match
            cases = open_only(cases)
    if team:
        cases = cases.filter(team__key=team)
    if process:
        cases = cases.filter(process__key=process)
    if item:
        cases = cases.filter(item__external_id=item)
    if case_type:
        cases = cases.filter(type=case_type)
    if priority:
        cases = cases.filter(priority=priority)
    if owner:
        cases = cases.filter(owner__username=owner)
    if sla_state:
        cases = cases.filter(sla_state__in=sla_state.split(","))
    if before_id is not None:
        cases = cases.filter(pk__lt=before_id)
    return cases.order_by("-pk")


#: What a list row shows of the related rows; their other columns (an item's attributes and
#: timestamps, a user's password hash ...) are not read, which halves the cost of a page.
LIST_RELATED_FIELDS = (
    "item__external_id",
    "process__key",
    "team__key",
    "owner__username",
    "owner__first_name",
)


def case_rows(cases: QuerySet[Case], *, limit: int) -> list[Case]:
    """The first `limit` cases of a `case_list` query, for a list page: every case column, and
    only the related columns a list shows."""
    own = [field.name for field in Case._meta.concrete_fields]
    return list(cases.only(*own, *LIST_RELATED_FIELDS)[:limit])


def case_get(*, user: AnyUser, case_id: int) -> Case:
    """One case `user` may read, or DomainError `case_not_found` (404) — also for other teams' cases."""
    case = (
        case_visible(user=user).select_related("item", "process", "team", "owner").filter(pk=case_id).first()
    )
    if case is None:
        raise DomainError("case_not_found", f"No case {case_id}.", status=404)
    return case


def case_for_write(*, user: AnyUser, case_id: int) -> Case:
    """Like `case_get`, for a change: auditors (read-only) get 403 `forbidden`."""
    if user.is_authenticated and user_role(user) == Role.AUDITOR:
        raise DomainError("forbidden", "Auditors can read cases but not change them.", status=403)
    return case_get(user=user, case_id=case_id)


def case_timeline(*, case: Case) -> QuerySet[TimelineEntry]:
    """A case's timeline in order (the case was obtained through a permission-aware selector)."""
    return TimelineEntry.objects.filter(case=case).order_by("seq")


def case_create_check(
    *,
    user: AnyUser,
    team_key: str | None,
    process_key: str | None = None,
    item_external_id: str | None = None,
) -> None:
    """Who may open a case by hand for `team_key`: admins anywhere, others for a team they belong to
    (supervisors also without a team); auditors never (403). A process or item the user may not
    read is not found (404), as if it did not exist: nobody opens a case on another team's item."""
    role = user_role(user)
    if role == Role.AUDITOR:
        raise DomainError("forbidden", "Auditors can read cases but not open them.", status=403)
    if role == Role.ADMIN:
        return
    if process_key and process_visible_get(user=user, key=process_key) is None:
        if item_external_id:
            raise DomainError(
                "item_not_found", f"No item {item_external_id!r} in process {process_key!r}.", 404
            )
        raise DomainError("unknown_process", f"No process {process_key!r}.", 404)
    if team_key is None:
        if role != Role.SUPERVISOR:
            raise DomainError("missing_field", "Name the team the case belongs to (`team`).")
        return
    if not user_team_role(user, team_key):
        raise DomainError("forbidden", f"You are not a member of team {team_key!r}.", status=403)
