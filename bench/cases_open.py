"""Opening cases from new stalls through the worker's real path (`cases.routing.cases_route_stalls`):
cases per second.

Stores N items with one new (unrouted) dwell stall each, spread over 20 teams of 10 agents
(`case_data`), then runs routing passes of `--batch` stalls until none is pending, as
`unstuck worker` does. Every case gets its number, priority, team, owner (round-robin, skipping
absent agents) and its `opened` + `assigned` timeline entries, so the figure is the real cost.

    python bench/cases_open.py [--engine sqlite|postgresql] [--stalls 100000] [--batch 500]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _env import bench_database, django_setup


def run(engine: str, stalls: int, batch: int) -> None:
    with bench_database(engine) as env:
        django_setup(env)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from case_data import analyze, items_generate, people_create, stalls_generate
        from unstuck.cases.models import Case
        from unstuck.cases.routing import cases_route_stalls

        now = datetime.now(UTC)
        world = people_create()
        first_item = items_generate(world, stalls, now=now, finished_share=False)
        stalls_generate(world, stalls, first_item=first_item, now=now)
        analyze()
        with CaptureQueriesContext(connection) as queries:
            sample = cases_route_stalls(batch=batch)
        per_stall = len(queries.captured_queries) / max(sample.stalls, 1)
        routed = sample.stalls
        started = time.perf_counter()
        while (result := cases_route_stalls(batch=batch)).stalls:
            routed += result.stalls
        elapsed = time.perf_counter() - started
        timed = routed - sample.stalls
        cases = Case.objects.count()
        owned = Case.objects.filter(owner__isnull=False).count()
        assert routed == stalls and cases == stalls == owned, (routed, cases, owned)
        print(
            f"{engine}: {stalls:,} stalls -> {cases:,} cases (all owned), batches of {batch}: "
            f"{timed / elapsed:,.0f} cases/s ({elapsed:.1f}s for {timed:,}; "
            f"{per_stall:.1f} queries per stall in the first batch)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--stalls", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    run(args.engine, args.stalls, args.batch)


if __name__ == "__main__":
    main()
