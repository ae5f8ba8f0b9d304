"""A sick database says so: locked past its timeout, its disk full or its server unreachable, the API
answers 503 `database_unavailable` with Retry-After, the pages a plain 503, and /health reports it;
a GET never waits for the write lock to record its token's last use.

The trouble is real: another SQLite connection holding the write lock, SQLite's page limit standing
in for a full disk, another PostgreSQL connection holding a table lock, a PostgreSQL port nobody
listens on."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from unstuck.accounts.models import Absence, ApiToken
from unstuck.accounts.services import api_token_create
from unstuck.core.database_trouble import forget_trouble, sqlite_lock_wait
from unstuck.desk.tests.factories import PASSWORD, make_user

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's database-wide write lock")
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's lock_timeout")


@pytest.fixture(autouse=True)
def _healthy_process() -> Iterator[None]:
    forget_trouble()
    yield
    forget_trouble()


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def _absence(day: int = 1) -> dict[str, str]:
    start = (timezone.localdate() + timedelta(days=2 * day)).isoformat()
    return {"starts": start, "ends": start, "note": "年假" * 240}


@pytest.fixture
def sqlite_writer() -> Iterator[sqlite3.Connection]:
    """Another connection to the test database, free to take the write lock."""
    other = sqlite3.connect(str(connection.settings_dict["NAME"]), timeout=0, isolation_level=None)
    yield other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_get_never_waits_for_its_token_bookkeeping(sqlite_writer: sqlite3.Connection) -> None:
    token, raw = api_token_create(user=make_user("api"), name="feed")
    client = Client()
    sqlite_writer.execute("BEGIN IMMEDIATE")  # another writer holds the lock, for as long as it likes
    # Even a short wait would be spent in vain here: without the skip this answers 503 after 2 s.
    with sqlite_lock_wait(2000):
        response = client.get("/api/v1/me", headers=_bearer(raw))
    assert response.status_code == 200, response.content
    token.refresh_from_db()
    assert token.last_used_at is None  # skipped, not waited for
    sqlite_writer.execute("ROLLBACK")
    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_write_behind_a_lock_held_past_the_timeout_answers_503(sqlite_writer: sqlite3.Connection) -> None:
    user = make_user("api")
    _, raw = api_token_create(user=user, name="feed")
    client = Client()
    assert client.get("/api/v1/health").json()["status"] == "ok"
    sqlite_writer.execute("BEGIN IMMEDIATE")
    with sqlite_lock_wait(100):
        response = client.post(
            "/api/v1/absences", _absence(), content_type="application/json", headers=_bearer(raw)
        )
        assert response.status_code == 503
        assert response.json()["code"] == "database_unavailable"
        assert response.json()["details"] == {"reason": "locked"}
        assert response["Retry-After"] == "5"

        health = client.get("/api/v1/health")
        assert health.status_code == 503 and health["Retry-After"] == "5"
        assert health.json() == {"status": "error", "database": "sqlite", "reason": "locked"}

        # The desk: a sign-in records its failure, which cannot be written: a plain 503 page.
        page = client.post(
            "/login/", {"username": "api", "password": "wrong"}, headers={"Accept-Language": "en"}
        )
        assert page.status_code == 503 and page["Retry-After"] == "5"
        assert "try again in 5 seconds" in page.content.decode()
    sqlite_writer.execute("ROLLBACK")
    forget_trouble()
    assert client.get("/api/v1/health").status_code == 200
    created = client.post(
        "/api/v1/absences", _absence(), content_type="application/json", headers=_bearer(raw)
    )
    assert created.status_code == 201
    assert client.post("/login/", {"username": "api", "password": PASSWORD}).status_code == 302


@sqlite_only
@pytest.mark.django_db
def test_a_full_disk_answers_503() -> None:
    _, raw = api_token_create(user=make_user("api"), name="feed")
    client = Client()
    with connection.cursor() as cursor:
        # Use up the free pages, then let the file grow no more: SQLITE_FULL, as on a full disk.
        cursor.execute("PRAGMA freelist_count")
        free = cursor.fetchone()[0]
        cursor.execute("CREATE TABLE trouble_filler (b BLOB)")
        cursor.execute("INSERT INTO trouble_filler VALUES (zeroblob(?))", [free * 4096])
        cursor.execute("PRAGMA page_count")
        cursor.execute(f"PRAGMA max_page_count = {cursor.fetchone()[0]}")
    try:
        answers = []
        for day in range(1, 200):
            response = client.post(
                "/api/v1/absences", _absence(day), content_type="application/json", headers=_bearer(raw)
            )
            answers.append(response.status_code)
            if response.status_code != 201:
                break
        assert answers[-1] == 503, answers
        assert response.json()["details"] == {"reason": "disk_full"}
        assert response["Retry-After"] == "60"
        assert client.get("/api/v1/health").json()["reason"] == "disk_full"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA max_page_count = 4294967294")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_write_behind_a_postgres_lock_past_its_timeout_answers_503() -> None:
    import psycopg

    _, raw = api_token_create(user=make_user("api"), name="feed")
    client = Client()
    client.get("/api/v1/me", headers=_bearer(raw))  # the token's last use is recorded already
    db = connection.settings_dict
    other = psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
    )
    try:
        other.execute(f'LOCK TABLE "{Absence._meta.db_table}" IN ACCESS EXCLUSIVE MODE')
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        response = client.post(
            "/api/v1/absences", _absence(), content_type="application/json", headers=_bearer(raw)
        )
        assert response.status_code == 503
        assert response.json()["code"] == "database_unavailable"
        assert response.json()["details"] == {"reason": "locked"}
        assert response["Retry-After"] == "5"
        assert client.get("/api/v1/health").json()["reason"] == "locked"
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


_UNREACHABLE = """
import json
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client(raise_request_exception=False)
answers = {}
for name, response in [
    ("health", client.get("/api/v1/health")),
    ("api", client.get("/api/v1/me", headers={"Authorization": "Bearer ust_" + "x" * 40})),
    ("page", client.post("/login/", {"username": "wang", "password": "guess"})),
]:
    answers[name] = [response.status_code, response.get("Retry-After"), response.content.decode()]
print(json.dumps(answers))
"""


def test_an_unreachable_postgresql_answers_503(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "UNSTUCK_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{port}/unstuck",
        "DJANGO_SETTINGS_MODULE": "unstuck.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", _UNREACHABLE], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    status, retry, body = answers["health"]
    assert (status, retry) == (503, "10")
    assert json.loads(body) == {"status": "error", "database": "postgresql", "reason": "unreachable"}
    status, retry, body = answers["api"]
    assert (status, retry) == (503, "10")
    assert json.loads(body)["code"] == "database_unavailable"
    status, retry, body = answers["page"]
    assert (status, retry) == (503, "10")
    assert "<h1>" in body and "internal" not in body.lower()


def test_database_trouble_outside_any_view_still_answers_503(tmp_path: Path) -> None:
    """The site's 500 handler (reached when a middleware, not a view, meets the trouble)."""
    from django.test import RequestFactory

    from unstuck.core.middleware import server_error

    request = RequestFactory().get("/queue/")
    try:
        sqlite3.connect(tmp_path / "no" / "such" / "dir" / "db.sqlite3")  # SQLITE_CANTOPEN
    except sqlite3.OperationalError:
        page = server_error(request)
    assert page.status_code == 503 and page["Retry-After"] == "10"
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(request).status_code == 500
