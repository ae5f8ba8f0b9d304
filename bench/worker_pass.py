"""How long a worker pass takes with 10,000 vs 1,000,000 open items (target: within 1.5x).

The pass must read only the index range of deadlines that fell due, so its cost should not grow
with the number of items waiting. Each run stores N open items of which the same number (the batch)
are due, then times passes that each claim and process one batch.

    python bench/worker_pass.py [--engine sqlite|postgresql] [--sizes 10000 1000000] [--batch 500]
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _env import scaling_main

PROCESS = """\
key: bench
calendar: always
terminal: [done]
steps:
  - key: working
    max_dwell: 1h
"""


def populate(total: int, due: int, now: datetime) -> None:
    from unstuck.processes.services import process_load
    from unstuck.tracking.models import Item

    process = process_load(source=PROCESS).process
    version_id = process.current_version_id
    chunk = 20_000
    for start in range(0, total, chunk):
        rows = []
        for i in range(start, min(start + chunk, total)):
            # The first `due` items fell due a minute ago; the rest are due within the coming days.
            since = (
                now - timedelta(hours=1, minutes=1)
                if i < due
                else now + timedelta(seconds=i) - timedelta(hours=1)
            )
            rows.append(
                Item(
                    process_id=process.pk,
                    version_id=version_id,
                    external_id=f"item-{i}",
                    current_step="working",
                    step_since=since,
                    started_at=since,
                    last_event_at=since,
                    last_event_id=i + 1,
                    event_count=1,
                    next_deadline=since + timedelta(hours=1),
                )
            )
        Item.objects.bulk_create(rows, batch_size=5000)


def measure(total: int, batch: int, rounds: int) -> list[float]:
    from django.db import connection

    from unstuck.stalls.services import deadlines_process_due

    now = datetime.now(UTC)
    populate(total, batch * rounds, now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        result = deadlines_process_due(now=now, batch=batch)
        timings.append(time.perf_counter() - started)
        assert result.items == batch, result
    return timings


def main() -> None:
    scaling_main(__file__, __doc__ or "", measure, sizes=[10_000, 1_000_000], unit="open items", target=1.5)


if __name__ == "__main__":
    main()
