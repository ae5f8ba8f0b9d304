"""Facts about the live database, and backups made in-process from the test database."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from unstuck.accounts.tests.factories import TeamFactory, UserFactory
from unstuck.core.backup import PG_CUSTOM_MAGIC, BackupError, _pg_tool, backup_format, database_backup
from unstuck.core.database import pending_migrations, tables_with_rows

pytestmark = pytest.mark.django_db


def test_the_test_database_is_fully_migrated() -> None:
    assert pending_migrations() == []


def test_a_freshly_migrated_database_holds_no_data() -> None:
    """Fails when an app seeds rows from a migration without declaring `reference_data_tables`."""
    assert tables_with_rows() == []


def test_users_teams_and_other_rows_count_as_data() -> None:
    before = set(tables_with_rows())
    assert "django_migrations" not in before
    UserFactory.create()
    assert {"auth_user", "accounts_profile"} <= set(tables_with_rows()) - before


def test_apps_can_declare_reference_data_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        apps.get_app_config("accounts"), "reference_data_tables", ("accounts_team",), raising=False
    )
    TeamFactory.create()
    assert "accounts_team" not in tables_with_rows()


def test_in_memory_sqlite_cannot_be_backed_up(tmp_path: Path) -> None:
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or "memory" not in name:
        pytest.skip("only for an in-memory SQLite test database; files are covered end to end")
    with pytest.raises(BackupError) as error:
        database_backup(path=tmp_path / "b.sqlite3")
    assert error.value.code == "in_memory_database"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL pointing at PostgreSQL")
def test_postgres_backup(tmp_path: Path) -> None:
    written = database_backup(path=tmp_path / "b.dump")
    assert written.read_bytes().startswith(PG_CUSTOM_MAGIC)
    assert backup_format(written) == "postgresql"


def test_a_missing_pg_tool_is_a_clear_error() -> None:
    with pytest.raises(BackupError) as error:
        _pg_tool("pg_dump_that_does_not_exist")
    assert error.value.code == "pg_tool_missing"
    assert "install the PostgreSQL client tools" in error.value.message


def test_backup_refuses_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(BackupError) as error:
        database_backup(path=tmp_path / "no" / "such" / "dir" / "b")
    assert error.value.code == "backup_dir_missing"


@pytest.mark.django_db
def test_a_migrate_that_applied_something_refreshes_the_planner_statistics() -> None:
    from django.core.management.sql import emit_post_migrate_signal

    for key in ("a", "b", "c"):
        TeamFactory(key=f"stats-{key}")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE django_migrations")  # makes sure sqlite_stat1 exists
            cursor.execute("DELETE FROM sqlite_stat1")
            query = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'accounts_team'"
        else:
            query = "SELECT reltuples FROM pg_class WHERE relname = 'accounts_team'"
            empty_analysed = (
                "SELECT pg_stat_clear_snapshot(), (SELECT last_analyze FROM pg_stat_user_tables"
                " WHERE relname = 'portal_casefollowup')"
            )
            cursor.execute(empty_analysed)
            empty_before = cursor.fetchone()[1]
        cursor.execute(query)
        before = cursor.fetchone()[0]
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default", plan=[])
        cursor.execute(query)
        assert cursor.fetchone()[0] == before, "nothing applied: no ANALYZE"
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default", plan=[(object(), False)])
        cursor.execute(query)
        after = cursor.fetchone()[0]
        # An empty table is left unanalysed: on PostgreSQL "analysed, 0 rows" would make the
        # planner take it for a one-row table however much it holds later.
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'portal_casefollowup'")
            assert cursor.fetchone()[0] == 0
        else:
            cursor.execute(empty_analysed)
            assert cursor.fetchone()[1] == empty_before
    assert after != before and after > 0
