"""Benchmarks run against a database of their own: a temp SQLite file, or a fresh PostgreSQL database."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse


@contextmanager
def bench_database(engine: str) -> Iterator[dict[str, str]]:
    """Yield environment variables (UNSTUCK_DATA_DIR, DATABASE_URL) for a throwaway database."""
    with tempfile.TemporaryDirectory(prefix="unstuck-bench-") as data_dir:
        env = {"UNSTUCK_DATA_DIR": data_dir}
        if engine == "sqlite":
            yield env
            return
        import psycopg

        server = os.environ.get("UNSTUCK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        parsed = urlparse(server)
        name = f"unstuck_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = parsed._replace(path=f"/{name}").geturl()
        try:
            yield env
        finally:
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django_setup(env: dict[str, str]) -> None:
    """Point Django at the bench database, migrate it quietly."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unstuck.settings")
    os.environ.setdefault("UNSTUCK_LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
