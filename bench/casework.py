"""What working a case costs: opening cases from stalls with and without the playbook checklist the
casework app adds to every new case, and the case panel's render time (p50/p99) and query count.

    python bench/casework.py [--engine sqlite|postgresql] [--stalls 2000] [--panels 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _env import bench_database, django_setup

PROCESS = """\
key: bench
calendar: always
terminal: [done]
steps:
  - key: working
    max_dwell: 1h
    team: ops
"""


def populate(count: int, offset: int, now: datetime) -> None:
    """`count` items, each with one stall the cases app has not routed yet."""
    from unstuck.processes.models import Process
    from unstuck.stalls.models import Stall
    from unstuck.tracking.models import Item

    process = Process.objects.get(key="bench")
    since = now - timedelta(hours=1)
    items = Item.objects.bulk_create(
        [
            Item(
                process_id=process.pk,
                version_id=process.current_version_id,
                external_id=f"item-{offset + i}",
                current_step="working",
                step_since=since,
                started_at=since,
                last_event_at=since,
                last_event_id=offset + i + 1,
                event_count=1,
                attrs={"warehouse": "上海仓"},
            )
            for i in range(count)
        ],
        batch_size=2000,
    )
    Stall.objects.bulk_create(
        [
            Stall(
                item=item,
                process_id=process.pk,
                rule="dwell",
                step="working",
                team_key="ops",
                visit_key=f"v-{item.pk}",
                since=since,
                detected_at=now,
            )
            for item in items
        ],
        batch_size=2000,
    )


def open_rate(count: int, offset: int, now: datetime) -> float:
    """Cases opened per second by the worker's routing job for `count` fresh stalls."""
    from unstuck.cases.routing import cases_route_stalls

    populate(count, offset, now)
    started = time.perf_counter()
    opened = 0
    while True:
        result = cases_route_stalls(batch=500)
        if not result.stalls:
            break
        opened += result.opened
    assert opened == count, (opened, count)
    return count / (time.perf_counter() - started)


def panel_timings(rounds: int) -> tuple[list[float], int]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from unstuck.cases.models import Case
    from unstuck.cases.selectors import case_get
    from unstuck.casework.panels import case_panel_html
    from unstuck.casework.services import cause_set, remedy_add

    user = get_user_model().objects.get(username="bench-lead")
    case_ids = list(Case.objects.order_by("pk").values_list("pk", flat=True)[:rounds])
    for case_id in case_ids[:20]:
        cause_set(case_id=case_id, actor=user, category_key="inventory", text="缺货", whys=["a", "b"])
        remedy_add(case_id=case_id, actor=user, kind="coupon", amount="20")
    timings, queries = [], 0
    for case_id in case_ids:
        fresh = get_user_model().objects.get(pk=user.pk)
        request = RequestFactory().get("/")
        request.user = fresh
        case = case_get(user=fresh, case_id=case_id)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            case_panel_html(request=request, case=case)
            timings.append(time.perf_counter() - started)
        queries = max(queries, len(captured))
    return timings, queries


def run(engine: str, stalls: int, panels: int) -> None:
    with bench_database(engine) as env:
        django_setup(env)
        from unstuck.accounts.services import user_ensure
        from unstuck.casework.models import Playbook
        from unstuck.processes.services import process_load

        process_load(source=PROCESS)
        for n in range(4):
            user_ensure(username=f"bench-agent-{n}", role="agent", team_key="ops")
        user_ensure(username="bench-lead", role="supervisor", team_key="ops")
        now = datetime.now(UTC)
        Playbook.objects.update(active=False)
        without = open_rate(stalls, 0, now)
        Playbook.objects.filter(key="five-step").update(active=True)
        with_checklist = open_rate(stalls, stalls, now)
        print(f"{engine}: opening cases from stalls without a playbook: {without:,.0f} cases/s")
        print(f"{engine}: opening cases with the 5-step checklist:    {with_checklist:,.0f} cases/s")
        print(f"{engine}: checklist cost ratio = {without / with_checklist:.2f}x slower")
        timings, queries = panel_timings(panels)
        ms = sorted(t * 1000 for t in timings)
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        print(
            f"{engine}: case panel render over {len(ms)} cases: p50 {statistics.median(ms):.2f} ms, "
            f"p99 {p99:.2f} ms, at most {queries} queries"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--stalls", type=int, default=2000)
    parser.add_argument("--panels", type=int, default=200)
    args = parser.parse_args()
    run(args.engine, args.stalls, args.panels)


if __name__ == "__main__":
    main()
