"""Ingest throughput through the HTTP API: batches of 1,000 events to a real `unstuck serve`.

Target: >= 10,000 events/s on a 2-core machine, on SQLite and on PostgreSQL. The server runs in
its own process (waitress, as in production); the client posts over loopback with keep-alive.

    python bench/ingest_api.py [--engine sqlite|postgresql] [--events 200000] [--batch 1000] [--clients 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _env import bench_database

PROCESS = """\
key: bench-orders
name: 压测订单
calendar: cn-workdays
promise: 3d
terminal: [delivered, cancelled]
steps:
  - {key: paid, max_dwell: 4h, team: warehouse}
  - {key: picking, max_dwell: 8h, team: warehouse}
  - {key: shipped, max_dwell: 2d, team: carrier}
  - {key: awaiting_confirmation, max_dwell: 1d, confirmation: {by: customer, remind_after: [2h, 6h]}}
  - {key: failed, interruption: true}
"""
STEPS = ["paid", "picking", "shipped", "awaiting_confirmation", "delivered"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_batches(total: int, batch: int) -> list[bytes]:
    """Orders moving through the steps: ~5 events per item, items interleaved like a live feed."""
    rng = random.Random(42)
    start = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    events = []
    item = 0
    while len(events) < total:
        at = start + timedelta(minutes=rng.randint(0, 60 * 24 * 20))
        for step in STEPS[: rng.randint(1, len(STEPS))]:
            events.append(
                {
                    "process": "bench-orders",
                    "item": f"SO{item:08d}",
                    "step": step,
                    "at": at.isoformat(),
                    "attrs": {
                        "warehouse": rng.choice(["上海仓", "广州仓", "成都仓"]),
                        "value": rng.randint(50, 5000),
                    },
                    "customer": {"id": f"C{item % 50_000:06d}", "name": "王女士", "channel": "sms"},
                }
            )
            at += timedelta(minutes=rng.randint(5, 600))
        item += 1
    events = events[:total]
    return [json.dumps({"events": events[i : i + batch]}).encode() for i in range(0, total, batch)]


def run(engine: str, total: int, batch: int, clients: int) -> None:
    with bench_database(engine) as db_env:
        env = {**os.environ, **db_env, "UNSTUCK_LOG_LEVEL": "WARNING"}
        unstuck = [sys.executable, "-m", "unstuck"]
        subprocess.run([*unstuck, "migrate", "-v", "0"], env=env, check=True)
        process_file = Path(db_env["UNSTUCK_DATA_DIR"]) / "bench.yaml"
        process_file.write_text(PROCESS, encoding="utf-8")
        subprocess.run(
            [*unstuck, "process", "load", str(process_file)], env=env, check=True, capture_output=True
        )
        token = (
            subprocess.run(
                [*unstuck, "token", "create", "--user", "bench", "--role", "admin"],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        port = free_port()
        server = subprocess.Popen(
            [*unstuck, "serve", "--port", str(port), "--no-migrate"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}/api/v1"
            for _ in range(100):
                try:
                    if requests.get(f"{base}/health", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    time.sleep(0.2)
            bodies = make_batches(total, batch)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            accepted = 0
            lock = threading.Lock()

            def client(part: list[bytes]) -> None:
                nonlocal accepted
                session = requests.Session()
                for body in part:
                    response = session.post(f"{base}/events", data=body, headers=headers, timeout=120)
                    response.raise_for_status()
                    with lock:
                        accepted += response.json()["accepted"]

            # Warm-up batch (not timed): imports, caches, the first connection.
            requests.post(f"{base}/events", data=bodies[0], headers=headers, timeout=120).raise_for_status()
            rest = bodies[1:]
            threads = [threading.Thread(target=client, args=(rest[i::clients],)) for i in range(clients)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            sent = sum(len(json.loads(b)["events"]) for b in rest)
            print(
                f"{engine}: {sent:,} events in batches of {batch:,} with {clients} client(s): "
                f"{elapsed:.1f}s = {sent / elapsed:,.0f} events/s (accepted {accepted:,}; target >= 10,000/s)"
            )
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=1)
    args = parser.parse_args()
    run(args.engine, args.events, args.batch, args.clients)


if __name__ == "__main__":
    main()
