"""Consistent backups of the live database, and restoring one into an empty (or `force`d) database.

SQLite: SQLite's online backup API, which copies one consistent snapshot while the server keeps
writing (WAL), into a single self-contained file. PostgreSQL: `pg_dump --format=custom` (one
repeatable-read snapshot) and `pg_restore` in a single transaction, so a failed restore changes
nothing. A backup is restored only into the same kind of database it came from.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from unstuck.core.database import pending_migrations, tables_with_rows
from unstuck.core.errors import DomainError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_CUSTOM_MAGIC = b"PGDMP"


class BackupError(DomainError):
    """A backup or restore could not be done; the message says why and what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, status=400)


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did: the kind of database, and migrations the restored data still needs."""

    vendor: str
    pending_migrations: list[str]


def _vendor(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError("unsupported_database", f"Backups support SQLite and PostgreSQL, not {vendor}.")
    return vendor


def database_backup(*, path: Path, using: str = DEFAULT_DB_ALIAS) -> Path:
    """Write a consistent backup of the live database to `path` (replaced atomically if it exists)."""
    path = Path(path).expanduser().resolve()
    if path.is_dir():
        raise BackupError("backup_path_is_directory", f"{path} is a directory; give a file name.")
    if not path.parent.is_dir():
        raise BackupError("backup_dir_missing", f"The directory {path.parent} does not exist.")
    # Written next to the target, then renamed: an interrupted backup never looks like a finished one.
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        # Readable by its owner only, from the first byte: it holds personal data and password hashes.
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        os.chmod(partial, 0o600)  # O_CREAT's mode does not apply to a leftover file of the same name
        if _vendor(using) == "sqlite":
            _sqlite_backup(using, partial)
        else:
            _pg_dump(using, partial)
        os.chmod(partial, 0o600)  # in case a tool wrote a new file in place of ours
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def backup_format(path: Path) -> str:
    """`sqlite` or `postgresql` (pg_dump custom format), from the file's first bytes."""
    if path.is_dir():
        raise BackupError(
            "unknown_backup_format", f"{path} is a directory; Unstuck backups are single files."
        )
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except FileNotFoundError:
        raise BackupError("backup_not_found", f"No backup file at {path}.") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_CUSTOM_MAGIC):
        return "postgresql"
    if b"PostgreSQL database dump" in head:
        raise BackupError(
            "unknown_backup_format",
            f"{path} is a plain-SQL pg_dump; restore it with psql, or make a backup "
            "with `unstuck backup` (custom format).",
        )
    raise BackupError(
        "unknown_backup_format", f"{path} is not an Unstuck backup (neither SQLite nor pg_dump)."
    )


def database_restore(*, path: Path, force: bool = False, using: str = DEFAULT_DB_ALIAS) -> RestoreResult:
    """Replace the live database with the backup at `path`.

    Refuses (DomainError `database_not_empty`) when the database holds data, unless `force`; a
    freshly migrated database holds none (see core.database.tables_with_rows).
    """
    path = Path(path).expanduser().resolve()
    vendor = _vendor(using)
    found = backup_format(path)
    if found != vendor:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(
            "backup_format_mismatch",
            f"{path} is a {names[found]} backup but this Unstuck uses {names[vendor]}; "
            f"restore it with DATABASE_URL pointing to a {names[found]} database.",
        )
    if vendor == "sqlite":
        _sqlite_check(path)
    if not force:
        holding = tables_with_rows(using=using)
        if holding:
            shown = ", ".join(holding[:5]) + (", ..." if len(holding) > 5 else "")
            raise BackupError(
                "database_not_empty",
                f"The database already holds data (in {shown}); restoring would replace it. "
                "Use --force to overwrite it.",
            )
    # Our own connection must not hold locks or a stale schema while the data is swapped underneath.
    connections.close_all()
    if vendor == "sqlite":
        _sqlite_restore(using, path)
    else:
        _pg_restore(using, path)
    return RestoreResult(vendor=vendor, pending_migrations=pending_migrations(using=using))


# SQLite ---------------------------------------------------------------------------------------


