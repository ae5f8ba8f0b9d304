"""When the database cannot answer: locked past its timeout, its disk full, its server unreachable.

Such a failure is not a bug of ours and not the client's fault: the API answers 503
`database_unavailable` with `Retry-After` (see `core.api_errors`), the pages a plain 503 (see
`core.middleware`), and `/api/v1/health` reports it (`database_check`). Every other database error
stays a 500: it is a bug to fix, not weather to wait out.
"""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, connections

#: SQLite primary result codes (https://sqlite.org/rescode.html) that mean "not now", by reason.
_SQLITE_REASONS = {5: "locked", 6: "locked", 10: "io_error", 13: "disk_full", 14: "unreachable"}
#: PostgreSQL SQLSTATEs (or their two-character class) that mean "not now", by reason.
_POSTGRES_REASONS = {
    "08": "unreachable",  # connection exception
    "53100": "disk_full",
    "53": "overloaded",  # insufficient resources: memory, too many connections
    "57P01": "unreachable",  # admin shutdown
    "57P02": "unreachable",  # crash shutdown
    "57P03": "unreachable",  # cannot connect now (starting up)
    "55P03": "locked",  # lock_timeout
    "57014": "locked",  # statement_timeout
    "40P01": "locked",  # deadlock: the other transaction went on, this one may simply retry
}
#: How long a client should wait before trying again, by reason (seconds).
RETRY_AFTER = {
    "failing": 30,
    "locked": 5,
    "overloaded": 10,
    "unreachable": 10,
    "io_error": 60,
    "disk_full": 60,
}
#: An SQLite database whose disk has less room than this is reported full by the health check.
DISK_FULL_BYTES = 16 * 1024 * 1024
#: How long the health check waits for SQLite's write lock before calling the database locked.
HEALTH_LOCK_WAIT_MS = 1000
#: A request that met database trouble keeps `/health` failing this long (seconds).
REMEMBERED_FOR = 30.0


@dataclass(frozen=True)
class DatabaseTrouble:
    """Why the database cannot answer now (`locked`, `disk_full`, `io_error`, `unreachable`,
    `overloaded`; `failing` for any other error of the health check's own queries) and how many
    seconds a client should wait before trying again."""

    reason: str

    @property
    def retry_after(self) -> int:
        return RETRY_AFTER[self.reason]


def _reason(error: BaseException) -> str | None:
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return _SQLITE_REASONS.get(code & 0xFF) if isinstance(code, int) else None
    if type(error).__module__.split(".")[0] == "psycopg":
        state = getattr(error, "sqlstate", None)
        if state is None:
            # No SQLSTATE: libpq failed before the server said anything (refused, timed out, closed).
            return "unreachable" if type(error).__name__ in {"OperationalError", "InterfaceError"} else None
        return _POSTGRES_REASONS.get(state) or _POSTGRES_REASONS.get(state[:2])
    if isinstance(error, InterfaceError):  # Django's "connection already closed"
        return "unreachable"
    return None


def trouble_of(error: BaseException) -> DatabaseTrouble | None:
    """The trouble `error` (or the driver error it wraps) reports, else None (a real bug: a 500)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        reason = _reason(current)
        if reason is not None:
            return DatabaseTrouble(reason)
        current = current.__cause__ or current.__context__
    return None


def database_trouble(error: BaseException) -> DatabaseTrouble | None:
    """`trouble_of(error)`, remembered for `/health` when a request is about to answer 503 with it."""
    trouble = trouble_of(error)
    if trouble is not None:
        _remember(trouble.reason)
    return trouble


_last_seen: dict[str, float] = {}
_last_seen_lock = threading.Lock()


def _remember(reason: str) -> None:
    with _last_seen_lock:
        _last_seen[reason] = time.monotonic()


def _recent_trouble() -> DatabaseTrouble | None:
    now = time.monotonic()
    with _last_seen_lock:
        recent = [(at, reason) for reason, at in _last_seen.items() if now - at < REMEMBERED_FOR]
    return DatabaseTrouble(max(recent)[1]) if recent else None


def forget_trouble() -> None:
    """Forget the trouble requests met (tests start from a healthy process)."""
    with _last_seen_lock:
        _last_seen.clear()


def database_check(*, using: str = DEFAULT_DB_ALIAS) -> DatabaseTrouble | None:
    """Whether the database can serve requests now, for `/api/v1/health`: it answers a real read; on
    SQLite the write lock can be had within HEALTH_LOCK_WAIT_MS and the disk has room; and no request
    of this process met database trouble in the last REMEMBERED_FOR seconds."""
    connection = connections[using]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM django_migrations")
        if connection.vendor == "sqlite" and not connection.in_atomic_block:
            with sqlite_lock_wait(HEALTH_LOCK_WAIT_MS, using=using), connection.cursor() as cursor:
                cursor.execute("BEGIN IMMEDIATE")
                cursor.execute("ROLLBACK")
    except DatabaseError as error:
        # Anything else (say, a database never migrated) is not a passing health check either.
        return trouble_of(error) or DatabaseTrouble("failing")
    if connection.vendor == "sqlite":
        folder = Path(str(connection.settings_dict["NAME"])).parent
        if folder.is_dir() and shutil.disk_usage(folder).free < DISK_FULL_BYTES:
            return DatabaseTrouble("disk_full")
    return _recent_trouble()


class sqlite_lock_wait:
    """Within the block, the SQLite connection waits at most `milliseconds` for a lock (busy_timeout),
    then fails with "database is locked"; afterwards it waits as configured again."""

    def __init__(self, milliseconds: int, *, using: str = DEFAULT_DB_ALIAS) -> None:
        self.milliseconds = milliseconds
        self.connection = connections[using]
        self.previous: int | None = None

    def __enter__(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            self.previous = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA busy_timeout = {int(self.milliseconds)}")

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None and self.connection.connection is not None:
            with self.connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {self.previous}")


def write_without_waiting(write: Callable[[], object], *, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Run a bookkeeping `write` only if the database lets it write right now; False when skipped.

    For writes nobody waits for (a token's last-used time): on SQLite, where one writer locks the
    whole database, the write is skipped instead of queueing behind another writer for up to the
    busy timeout. Inside a transaction (which may hold the lock already) and on PostgreSQL (row
    locks: only another writer of the same row could make it wait) it simply runs.
    """
    connection = connections[using]
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        write()
        return True
    try:
        with sqlite_lock_wait(0, using=using):
            write()
    except DatabaseError as error:
        if trouble_of(error) != DatabaseTrouble("locked"):
            raise
        return False
    return True
