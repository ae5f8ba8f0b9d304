"""Proactive-update pass with 10,000 vs 200,000 scheduled follow-ups (the pass must read only the
index range of follow-ups that fell due, so its cost should not grow with how many are waiting).

Each run stores N stalled items with an open case and a follow-up schedule, of which `batch` per
round are due, then times passes of `proactive_updates` (policy in the customer's zone, the stall
check, rescheduling; where the outbox app is installed, also writing the messages).

    python bench/portal_updates.py [--engine sqlite|postgresql] [--sizes 10000 200000] [--batch 500]
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
    from unstuck.cases.models import Case
    from unstuck.customers.models import Customer
    from unstuck.portal.models import CaseFollowUp, UpdatePolicy
    from unstuck.processes.services import process_load
    from unstuck.stalls.models import Stall
    from unstuck.tracking.models import Item

    # No quiet hours: every due follow-up takes the full path, whatever hour the bench runs at.
    UpdatePolicy.objects.create(process=None, quiet_start="00:00", quiet_end="00:00")
    process = process_load(source=PROCESS).process
    customer = Customer.objects.create(external_id="bench", name="bench", email="b@example.cn")
    since = now - timedelta(hours=2)
    chunk = 10_000
    for start in range(0, total, chunk):
        ids = range(start, min(start + chunk, total))
        items = Item.objects.bulk_create(
            [
                Item(
                    process_id=process.pk, version_id=process.current_version_id, external_id=f"i-{i}",
                    customer=customer, current_step="working", step_since=since, started_at=since,
                    last_event_at=since, last_event_id=i + 1, event_count=1,
                )
                for i in ids
            ]
        )  # fmt: skip
        Stall.objects.bulk_create(
            [
                Stall(item=item, process_id=process.pk, rule="dwell", step="working",
                      visit_key=f"working@{i}", since=since, detected_at=since, case_routing="routed")
                for i, item in zip(ids, items, strict=True)
            ]
        )  # fmt: skip
        cases = Case.objects.bulk_create(
            [
                Case(type="stuck", priority="P3", impact="medium", urgency="medium", origin="stall",
                     item=item, process_id=process.pk, rule="dwell", title=f"i-{i}", opened_at=since)
                for i, item in zip(ids, items, strict=True)
            ]
        )  # fmt: skip
        CaseFollowUp.objects.bulk_create(
            [
                CaseFollowUp(
                    case=case, item=item, created_at=since,
                    next_update_at=now - timedelta(minutes=1) if i < due else now + timedelta(seconds=i),
                )
                for i, item, case in zip(ids, items, cases, strict=True)
            ]
        )  # fmt: skip


def measure(total: int, batch: int, rounds: int) -> list[float]:
    from django.db import connection

    from unstuck.portal.followups import proactive_updates

    now = datetime.now(UTC)
    populate(total, batch * rounds, now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        handled = proactive_updates(now=now, batch=batch)
        timings.append(time.perf_counter() - started)
        assert handled == batch, handled
    return timings


def main() -> None:
    scaling_main(__file__, __doc__ or "", measure, sizes=[10_000, 200_000], unit="follow-ups")


if __name__ == "__main__":
    main()
