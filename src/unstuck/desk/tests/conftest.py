"""Desk test fixtures: a signed-in client per role, with the two Chinese processes loaded."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from unstuck.desk.tests.factories import PASSWORD, load_processes, make_admin


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Hashing with the production hasher costs ~0.2 s per sign-in; these tests sign in a lot."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def processes(db: None) -> None:
    load_processes()


@pytest.fixture
def admin_desk(processes: None) -> Client:
    """A client signed in as a superuser without a profile (sees all teams; browser picks the language)."""
    client = Client()
    admin = make_admin()
    assert client.login(username=admin.username, password=PASSWORD)
    return client