def _sqlite_live_name(using: str, verb: str) -> str:
    name = str(connections[using].settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("in_memory_database", f"Cannot {verb} an in-memory SQLite database.")
    return name


def _sqlite_backup(using: str, target: Path) -> None:
    # A connection of our own, not Django's: Django's may be inside a transaction (even holding the
    # write lock), and a backup must copy committed data only. In WAL mode this reader never waits.
    source = sqlite3.connect(_sqlite_live_name(using, "back up"), timeout=30)
    destination = sqlite3.connect(target)
    try:
        # pages=-1 (the default): one step, i.e. one read transaction, i.e. one consistent snapshot.
        source.backup(destination)
        # The copy inherits WAL mode; a backup should be one self-contained file.
        destination.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.DatabaseError as error:
        raise BackupError("backup_failed", f"Backing up the SQLite database failed: {error}.") from None
    finally:
        destination.close()
        source.close()


def _sqlite_open_backup(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)


def _sqlite_check(path: Path) -> None:
    try:
        backup = _sqlite_open_backup(path)
        try:
            (status,) = backup.execute("PRAGMA quick_check").fetchone()
            has_migrations = backup.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
            ).fetchone()
        finally:
            backup.close()
    except sqlite3.DatabaseError as error:
        raise BackupError("backup_corrupt", f"{path} is not a readable SQLite database: {error}.") from None
    if status != "ok":
        raise BackupError("backup_corrupt", f"{path} failed SQLite's integrity check: {status}.")
    if not has_migrations:
        raise BackupError("unknown_backup_format", f"{path} is a SQLite database but not an Unstuck backup.")


def _sqlite_restore(using: str, path: Path) -> None:
    backup = _sqlite_open_backup(path)
    live = sqlite3.connect(_sqlite_live_name(using, "restore into"), timeout=30)
    try:
        # Writes through SQLite itself (not a file copy), so processes that have the database open
        # simply see the restored data on their next transaction.
        backup.backup(live)
    except sqlite3.DatabaseError as error:
        raise BackupError("restore_failed", f"Restoring {path} failed: {error}.") from None
    finally:
        live.close()
        backup.close()


# PostgreSQL -----------------------------------------------------------------------------------

#: Connection OPTIONS that libpq reads from the environment (dj-database-url puts query parameters there).
_LIBPQ_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
}


def _pg_environment(using: str) -> dict[str, str]:
    """libpq settings for pg_dump/pg_restore: in the environment, so the password never shows in `ps`."""
    settings_dict: dict[str, Any] = connections[using].settings_dict
    env = dict(os.environ)
    for key, variable in [
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ]:
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    for option, variable in _LIBPQ_ENV.items():
        value = (settings_dict.get("OPTIONS") or {}).get(option)
        if value is not None:
            env[variable] = str(value)
    env["PGDATABASE"] = str(settings_dict["NAME"])
    return env


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if found is None:
        raise BackupError(
            "pg_tool_missing",
            f"{name} was not found on PATH; install the PostgreSQL client tools "
            "(the server's major version or newer), e.g. `apt-get install postgresql-client`.",
        )
    return found


def _run_pg_tool(using: str, command: list[str], failure_code: str) -> None:
    result = subprocess.run(command, env=_pg_environment(using), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        detail = " / ".join(lines[:3]) or f"exit status {result.returncode}"
        raise BackupError(failure_code, f"{Path(command[0]).name} failed: {detail}")


def _pg_dump(using: str, target: Path) -> None:
    database = str(connections[using].settings_dict["NAME"])
    command = [_pg_tool("pg_dump"), "--format=custom", "--no-password", f"--file={target}", database]
    _run_pg_tool(using, command, "backup_failed")


def _pg_restore(using: str, path: Path) -> None:
    database = str(connections[using].settings_dict["NAME"])
    command = [
        _pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        # Grants name roles of the source server, which the target server may not have.
        "--no-privileges",
        # All or nothing: a failed restore leaves the database as it was.
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        f"--dbname={database}",
        str(path),
    ]
    _run_pg_tool(using, command, "restore_failed")
