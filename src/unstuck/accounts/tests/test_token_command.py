from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from unstuck.accounts.models import ApiToken, Membership
from unstuck.accounts.selectors import user_for_token
from unstuck.accounts.services import api_token_create
from unstuck.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_only_the_token_on_stdout() -> None:
    out, err = run("create", "--user", "ci", "--role", "admin", "--team", "ops", "--name", "erp")
    token = out.splitlines()[-1]
    assert out == token + "\n"
    assert token.startswith("ust_")
    assert "ci" in err and token not in err
    user = user_for_token(token)
    assert user is not None and user.username == "ci"
    assert user.profile.role == "admin"
    assert Membership.objects.get(user=user).team.key == "ops"
    assert ApiToken.objects.get(user=user).name == "erp"


def test_create_rejects_unknown_roles() -> None:
    with pytest.raises(CommandError):
        run("create", "--user", "x", "--role", "root")


def test_list_shows_prefixes_never_tokens() -> None:
    token, raw = api_token_create(user=UserFactory.create(username="alice"), name="erp")
    out, _ = run("list")
    assert token.prefix in out and "alice" in out and "erp" in out
    assert raw not in out


def test_revoke_by_prefix() -> None:
    token, raw = api_token_create(user=UserFactory.create())
    out, _ = run("revoke", token.prefix)
    assert "Revoked" in out
    assert user_for_token(raw) is None
    out, _ = run("list")
    assert token.prefix not in out
    out, _ = run("list", "--all")
    assert token.prefix in out


def test_revoke_unknown_prefix_fails() -> None:
    with pytest.raises(CommandError, match="No API token"):
        run("revoke", "ust_none")
