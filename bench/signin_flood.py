"""API latency while clients flood the sign-in page with wrong passwords, with and without the
per-address limit (docs/security.md): p50 / p95 of `GET /api/v1/me`, and how the flood was answered.

Each failed sign-in costs a password hash (Django's PBKDF2, about a second of CPU); the per-address
limit refuses further attempts with 429 before hashing, so the flood stops costing CPU. The server is
a real `unstuck serve` (waitress) in its own process on a throwaway SQLite database.

    python bench/signin_flood.py [--clients 8] [--seconds 15] [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _env import bench_database, django_setup, percentile, served


def api_latency(base: str, token: str, count: int) -> list[float]:
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    timings = []
    for _ in range(count):
        began = time.perf_counter()
        session.get(f"{base}/api/v1/me", headers=headers, timeout=60).raise_for_status()
        timings.append(time.perf_counter() - began)
        time.sleep(0.02)
    return timings


def flood(base: str, stop: threading.Event, answers: Counter[int], number: int) -> None:
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=60).text
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None
    form = {"csrfmiddlewaretoken": found.group(1), "password": "wrong"}
    attempt = 0
    while not stop.is_set():
        attempt += 1
        form["username"] = f"guess{number}-{attempt}"
        response = session.post(f"{base}/login/", data=form, headers={"Referer": base + "/"}, timeout=120)
        answers[response.status_code] += 1


def phase(
    base: str, token: str, clients: int, seconds: float, count: int
) -> tuple[list[float], Counter[int]]:
    stop = threading.Event()
    answers: Counter[int] = Counter()
    threads = [threading.Thread(target=flood, args=(base, stop, answers, n)) for n in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(seconds / 3)  # let the flood build up
    timings = api_latency(base, token, count)
    stop.set()
    for thread in threads:
        thread.join()
    return timings, answers


def run(clients: int, seconds: float, count: int) -> None:
    with bench_database("sqlite") as db_env:
        django_setup(db_env)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from unstuck.accounts.services import api_token_create, user_ensure

        _, token = api_token_create(user=user_ensure(username="reader"))
        from django.db import connections

        connections.close_all()
        ms = 1000.0
        for label, limit in (("no per-address limit", "0"), ("per-address limit 20", "20")):
            env = {
                **os.environ,
                **db_env,
                "UNSTUCK_LOG_LEVEL": "ERROR",
                "UNSTUCK_SIGNIN_ADDRESS_FAILURES": limit,
            }
            with served(env, "--threads", "8") as base:
                quiet = api_latency(base, token, count)
                busy, answers = phase(base, token, clients, seconds, count)
                print(
                    f"{label}: GET /api/v1/me p50 / p95 quiet {statistics.median(quiet) * ms:.1f} / "
                    f"{percentile(quiet, 0.95) * ms:.1f} ms, with {clients} clients failing sign-ins "
                    f"{statistics.median(busy) * ms:.1f} / {percentile(busy, 0.95) * ms:.1f} ms; "
                    f"sign-in answers {dict(sorted(answers.items()))}",
                    flush=True,
                )
            with connections["default"].cursor() as cursor:
                cursor.execute("DELETE FROM desk_loginfailure")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    run(args.clients, args.seconds, args.requests)


if __name__ == "__main__":
    main()
