"""Benchmarks run against a database of their own: a temp SQLite file, or a fresh PostgreSQL database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlparse


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@contextmanager
def served(env: dict[str, str], *serve_args: str) -> Iterator[str]:
    """A real `unstuck serve` in its own process on a free loopback port; yields its base URL once
    /api/v1/health answers, and stops it afterwards."""
    import requests

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "unstuck", "serve", "--port", str(port), "--no-migrate", *serve_args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if requests.get(f"{base}/api/v1/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


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


def scaling_main(
    script: str,
    doc: str,
    measure: Callable[[int, int, int], list[float]],
    *,
    sizes: list[int],
    unit: str,
    target: float | None = None,
) -> None:
    """The command line of a "does a pass stay flat as the backlog grows" benchmark.

    `measure(total, batch, rounds)` runs inside a child process with its own fresh database of the
    chosen engine and returns the pass timings in seconds; each size gets its own child, so one
    size's caches never flatter the next. Prints the median pass per size and the largest/smallest
    ratio (against `target` when given).
    """
    import argparse
    import statistics
    import subprocess
    import sys
    import time

    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--sizes", type=int, nargs="+", default=sizes)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        engine, total, batch, rounds = args.child
        with bench_database(engine) as env:
            django_setup(env)
            print(f"{statistics.median(measure(int(total), int(batch), int(rounds))) * 1000:.2f}")
        return
    results: dict[int, float] = {}
    for total in args.sizes:
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, script, "--child", args.engine, str(total), str(args.batch), str(args.rounds)],
            capture_output=True,
            text=True,
            check=True,
        )
        results[total] = float(out.stdout.strip().splitlines()[-1])
        rate = args.batch / (results[total] / 1000)
        print(
            f"{args.engine}: {total:>9,} {unit} -> median pass of {args.batch} due: {results[total]:.1f} ms "
            f"= {rate:,.0f}/s ({time.perf_counter() - started:.0f}s incl. setup)",
            flush=True,
        )
    smallest, largest = min(results), max(results)
    ratio = results[largest] / results[smallest]
    goal = f" (target <= {target}x)" if target else ""
    print(f"{args.engine}: ratio {largest:,} vs {smallest:,} {unit} = {ratio:.2f}x{goal}")
