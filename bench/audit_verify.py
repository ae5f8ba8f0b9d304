"""The audit trail's cost: `unstuck audit verify` (every chain, HMAC per entry, against the anchors)
in entries per second, and `unstuck audit anchor` (first a full anchor, then one after a tenth of the
cases moved) in seconds and bytes of anchor file.

Opens N cases through the worker's real routing path (`opened` + `assigned` entries each, sealed
under the audit key), then measures.

    python bench/audit_verify.py [--engine sqlite|postgresql] [--cases 20000]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _env import bench_database, django_setup


def run(engine: str, cases: int) -> None:
    with bench_database(engine) as env:
        django_setup(env)
        from django.conf import settings

        from case_data import analyze, items_generate, people_create, stalls_generate
        from unstuck.accounts.services import user_ensure
        from unstuck.cases.models import Case
        from unstuck.cases.routing import cases_route_stalls
        from unstuck.cases.services import case_note_add
        from unstuck.cases.timeline import timeline_anchor, timeline_verify

        now = datetime.now(UTC)
        world = people_create()
        first_item = items_generate(world, cases, now=now, finished_share=False)
        stalls_generate(world, cases, first_item=first_item, now=now)
        analyze()
        while cases_route_stalls(batch=500).stalls:
            pass
        anchor_file = Path(settings.UNSTUCK_AUDIT_ANCHOR_FILE)

        started = time.perf_counter()
        written = timeline_anchor(full=True)
        full_anchor = time.perf_counter() - started
        full_bytes = anchor_file.stat().st_size

        author = user_ensure(username="bench-auditor-admin", role="admin")
        moved = list(Case.objects.order_by("pk").values_list("pk", flat=True)[: max(cases // 10, 1)])
        for case_id in moved:
            case_note_add(case_id=case_id, actor=author, text="基准测试备注")
        started = time.perf_counter()
        moved_written = timeline_anchor()
        incremental = time.perf_counter() - started
        incremental_bytes = anchor_file.stat().st_size - full_bytes

        started = time.perf_counter()
        report = timeline_verify()
        verify = time.perf_counter() - started
        assert report.broken is None, report.breaks[:3]
        print(
            f"{engine}: {report.entries:,} entries in {report.cases:,} cases: verify {verify:.2f}s "
            f"({report.entries / verify:,.0f} entries/s); full anchor of {written:,} heads "
            f"{full_anchor:.2f}s, {full_bytes / 1024:,.0f} KiB; "
            f"anchor after {moved_written:,} moved {incremental:.2f}s, {incremental_bytes / 1024:,.0f} KiB",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--cases", type=int, default=20_000)
    args = parser.parse_args()
    run(args.engine, args.cases)


if __name__ == "__main__":
    main()
