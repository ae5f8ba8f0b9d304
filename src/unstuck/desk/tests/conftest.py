"""Desk test fixtures: a signed-in client per role, with the two Chinese processes loaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from unstuck.desk.tests.factories import PASSWORD, load_processes, make_admin, signed_in


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


@pytest.fixture
def admin(processes: None) -> Client:
    """A client signed in as the operations admin "zhou" of the warehouse team."""
    return signed_in("zhou", "admin")


#: Debian's Chromium, driven by Playwright (no browser download).
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright wheel")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()
        # While Playwright's loop runs, asgiref keeps this thread's database connection apart from the
        # one used outside it; close it here, or PostgreSQL refuses to drop the test database later.
        connections.close_all()
