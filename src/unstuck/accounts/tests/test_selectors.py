from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from unstuck.accounts.models import ApiToken, Role
from unstuck.accounts.selectors import (
    api_token_find,
    api_token_list,
    user_for_token,
    user_role,
    user_sees_all_teams,
    user_team_keys,
    user_team_role,
)
from unstuck.accounts.services import api_token_create, api_token_revoke, user_ensure
from unstuck.accounts.tests.factories import MembershipFactory, UserFactory
from unstuck.core.errors import DomainError

pytestmark = pytest.mark.django_db


def test_user_for_token_finds_the_owner() -> None:
    user = UserFactory.create()
    _, raw = api_token_create(user=user)
    assert user_for_token(raw) == user


@pytest.mark.parametrize("raw", ["", "ust_", "ust_wrong", "not-a-token", "ust_" + "x" * 500])
def test_user_for_token_rejects_unknown_tokens(raw: str) -> None:
    api_token_create(user=UserFactory.create())
    assert user_for_token(raw) is None


def test_user_for_token_rejects_revoked_tokens_and_inactive_users() -> None:
    token, raw = api_token_create(user=UserFactory.create())
    api_token_revoke(token=token)
    assert user_for_token(raw) is None
    inactive = UserFactory.create(is_active=False)
    _, raw = api_token_create(user=inactive)
    assert user_for_token(raw) is None


def test_last_used_at_is_written_at_most_once_a_minute() -> None:
    token, raw = api_token_create(user=UserFactory.create())
    with CaptureQueriesContext(connection) as first:
        user_for_token(raw)
    used = ApiToken.objects.get(pk=token.pk).last_used_at
    assert used is not None
    with CaptureQueriesContext(connection) as second:
        user_for_token(raw)
    assert len(second) == len(first) - 1  # no UPDATE this time
    assert ApiToken.objects.get(pk=token.pk).last_used_at == used
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    user_for_token(raw)
    refreshed = ApiToken.objects.get(pk=token.pk).last_used_at
    assert refreshed is not None and refreshed > used


def test_user_role_uses_the_profile_and_sensible_defaults() -> None:
    assert user_role(user_ensure(username="s", role="supervisor")) == Role.SUPERVISOR
    assert user_role(get_user_model().objects.create_user(username="no-profile")) == Role.AGENT
    assert user_role(get_user_model().objects.create_superuser(username="root", password="x")) == Role.ADMIN
    assert user_role(AnonymousUser()) == ""


def test_team_keys_and_roles_come_from_memberships() -> None:
    user = UserFactory.create()
    MembershipFactory.create(user=user, team__key="ops", role=Role.SUPERVISOR)
    MembershipFactory.create(user=user, team__key="support")
    MembershipFactory.create(team__key="elsewhere")
    assert user_team_keys(user) == {"ops", "support"}
    assert user_team_role(user, "ops") == Role.SUPERVISOR
    assert user_team_role(user, "elsewhere") is None
    assert user_team_keys(AnonymousUser()) == set()


def test_admins_and_auditors_see_all_teams() -> None:
    assert user_sees_all_teams(user_ensure(username="a", role="auditor"))
    assert not user_sees_all_teams(user_ensure(username="b", role="supervisor"))


def test_api_token_list_hides_revoked_unless_asked() -> None:
    user = UserFactory.create()
    live, _ = api_token_create(user=user)
    dead, _ = api_token_create(user=user)
    api_token_revoke(token=dead)
    api_token_create(user=UserFactory.create())
    assert list(api_token_list(user=user)) == [live]
    assert set(api_token_list(user=user, include_revoked=True)) == {live, dead}


def test_api_token_find_by_prefix_or_whole_token() -> None:
    token, raw = api_token_create(user=UserFactory.create())
    assert api_token_find(prefix_or_token=token.prefix) == token
    assert api_token_find(prefix_or_token=raw) == token
    with pytest.raises(DomainError) as missing:
        api_token_find(prefix_or_token="ust_none")
    assert missing.value.code == "token_not_found"
    twin, twin_raw = api_token_create(user=UserFactory.create())
    ApiToken.objects.filter(pk=twin.pk).update(prefix=token.prefix)
    with pytest.raises(DomainError) as ambiguous:
        api_token_find(prefix_or_token=token.prefix)
    assert ambiguous.value.code == "token_ambiguous"
    assert api_token_find(prefix_or_token=twin_raw) == twin
