"""One writer at a time on SQLite, queued in the process instead of in SQLite's busy handler.

SQLite lets one transaction write at a time; the others wait in its busy handler, which sleeps and
retries (every 100 ms once it has waited a while). Under a few concurrent batches that is a lottery: a
request can lose the race again and again while others write, which showed as a 28.5 s p99 for 4
clients posting 1,000-event batches beside the worker. Threads of one server process (waitress) take
their turn here first, so at most one of them contends with the worker for the database lock and
each is woken the moment the previous one is done. PostgreSQL needs none of this (row locks).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

_TURN = threading.Lock()


@contextmanager
def sqlite_writer_turn() -> Iterator[None]:
    """Wait for this process's turn to write (SQLite only; a no-op on other databases)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield  # nested in a caller's transaction: that caller already holds the database lock
        return
    with _TURN:
        yield
