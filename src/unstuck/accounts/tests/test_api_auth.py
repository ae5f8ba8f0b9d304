"""The API's authentication, end to end through Django's URL conf and middleware."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory
from ninja.errors import HttpError

from unstuck.accounts.auth import session_auth
from unstuck.accounts.services import api_token_create, api_token_revoke, user_ensure
from unstuck.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def get_me(client: Client, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get("/api/v1/me", headers=headers)


def test_a_token_from_the_command_authenticates(client: Client) -> None:
    out = StringIO()
    call_command(
        "token",
        "create",
        "--user",
        "ops-lead",
        "--role",
        "supervisor",
        "--team",
        "ops",
        stdout=out,
        stderr=StringIO(),
    )
    token = out.getvalue().splitlines()[-1]
    response = get_me(client, token)
    assert response.status_code == 200
    assert response.json() == {"username": "ops-lead", "role": "supervisor", "teams": ["ops"]}


def test_me_lists_every_team() -> None:
    user_ensure(username="amy", team_key="b-team")
    user = user_ensure(username="amy", role="agent", team_key="a-team")
    _, raw = api_token_create(user=user)
    assert get_me(Client(), raw).json()["teams"] == ["a-team", "b-team"]


@pytest.mark.parametrize("token", [None, "ust_wrong", "garbage", ""])
def test_missing_or_wrong_tokens_get_401_json(client: Client, token: str | None) -> None:
    response = get_me(client, token)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "unauthorized"
    assert response.json()["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_gets_401(client: Client) -> None:
    token, raw = api_token_create(user=UserFactory.create())
    assert get_me(client, raw).status_code == 200
    api_token_revoke(token=token)
    response = get_me(client, raw)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_a_signed_in_browser_needs_no_token(client: Client) -> None:
    client.force_login(user_ensure(username="browser", role="auditor"))
    response = get_me(client)
    assert response.status_code == 200
    assert response.json()["role"] == "auditor"


def test_health_needs_no_authentication(client: Client) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_session_auth_skips_csrf_without_a_session_cookie() -> None:
    """A POST with a wrong bearer token must end in 401, not in a CSRF 403 from the session check."""
    request = RequestFactory().post("/api/v1/anything")
    request.user = UserFactory.create()
    assert session_auth(request) is None


def test_session_auth_enforces_csrf_with_a_session_cookie() -> None:
    request = RequestFactory().post("/api/v1/anything")
    request.COOKIES["sessionid"] = "abc"
    request.user = UserFactory.create()
    with pytest.raises(HttpError) as error:
        session_auth(request)
    assert error.value.status_code == 403
