"""Facts about the live database and bringing its schema up to date (used by serve, backup, restore)."""

from __future__ import annotations

from io import TextIOBase

from django.apps import apps
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

#: Tables that `migrate` fills by itself: rows there do not make a database "hold data".
MIGRATION_FILLED_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission"})

# Any fixed 64-bit number: all Unstuck processes that migrate a PostgreSQL database take this lock.
_MIGRATE_LOCK_KEY = 0x756E737475636B  # "unstuck"


def reference_data_tables() -> set[str]:
    """Tables apps fill from their migrations (e.g. a data migration with reference data).

    An app declares them as `reference_data_tables = ("app_table", ...)` on its AppConfig; they
    do not count as data when deciding whether a database may be overwritten by a restore.
    """
    tables: set[str] = set()
    for config in apps.get_app_configs():
        tables.update(getattr(config, "reference_data_tables", ()))
    return tables


def tables_with_rows(*, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Existing tables holding at least one row of real data (migration bookkeeping excluded), sorted.

    A freshly migrated database has none; one with any user, team, item, process ... has some.
    Each table costs one `SELECT 1 ... LIMIT 1`, so this is quick on large databases too.
    """
    connection = connections[using]
    ignored = MIGRATION_FILLED_TABLES | reference_data_tables()
    found = []
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table in ignored or table.startswith("sqlite_"):  # SQLite's own (planner statistics)
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
            if cursor.fetchone() is not None:
                found.append(table)
    return found


def pending_migrations(*, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Migrations known to this code but not applied to the database, as `app.name`."""
    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


_analyzed_plan: object = None


def statistics_refresh(*, plan: list[object] | None, using: str = DEFAULT_DB_ALIAS, **_: object) -> None:
    """After `migrate` applied something, refresh the planner's statistics (post_migrate).

    SQLite rebuilds a table to add most columns and forgets that table's statistics with the old
    copy: at 1,000,000 cases the planner then guessed its way to plans ten times slower (the
    brief took 2 s instead of 0.2 s). PostgreSQL keeps them, but a fresh ANALYZE costs it little.

    Only tables that hold rows are analysed. An empty table analysed on PostgreSQL is recorded as
    holding no rows, and the planner then takes it for a one-row table however much it grows until
    autovacuum analyses it again (never, for rows written in transactions that roll back, as
    tests do): nested loops over sequential scans, tens of seconds for a join of a few thousand rows.
    Never analysed, it estimates rows from the table's size instead.
    """
    global _analyzed_plan
    if not plan or plan is _analyzed_plan:  # one migrate sends the same plan to every app
        return
    _analyzed_plan = plan
    connection = connections[using]
    filled = [connection.ops.quote_name(table) for table in tables_with_rows(using=using)]
    if not filled:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(filled)}")
        else:
            for table in filled:
                cursor.execute(f"ANALYZE {table}")


def migrate_pending(*, stdout: TextIOBase, using: str = DEFAULT_DB_ALIAS) -> int:
    """Apply pending migrations, if any; returns how many ran.

    On PostgreSQL an advisory lock makes web servers and workers started together on several
    machines take turns, so exactly one of them migrates and the others find nothing to do.
    """
    connection = connections[using]
    if not pending_migrations(using=using):
        return 0
    locked = connection.vendor == "postgresql"
    if locked:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_MIGRATE_LOCK_KEY])
    try:
        pending = pending_migrations(using=using)
        if pending:
            call_command("migrate", database=using, interactive=False, verbosity=1, stdout=stdout)
        return len(pending)
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_MIGRATE_LOCK_KEY])
