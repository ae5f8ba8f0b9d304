"""`unstuck backup` / `unstuck restore` end to end, in child processes with databases of their own.

They run on the suite's engine: SQLite files, or scratch PostgreSQL databases on the same server.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from unstuck.core.testing import isolated_environment, postgres_in_use, unstuck

pytestmark = pytest.mark.slow


def token_create(env: dict[str, str], user: str) -> str:
    return unstuck(env, "token", "create", "--user", user, "--team", "ops").stdout.splitlines()[-1]


def one_line_error(result: object) -> str:
    assert result.returncode != 0  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1, lines
    return str(lines[0])


def test_round_trip_and_refusal_to_overwrite_data(tmp_path: Path) -> None:
    backup = tmp_path / "unstuck.backup"
    with isolated_environment(tmp_path) as env:
        unstuck(env, "migrate", "-v0")
        token_create(env, "alice")
        backup.write_bytes(b"an older backup, readable by all")
        backup.chmod(0o644)
        assert "Backed up" in unstuck(env, "backup", str(backup)).stdout
        assert backup.stat().st_mode & 0o777 == 0o600  # personal data and password hashes: owner only
        token_create(env, "bob")

        message = one_line_error(unstuck(env, "restore", str(backup), check=False))
        assert "holds data" in message and "--force" in message
        assert "bob" in unstuck(env, "token", "list").stdout  # nothing was touched

        unstuck(env, "restore", str(backup), "--force")
        listing = unstuck(env, "token", "list").stdout
        assert "alice" in listing and "bob" not in listing


def test_a_fresh_database_takes_a_backup_without_force(tmp_path: Path) -> None:
    backup = tmp_path / "unstuck.backup"
    with isolated_environment(tmp_path / "old") as old:
        unstuck(old, "migrate", "-v0")
        token = token_create(old, "alice")
        unstuck(old, "backup", str(backup))
    with isolated_environment(tmp_path / "new") as new:
        unstuck(new, "migrate", "-v0")
        unstuck(new, "restore", str(backup))
        assert "alice" in unstuck(new, "token", "list").stdout
        unstuck(new, "token", "revoke", token[:8])


def test_files_that_are_not_our_backups_are_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("hello")
    foreign = tmp_path / "foreign.backup"
    if postgres_in_use():
        sqlite3.connect(foreign).execute("CREATE TABLE django_migrations (id INTEGER)").connection.commit()
        expected = "SQLite backup but this Unstuck uses PostgreSQL"
    else:
        foreign.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(64))
        expected = "PostgreSQL backup but this Unstuck uses SQLite"
    with isolated_environment(tmp_path) as env:
        unstuck(env, "migrate", "-v0")
        assert "not an Unstuck backup" in one_line_error(unstuck(env, "restore", str(junk), check=False))
        assert expected in one_line_error(unstuck(env, "restore", str(foreign), check=False))
        missing = one_line_error(unstuck(env, "restore", str(tmp_path / "nope"), check=False))
        assert "No backup file" in missing
