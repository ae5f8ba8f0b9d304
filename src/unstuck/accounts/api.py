"""Accounts API: who am I (the quickest way for an integrator to check a token)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

from unstuck.accounts.auth import API_AUTH
from unstuck.accounts.selectors import user_role, user_team_keys

router = Router(tags=["accounts"], auth=API_AUTH)


class MeOut(Schema):
    """The authenticated user as Unstuck sees them."""

    username: str = Field(description="Login name.")
    role: str = Field(description="Global role: agent, supervisor, admin or auditor.")
    teams: list[str] = Field(description="Keys of the teams the user is a member of, sorted.")


@router.get("/me", response=MeOut, summary="The authenticated user")
def me(request: HttpRequest) -> MeOut:
    """Username, global role and team keys of whoever the token or session belongs to."""
    user = request.auth  # type: ignore[attr-defined]
    return MeOut(username=user.get_username(), role=user_role(user), teams=sorted(user_team_keys(user)))
