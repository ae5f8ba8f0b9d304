"""Helpers for tests that run the real `unstuck` command in a child process against its own database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings


def postgres_in_use() -> bool:
    engine: str = settings.DATABASES["default"]["ENGINE"]
    return engine == "django.db.backends.postgresql"


@contextmanager
def isolated_environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for child `unstuck` processes with a database of their own, on the suite's engine.

    SQLite: a file in `tmp_path`. PostgreSQL: a fresh database on the same server, dropped afterwards.
    """
    env = dict(os.environ)
    env["UNSTUCK_DATA_DIR"] = str(tmp_path / "data")
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("DATABASE_URL", None)
    if not postgres_in_use():
        yield env
        return
    import psycopg

    db = settings.DATABASES["default"]
    name = f"unstuck_e2e_{uuid.uuid4().hex[:10]}"
    admin = dict(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname="postgres")
    if db.get("PASSWORD"):
        admin["password"] = db["PASSWORD"]
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env["DATABASE_URL"] = f"postgresql://{db['USER']}{password}@{admin['host']}:{admin['port']}/{name}"
    try:
        yield env
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def unstuck(
    env: dict[str, str], *args: str, timeout: float = 300, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `unstuck ARGS` in a child process and return its output."""
    result = subprocess.run(
        [sys.executable, "-m", "unstuck", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"unstuck {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


def unstuck_popen(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "unstuck", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
