"""The worker as a real process: SIGKILL mid-work loses and repeats nothing; parallel workers on
PostgreSQL never handle the same deadline twice."""

from __future__ import annotations

import json
import signal
import time

import pytest

from unstuck.core.testing import isolated_environment, postgres_in_use, unstuck, unstuck_popen

pytestmark = pytest.mark.slow

PROCESS = """\
key: kill-test
calendar: always
promise: 1h
terminal: [done]
steps:
  - {key: working, max_dwell: 1m}
  - {key: broken, interruption: true}
"""

SEED = """
from datetime import UTC, datetime, timedelta
from unstuck.tracking.services import event_ingest_batch
start = datetime.now(UTC) - timedelta(days=1)
events = [
    {{"process": "kill-test", "item": f"K{{i}}", "step": "broken" if i % 5 == 0 else "working",
      "at": (start + timedelta(seconds=i)).isoformat()}}
    for i in range({count})
]
for n in range(0, len(events), 5000):
    event_ingest_batch(events=events[n:n + 5000])
"""

COUNT = """
import json
from django.db.models import Count
from unstuck.stalls.models import Stall
from unstuck.tracking.models import Item
per_item = Stall.objects.values("item_id", "rule").annotate(n=Count("id"))
print(json.dumps({
    "stalls": Stall.objects.count(),
    "repeated": sum(1 for row in per_item if row["n"] > 1),
    "due": Item.objects.filter(next_deadline__isnull=False).count(),
}))
"""


def stall_count(env: dict[str, str]) -> int:
    """Read straight from the child's database: polling through `unstuck shell` would be too slow."""
    if "DATABASE_URL" in env:
        import psycopg

        with psycopg.connect(env["DATABASE_URL"]) as conn:
            row = conn.execute("SELECT COUNT(*) FROM stalls_stall").fetchone()
            assert row is not None
            return int(row[0])
    import sqlite3

    with sqlite3.connect(f"{env['UNSTUCK_DATA_DIR']}/unstuck.sqlite3", timeout=30) as conn:
        return conn.execute("SELECT COUNT(*) FROM stalls_stall").fetchone()[0]


def counts(env: dict[str, str]) -> dict[str, int]:
    return json.loads(unstuck(env, "shell", "-c", COUNT).stdout.strip().splitlines()[-1])


def prepare(env: dict[str, str], tmp_path, items: int) -> None:
    unstuck(env, "migrate", "-v", "0")
    process_file = tmp_path / "kill.yaml"
    process_file.write_text(PROCESS, encoding="utf-8")
    unstuck(env, "process", "load", str(process_file))
    unstuck(env, "shell", "-c", SEED.format(count=items))


def test_sigkill_mid_work_loses_nothing_and_repeats_nothing(tmp_path):
    items = 20_000  # each item has two stalls: its dwell or interruption, and its missed promise
    with isolated_environment(tmp_path) as env:
        prepare(env, tmp_path, items)
        env["UNSTUCK_WORKER_BATCH"] = "20"  # small transactions, so the kill lands between and inside them
        env["UNSTUCK_WORKER_JOBS"] = "stall_deadlines_job"  # cases have their own SIGKILL test
        worker = unstuck_popen(env, "worker")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and stall_count(env) == 0:
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        partial = counts(env)
        assert 0 < partial["stalls"] < 2 * items, "the kill should land mid-work"
        again = unstuck(env, "worker", "--once")
        final = counts(env)
        assert final["due"] == 0, again.stdout + again.stderr
        assert final == {"stalls": 2 * items, "repeated": 0, "due": 0}


@pytest.mark.skipif(not postgres_in_use(), reason="several workers coordinate through PostgreSQL row locks")
def test_parallel_workers_never_process_the_same_deadline_twice(tmp_path):
    items = 6000
    with isolated_environment(tmp_path) as env:
        prepare(env, tmp_path, items)
        env["UNSTUCK_WORKER_BATCH"] = "50"
        # Only the deadline job, so each worker's count is the deadlines it claimed.
        workers = [unstuck_popen(env, "worker", "--once", "--jobs", "stall_deadlines_job") for _ in range(3)]
        outputs = [w.communicate(timeout=300)[0] for w in workers]
        assert all(w.returncode == 0 for w in workers), outputs
        handled = [int(out.strip().splitlines()[-1].split(":")[1]) for out in outputs]
        # Both deadlines of every item are past, so one claim handles each item; overlapping claims
        # by two workers would count it twice.
        assert sum(handled) == items, handled
        assert sum(1 for h in handled if h > 0) >= 2, "the work should have been shared"
        assert counts(env) == {"stalls": 2 * items, "repeated": 0, "due": 0}
