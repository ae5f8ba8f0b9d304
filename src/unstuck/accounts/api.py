"""Accounts API: who am I (the quickest way for an integrator to check a token), and absences
(leave / out of office with a deputy) that routing respects."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from ninja import Field, Query, Router, Schema, Status

from unstuck.accounts.auth import API_AUTH
from unstuck.accounts.http import AuthedHttpRequest
from unstuck.accounts.models import Absence
from unstuck.accounts.selectors import absence_list, absence_visible, user_role, user_team_keys
from unstuck.accounts.services import absence_create, absence_delete
from unstuck.core.errors import DomainError
from unstuck.core.keyset import cursor_decode, cursor_encode
from unstuck.core.moments import day_check, moment_check

router = Router(tags=["accounts"], auth=API_AUTH)


class MeOut(Schema):
    """The authenticated user as Unstuck sees them."""

    username: str = Field(description="Login name.")
    role: str = Field(description="Global role: agent, supervisor, admin or auditor.")
    teams: list[str] = Field(description="Keys of the teams the user is a member of, sorted.")


@router.get("/me", response=MeOut, summary="The authenticated user")
def me(request: AuthedHttpRequest) -> MeOut:
    """Username, global role and team keys of whoever the token or session belongs to."""
    user = request.auth
    return MeOut(username=user.get_username(), role=user_role(user), teams=sorted(user_team_keys(user)))


class AbsenceFilter(Schema):
    user: str | None = Field(None, description="Only this person's absences (username).")
    team: str | None = Field(None, description="Only absences of this team's members (team key).")
    include_past: bool = Field(
        False, description="Also absences that have ended (default: current and upcoming)."
    )
    after: str | None = Field(None, description="Cursor from the previous page's `next`.")
    limit: int = Field(100, ge=1, le=500, description="Page size (max 500).")


class AbsenceIn(Schema):
    user: str | None = Field(
        None, description="Whose absence (username); omit for your own. Supervisors: a member of your teams."
    )
    starts: str = Field(
        ..., description="First day (`2026-10-01`) or first moment with offset (`2026-10-01T13:00:00+08:00`)."
    )
    ends: str = Field(
        ...,
        description="Last day, included (`2026-10-08`), or the moment they are back, with offset.",
    )
    deputy: str | None = Field(
        None, description="Username of who stands in meanwhile (shares a team with them)."
    )
    kind: str = Field("leave", description="`leave` or `out_of_office`.")
    note: str = Field("", max_length=500, description="Optional note, e.g. 年假.")


class AbsenceOut(Schema):
    id: int = Field(..., description="Absence id (use it to delete).")
    user: str = Field(..., description="Username of the person away.")
    user_name: str = Field(..., description="Their display name (username if none).")
    kind: str = Field(..., description="`leave` or `out_of_office`.")
    starts_at: datetime = Field(..., description="When the absence starts.")
    ends_at: datetime = Field(..., description="The first moment they are back (exclusive end).")
    all_day: bool = Field(..., description="Entered as whole days.")
    deputy: str | None = Field(None, description="Username of the deputy, if any.")
    note: str = Field(..., description="Free text.")
    created_by: str | None = Field(None, description="Who recorded it.")
    created_at: datetime = Field(..., description="When it was recorded.")


class AbsencePage(Schema):
    items: list[AbsenceOut] = Field(..., description="One page of absences, by start.")
    next: str | None = Field(
        None, description="Cursor for the next page (pass as `after`), null on the last one."
    )


def _moment(text: str, field: str) -> date | datetime:
    """A date (`2026-10-01`) or an ISO datetime; anything else is a clear `invalid_timestamp`."""
    try:
        if len(text.strip()) == 10:
            return day_check(date.fromisoformat(text), field=field)
        return moment_check(datetime.fromisoformat(text), field=field)
    except ValueError:
        raise DomainError(
            "invalid_timestamp",
            f"`{field}` {text!r} is neither a date like 2026-10-01 "
            "nor a time like 2026-10-01T09:00:00+08:00.",
            details={"field": field},
        ) from None


def _user(username: str, field: str) -> Any:
    found = get_user_model().objects.filter(username=username).first()
    if found is None:
        raise DomainError("user_not_found", f"`{field}`: no user {username!r}.", status=404)
    return found


def _absence_out(absence: Absence) -> dict[str, Any]:
    return {
        "id": absence.pk,
        "user": absence.user.get_username(),
        "user_name": absence.user.first_name or absence.user.get_username(),
        "kind": absence.kind,
        "starts_at": absence.starts_at,
        "ends_at": absence.ends_at,
        "all_day": absence.all_day,
        "deputy": absence.deputy.get_username() if absence.deputy else None,
        "note": absence.note,
        "created_by": absence.created_by.get_username() if absence.created_by else None,
        "created_at": absence.created_at,
    }


@router.get("/absences", response=AbsencePage, summary="List absences")
def absences_list(request: AuthedHttpRequest, filters: Query[AbsenceFilter]) -> dict[str, Any]:
    """Your own absences; a supervisor also sees their teams' members'; admins and auditors everyone's."""
    after = None
    if filters.after:
        after = cursor_decode(filters.after)
        if after is None:
            raise DomainError(
                "invalid_cursor",
                "The `after` cursor is not one this API gave out.",
                details={"field": "after"},
            )
    rows = list(
        absence_list(
            user=request.user,
            username=filters.user,
            team=filters.team,
            include_past=filters.include_past,
            after=after,
        )[: filters.limit + 1]
    )
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {
        "items": [_absence_out(row) for row in rows],
        "next": cursor_encode(rows[-1].starts_at, rows[-1].pk) if more and rows else None,
    }


@router.post("/absences", response={201: AbsenceOut}, summary="Record an absence")
def absences_create(request: AuthedHttpRequest, body: AbsenceIn) -> Status[dict[str, Any]]:
    """Leave or out-of-office from `starts` to `ends`, with a deputy; new cases skip the person meanwhile."""
    actor: Any = request.user
    absence = absence_create(
        actor=actor,
        user=_user(body.user, "user") if body.user else actor,
        starts=_moment(body.starts, "starts"),
        ends=_moment(body.ends, "ends"),
        deputy=_user(body.deputy, "deputy") if body.deputy else None,
        kind=body.kind,
        note=body.note,
    )
    return Status(201, _absence_out(absence_visible(user=actor).get(pk=absence.pk)))


@router.delete("/absences/{absence_id}", response={204: None}, summary="Delete an absence")
def absences_delete(request: AuthedHttpRequest, absence_id: int) -> Status[None]:
    """Remove an absence you may manage; one you cannot see is 404 `absence_not_found`."""
    absence = absence_visible(user=request.user).filter(pk=absence_id).first()
    if absence is None:
        raise DomainError("absence_not_found", f"No absence {absence_id}.", status=404)
    absence_delete(actor=request.user, absence=absence)
    return Status(204, None)
