"""Ingest throughput through the HTTP API: batches of 1,000 events to a real `unstuck serve`.

Target: >= 10,000 events/s on a 2-core machine, on SQLite and on PostgreSQL. The server runs in
its own process (waitress, as in production); each client posts over loopback with keep-alive.

    python bench/ingest_api.py [--engine sqlite|postgresql] [--events 200000] [--batch 1000] [--clients 1]
    python bench/ingest_api.py --clients 4 --with-worker --events 40000   # load: p50/p99 of each POST
    python bench/ingest_api.py --feed new-items                           # worst feed: all new items

`--with-worker` runs `unstuck worker` beside the server while the clients post (as a small team's
embedded install does); the events then lie in the last days, so deadlines fall due and the worker
records stalls and opens cases while the clients write. `--feed new-items` makes every event a new
item with a new customer (the costliest rows ingest gets). Every run prints events/s and the
p50/p99/max latency of the timed POSTs.
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
from unstuck.core.worker import JOBS

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


def make_batches(total: int, batch: int, *, feed: str = "live", recent: bool = False) -> list[bytes]:
    """Orders moving through the steps: ~5 events per item, items interleaved like a live feed; or
    (`new-items`) every event a new item with a customer of its own. `recent` puts the items in the
    last four days (their deadlines then fall due for a worker running now), else in June 2026."""
    rng = random.Random(42)
    if recent:
        start, spread = datetime.now(UTC) - timedelta(days=4), 60 * 24 * 2
    else:
        start, spread = datetime(2026, 6, 1, 9, 0, tzinfo=UTC), 60 * 24 * 20
    if feed == "new-items":
        rows = [
            {
                "process": "bench-orders",
                "item": f"NI{number:09d}",
                "step": "paid",
                "at": (start + timedelta(minutes=rng.randint(0, spread))).isoformat(),
                "attrs": {
                    "warehouse": rng.choice(["上海仓", "广州仓", "成都仓"]),
                    "value": rng.randint(50, 5000),
                },
                "customer": {
                    "id": f"N{number:09d}",
                    "name": "王女士",
                    "phone": f"138{number % 10**8:08d}",
                    "email": f"c{number}@example.cn",
                    "channel": "sms",
                },
            }
            for number in range(total)
        ]
        return [json.dumps({"events": rows[i : i + batch]}).encode() for i in range(0, total, batch)]
    events = []
    item = 0
    while len(events) < total:
        at = start + timedelta(minutes=rng.randint(0, spread))
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


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM (it stops after its current round), then SIGKILL: a killed worker loses nothing."""
    worker.terminate()
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=15)


def worker_counts(unstuck: list[str], env: dict[str, str]) -> str:
    """What the worker got through: stalls recorded, cases opened (read after the run)."""
    code = (
        "from unstuck.stalls.models import Stall; from unstuck.cases.models import Case; "
        "print(f'{Stall.objects.count():,} stalls recorded, {Case.objects.count():,} cases opened')"
    )
    done = subprocess.run([*unstuck, "shell", "-c", code], env=env, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else done.stderr.strip()[-300:]


def run(
    engine: str, total: int, batch: int, clients: int, *, with_worker: bool = False, feed: str = "live"
) -> None:
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
        server_log = Path(db_env["UNSTUCK_DATA_DIR"]) / "serve.log"
        server = subprocess.Popen(
            [*unstuck, "serve", "--port", str(port), "--no-migrate"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=server_log.open("wb"),
        )
        worker: subprocess.Popen[bytes] | None = None
        try:
            base = f"http://127.0.0.1:{port}/api/v1"
            for _ in range(100):
                try:
                    if requests.get(f"{base}/health", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    time.sleep(0.2)
            bodies = make_batches(total, batch, feed=feed, recent=with_worker)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            accepted = 0
            latencies: list[float] = []
            failures: list[str] = []
            lock = threading.Lock()

            def client(part: list[bytes]) -> None:
                nonlocal accepted
                session = requests.Session()
                for body in part:
                    posted = time.perf_counter()
                    response = session.post(f"{base}/events", data=body, headers=headers, timeout=120)
                    took = time.perf_counter() - posted
                    with lock:
                        if not response.ok:  # counted and shown, never hidden in a thread's traceback
                            failures.append(
                                f"{response.status_code} after {took:.1f}s: {response.text[:200]}"
                            )
                            continue
                        accepted += response.json()["accepted"]
                        latencies.append(took)

            # Warm-up batch (not timed): imports, caches, the first connection.
            requests.post(f"{base}/events", data=bodies[0], headers=headers, timeout=120).raise_for_status()
            rest = bodies[1:]
            if with_worker:
                # Every job but the daily model retraining: on a fresh database it would spend the
                # whole run training (CPU, no writes) instead of recording stalls and opening cases.
                jobs = ",".join(
                    path.rsplit(".", 1)[1] for path in JOBS if not path.endswith(".prediction_retrain_job")
                )
                worker = subprocess.Popen(
                    [*unstuck, "worker", "--jobs", jobs],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            threads = [threading.Thread(target=client, args=(rest[i::clients],)) for i in range(clients)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
            if worker is not None:
                stop_worker(worker)
            sent = sum(len(json.loads(b)["events"]) for b in rest)
            load = f" + worker ({worker_counts(unstuck, env)})" if with_worker else ""
            p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
            print(
                f"{engine}: feed {feed}, {sent:,} events in batches of {batch:,}, {clients} client(s){load}: "
                f"{elapsed:.1f}s = {sent / elapsed:,.0f} events/s (accepted {accepted:,}; target >= 10,000/s)"
            )
            print(
                f"{engine}: POST latency over {len(latencies)} batches: p50 {p50:.2f}s, p99 {p99:.2f}s, "
                f"max {max(latencies):.2f}s (target p99 <= 2 s); {len(failures)} failed"
            )
            if failures:
                print("\n".join(failures[:5]), file=sys.stderr)
                print(server_log.read_text(encoding="utf-8", errors="replace")[-3000:], file=sys.stderr)
        finally:
            if worker is not None and worker.poll() is None:
                stop_worker(worker)
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
    parser.add_argument("--with-worker", action="store_true", help="run `unstuck worker` during the posts")
    parser.add_argument("--feed", choices=["live", "new-items"], default="live")
    args = parser.parse_args()
    run(args.engine, args.events, args.batch, args.clients, with_worker=args.with_worker, feed=args.feed)


if __name__ == "__main__":
    main()
