"""Peak memory and throughput of `unstuck import` on a large generated CSV.

Target: peak RSS <= 300 MB for 1,000,000 events, the whole command including Django. The import
runs as a child process against a fresh database (temp SQLite file, or PostgreSQL with --engine);
its peak RSS comes from wait4(), i.e. the kernel's own high-water mark for that one process.

    python bench/import_memory.py                    # 1,000,000 events
    python bench/import_memory.py --events 100000    # a quick run
    python bench/import_memory.py --rerun            # also time the idempotent re-run (all duplicates)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _env import bench_database

PROCESS = """\
key: bench-import
name: 导入压测
calendar: always
promise: 5d
terminal: [delivered, cancelled]
steps:
  - {key: paid, max_dwell: 4h}
  - {key: picking, max_dwell: 8h}
  - {key: shipped, max_dwell: 2d}
  - {key: out_for_delivery, max_dwell: 1d}
  - {key: failed, interruption: true}
"""
# A delivery that fails once and is retried; an order takes the first 3-7 of these (5 on average).
FLOW = ["paid", "picking", "shipped", "out_for_delivery", "failed", "out_for_delivery", "delivered"]
CST = timezone(timedelta(hours=8))


def write_csv(path: Path, events: int, seed: int = 42) -> int:
    """Orders of 3-7 events each (5 on average), grouped by order as exports usually are; returns items."""
    rng = random.Random(seed)
    start = datetime(2026, 6, 1, 9, 0, tzinfo=CST)
    written = items = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["item", "step", "at", "org:resource", "channel", "amount"])
        while written < events:
            items += 1
            at = start + timedelta(minutes=rng.randint(0, 60 * 24 * 60))
            for step in FLOW[: min(rng.randint(3, 7), events - written)]:
                at += timedelta(minutes=rng.randint(5, 600))
                out.writerow(
                    [
                        f"SO{items:08d}",
                        step,
                        at.isoformat(),
                        f"user{rng.randint(1, 40)}",
                        "web",
                        rng.randint(10, 9999),
                    ]
                )
                written += 1
    return items


def _rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def run_measured(args: list[str], env: dict[str, str]) -> tuple[int, float, float, list[float], str, str]:
    """Run a child; return (exit code, wall s, peak RSS MB, RSS MB at each tenth of the run, stdout, stderr).

    The peak is the kernel's high-water mark from wait4(); the samples (Linux /proc, every 0.2 s)
    show whether memory grows with the rows read or stays flat.
    """
    started = time.perf_counter()
    samples: list[tuple[float, float]] = []
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(args, env=env, stdout=out, stderr=err)
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.2):
                rss = _rss_mb(child.pid)
                if rss is not None:
                    samples.append((time.perf_counter() - started, rss))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _pid, status, usage = os.wait4(child.pid, 0)
        done.set()
        sampler.join()
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        tenths = [max((rss for t, rss in samples if t <= wall * k / 10), default=0.0) for k in range(1, 11)]
        out.seek(0)
        err.seek(0)
        return (
            child.returncode,
            wall,
            usage.ru_maxrss / 1024,
            tenths,
            out.read().decode(),
            err.read().decode(),
        )


def unstuck(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "unstuck", *args], env=env, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rerun", action="store_true", help="import the same file a second time")
    options = parser.parse_args()

    with (
        bench_database(options.engine) as db_env,
        tempfile.TemporaryDirectory(prefix="unstuck-import-") as work,
    ):
        env = {**os.environ, **db_env, "UNSTUCK_LOG_LEVEL": "WARNING"}
        if options.engine == "sqlite":
            env.pop("DATABASE_URL", None)
        path = Path(work) / "events.csv"
        started = time.perf_counter()
        items = write_csv(path, options.events)
        print(
            f"generated {options.events:,} events / {items:,} items, {path.stat().st_size / 2**20:.0f} MB CSV"
            f" in {time.perf_counter() - started:.1f} s"
        )
        unstuck(env, "migrate", "-v0")
        process_file = Path(work) / "process.yaml"
        process_file.write_text(PROCESS, encoding="utf-8")
        unstuck(env, "process", "load", str(process_file))
        _, idle_wall, idle_rss, _, _, _ = run_measured([sys.executable, "-m", "unstuck", "check"], env)
        print(f"baseline (unstuck check): peak RSS {idle_rss:.0f} MB, {idle_wall:.1f} s")

        command = [
            sys.executable,
            "-m",
            "unstuck",
            "import",
            str(path),
            "--process",
            "bench-import",
            "--batch-size",
            str(options.batch_size),
            "--json",
            "--no-progress",
        ]
        for label in ["import", "re-run"] if options.rerun else ["import"]:
            code, wall, rss, tenths, out, err = run_measured(command, env)
            if code != 0:
                print(f"{label}: exit {code}\n{out[-2000:]}\n{err[-2000:]}")
                sys.exit(code)
            result = json.loads(out)
            print(
                f"{label} ({options.engine}): {result['rows']:,} rows, {result['accepted']:,} accepted,"
                f" {result['duplicates']:,} duplicates | peak RSS {rss:.0f} MB | {wall:.1f} s wall,"
                f" {result['seconds']:.1f} s in the importer | {result['rows'] / wall:,.0f} events/s"
            )
            print("  peak RSS so far at each tenth of the run (MB):", " ".join(f"{mb:.0f}" for mb in tenths))


if __name__ == "__main__":
    main()
