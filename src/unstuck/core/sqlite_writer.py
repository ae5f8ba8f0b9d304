"""Writers take turns on SQLite, queued in the operating system instead of in SQLite's busy handler.

SQLite lets one transaction write at a time; the others wait in its busy handler, which sleeps and
retries (every 100 ms once it has waited a while). Under a few concurrent writers that is a lottery:
a request can lose the race again and again while the others (above all the worker, which starts its
next transaction within a millisecond of the last) write, which showed as a 28.5 s p99 for 4 clients
posting 1,000-event batches beside the worker.

So an event batch first takes the *writer turn*: a lock of its process (its server's other threads
queue behind it) and an exclusive `flock` on a file beside the database (other processes' batches
queue behind it; the kernel wakes the next waiter the moment it is released, and releases it if the
holder dies). The worker passes through the same turnstile before each job without holding it, so
while a batch waits for the database the worker finishes the one transaction it is in and then lets
the batch go first. PostgreSQL needs none of this (row locks): both are no-ops there.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from django.db import connection

_THREADS = threading.Lock()
_files: dict[str, IO[bytes]] = {}


def _turn_file() -> IO[bytes] | None:
    """The open lock file beside this process's SQLite database (None on other databases)."""
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        return None
    handle = _files.get(name)
    if handle is None:
        descriptor = os.open(f"{name}.writer-turn", os.O_RDWR | os.O_CREAT, 0o600)
        handle = _files[name] = os.fdopen(descriptor, "r+b")
    return handle


@contextmanager
def sqlite_writer_turn() -> Iterator[None]:
    """Wait for the turn to write and hold it for the block (SQLite only)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield  # nested in a caller's transaction: that caller already holds the database lock
        return
    with _THREADS:
        handle = _turn_file()
        if handle is None:
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sqlite_writer_turnstile() -> None:
    """Let a batch that is waiting for (or holding) the writer turn go first (SQLite only)."""
    with _THREADS:
        handle = _turn_file()
        if handle is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
            fcntl.flock(handle, fcntl.LOCK_UN)
