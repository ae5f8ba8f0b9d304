from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from unstuck.accounts.models import ApiToken, Membership, Profile, Role, Team
from unstuck.accounts.services import (
    TOKEN_PREFIX,
    api_token_create,
    api_token_revoke,
    team_ensure,
    token_hash,
    user_ensure,
)
from unstuck.accounts.tests.factories import UserFactory
from unstuck.core.errors import DomainError

pytestmark = pytest.mark.django_db


def test_team_ensure_creates_once_and_renames_only_when_asked() -> None:
    team = team_ensure(key="ops")
    assert (team.key, team.name, team.calendar_key) == ("ops", "ops", "cn-workdays")
    assert team_ensure(key="ops").pk == team.pk
    assert team_ensure(key="ops", name="运营").name == "运营"
    assert team_ensure(key="ops").name == "运营"
    assert Team.objects.count() == 1


@pytest.mark.parametrize("key", ["", "with space", "中文", "x" * 64])
def test_team_ensure_rejects_keys_that_are_not_slugs(key: str) -> None:
    with pytest.raises(DomainError) as error:
        team_ensure(key=key)
    assert error.value.code == "invalid_team_key"


def test_user_ensure_creates_user_profile_and_membership() -> None:
    user = user_ensure(username="alice", role="supervisor", team_key="ops")
    assert not user.has_usable_password()
    assert user.profile.role == Role.SUPERVISOR
    assert Membership.objects.get(user=user, team__key="ops").role == Role.SUPERVISOR


def test_user_ensure_is_idempotent_and_keeps_roles_without_a_role() -> None:
    first = user_ensure(username="bob", role="admin", team_key="ops")
    again = user_ensure(username="bob", team_key="support")
    assert again.pk == first.pk
    assert Profile.objects.get(user=first).role == Role.ADMIN
    # a new membership without a role starts as agent; the global role stays
    assert Membership.objects.get(user=first, team__key="support").role == Role.AGENT
    user_ensure(username="bob", role="auditor")
    assert Profile.objects.get(user=first).role == Role.AUDITOR
    assert get_user_model().objects.filter(username="bob").count() == 1


def test_user_ensure_gives_existing_users_a_profile() -> None:
    get_user_model().objects.create_user(username="legacy")
    user = user_ensure(username="legacy")
    assert Profile.objects.get(user=user).role == Role.AGENT


def test_user_ensure_rejects_unknown_roles_and_writes_nothing() -> None:
    with pytest.raises(DomainError) as error:
        user_ensure(username="eve", role="root")
    assert error.value.code == "invalid_role"
    assert not get_user_model().objects.filter(username="eve").exists()


def test_api_token_create_stores_only_a_hash() -> None:
    user = UserFactory.create()
    token, raw = api_token_create(user=user, name="erp")
    assert raw.startswith(TOKEN_PREFIX) and len(raw) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.prefix == raw[:8]
    assert stored.token_hash == token_hash(raw) != raw
    assert raw not in {str(value) for value in ApiToken.objects.values_list().get(pk=token.pk)}


def test_api_token_revoke_is_idempotent() -> None:
    token, _ = api_token_create(user=UserFactory.create())
    first = api_token_revoke(token=token).revoked_at
    assert first is not None
    assert api_token_revoke(token=token).revoked_at == first


@pytest.mark.django_db
def test_user_ensure_sets_display_name_and_admin_access_only_when_given():
    from unstuck.accounts.services import user_ensure, user_password_set

    user = user_ensure(username="wangfang", role="admin", display_name="王芳", superuser=True)
    assert (user.first_name, user.is_superuser, user.is_staff) == ("王芳", True, True)
    again = user_ensure(username="wangfang")
    assert (again.first_name, again.is_superuser) == ("王芳", True)
    user_password_set(user=again, password="s3cret-长密码")
    again.refresh_from_db()
    assert again.check_password("s3cret-长密码")
