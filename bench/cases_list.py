"""Listing open cases by team through the HTTP API with 1,000,000 cases stored: p50 / p99.

Target: p99 <= 100 ms on SQLite and PostgreSQL. The data comes from `case_data.cases_generate`
(20 teams, ~15% open); the server is a real `unstuck serve` (waitress) in its own process, and
each request carries one team's agent token, like an agent's queue: the first page and then
keyset pages following `next`.

    python bench/cases_list.py [--engine sqlite|postgresql] [--cases 1000000] [--rounds 20] [--pages 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _env import bench_database, django_setup

OPEN = "new,in_progress,waiting_customer,waiting_internal"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(engine: str, cases: int, rounds: int, pages: int, limit: int) -> None:
    with bench_database(engine) as db_env:
        django_setup(db_env)
        from case_data import cases_generate
        from unstuck.accounts.models import ApiToken
        from unstuck.accounts.services import api_token_create, user_ensure

        started = time.perf_counter()
        world = cases_generate(cases=cases)
        print(f"{engine}: generated {cases:,} cases in {time.perf_counter() - started:.0f}s", flush=True)
        teams = world.teams[:5]
        tokens = {
            team: api_token_create(user=user_ensure(username=world.agents[team][0]))[1] for team in teams
        }
        assert ApiToken.objects.count() == len(teams)
        from django.db import connections

        connections.close_all()
        env = {**os.environ, **db_env, "UNSTUCK_LOG_LEVEL": "WARNING"}
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "unstuck", "serve", "--port", str(port), "--no-migrate"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}/api/v1"
            for _ in range(150):
                try:
                    if requests.get(f"{base}/health", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    time.sleep(0.2)
            session = requests.Session()
            first_pages: list[float] = []
            later_pages: list[float] = []
            rows = 0

            def fetch(team: str, after: str | None) -> tuple[float, str | None]:
                nonlocal rows
                params = {"team": team, "status": OPEN, "limit": str(limit)}
                if after:
                    params["after"] = after
                headers = {"Authorization": f"Bearer {tokens[team]}"}
                began = time.perf_counter()
                response = session.get(f"{base}/cases", params=params, headers=headers, timeout=60)
                elapsed = time.perf_counter() - began
                response.raise_for_status()
                body = response.json()
                assert all(item["team"] == team for item in body["items"])
                rows += len(body["items"])
                return elapsed, body["next"]

            for team in teams:  # warm-up (not counted): imports, caches, connections
                fetch(team, None)
            for _ in range(rounds):
                for team in teams:
                    elapsed, cursor = fetch(team, None)
                    first_pages.append(elapsed)
                    for _page in range(pages - 1):
                        if cursor is None:
                            break
                        elapsed, cursor = fetch(team, cursor)
                        later_pages.append(elapsed)
            every = first_pages + later_pages
            ms = 1000.0
            print(
                f"{engine}: {cases:,} cases stored, open cases of one team, pages of {limit}: "
                f"{len(every)} requests ({rows:,} rows)\n"
                f"  first page   p50 {statistics.median(first_pages) * ms:6.1f} ms   "
                f"p99 {percentile(first_pages, 0.99) * ms:6.1f} ms\n"
                f"  keyset pages p50 {statistics.median(later_pages) * ms:6.1f} ms   "
                f"p99 {percentile(later_pages, 0.99) * ms:6.1f} ms\n"
                f"  all          p50 {statistics.median(every) * ms:6.1f} ms   "
                f"p99 {percentile(every, 0.99) * ms:6.1f} ms   (target p99 <= 100 ms)",
                flush=True,
            )
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--limit", type=int, default=50)
    args = parser.parse_args()
    run(args.engine, args.cases, args.rounds, args.pages, args.limit)


if __name__ == "__main__":
    main()
