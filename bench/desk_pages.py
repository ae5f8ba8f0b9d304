"""Server time of the desk's main pages with 1,000,000 cases stored: median / p95 ms and SQL queries.

Target: every page under 200 ms server time on SQLite and PostgreSQL. The data comes from
`case_data.cases_generate` (20 teams x 10 agents, ~15% open) plus what the desk pages need on top:
customers with names and phones on every tenth item, notes on a few cases, one case with a long
history, an incident, a problem, a saved view and some open stalls. Each request goes through the
Django test Client in this process (middleware, templates and all, no network), signed in as an
agent of team-00, that team's supervisor, or an operations admin.

The database is built once per size and kept: SQLite under `<data dir>/desk-<N>/`, PostgreSQL as
database `unstuck_bench_desk_<N>` (its data dir holds the marker). `--rebuild` starts over.

    python bench/desk_pages.py [--cases 1000000] [--database sqlite|postgres|both] [--repeat 15]
        [--data-dir DIR] [--only PAGE ...] [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

BUDGET_MS = 200.0
MARKER = "desk-bench.json"
SERVER = os.environ.get("UNSTUCK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def default_data_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "unstuck-bench"


def database_env(engine: str, cases: int, data_dir: Path, rebuild: bool) -> dict[str, str]:
    """The environment of the kept database for `engine` and size (created empty if missing)."""
    from urllib.parse import urlparse

    home = data_dir / f"desk-{engine}-{cases}"
    if (rebuild or not (home / MARKER).exists()) and home.exists():  # a half-built one starts over
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    env = {"UNSTUCK_DATA_DIR": str(home)}
    if engine == "sqlite":
        return env
    import psycopg

    name = f"unstuck_bench_desk_{cases}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and (rebuild or not (home / MARKER).exists()):
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = urlparse(SERVER)._replace(path=f"/{name}").geturl()
    return env


def build(cases: int) -> dict[str, object]:
    """Generate the cases and the desk's extras; return what the measurements need (ids, names)."""
    from datetime import UTC, datetime, timedelta

    from django.db import connection, transaction
    from django.db.models import Count

    from case_data import analyze, cases_generate, stalls_generate
    from unstuck.accounts.services import user_ensure
    from unstuck.cases.models import Case
    from unstuck.cases.services import case_note_add
    from unstuck.casework.selectors import incident_for_case
    from unstuck.casework.services.incidents import incident_create
    from unstuck.casework.services.problems import problem_create
    from unstuck.customers.models import Customer
    from unstuck.desk.queue_filters import QueueFilter
    from unstuck.desk.services import saved_view_create
    from unstuck.tracking.models import Item

    now = datetime.now(UTC)
    started = time.perf_counter()
    world = cases_generate(cases=cases, now=now)
    print(f"  generated {cases:,} cases in {time.perf_counter() - started:.0f}s", flush=True)
    team = world.teams[0]
    # The agent: the one of team-00 who owns the most open cases (a busy, realistic queue).
    busiest = (
        Case.objects.filter(team__key=team, status__in=["new", "in_progress"])
        .values("owner__username")
        .annotate(n=Count("*"))
        .order_by("-n")
        .values_list("owner__username", flat=True)
        .first()
    )
    agent = user_ensure(username=busiest or world.agents[team][0])
    lead = user_ensure(username=f"lead-{team[-2:]}", role="supervisor", team_key=team)
    admin = user_ensure(username="bench-admin", role="admin", superuser=True, display_name="运营管理员")
    # Customers: one per ten items, names and phones that a search finds exactly once.
    customers = max(1, cases // 10)
    first_item = int(Item.objects.order_by("pk").values_list("pk", flat=True).first() or 1)
    surnames = "王李张刘陈杨黄赵吴周"
    with connection.cursor() as cursor:
        from case_data import _insert, _pad, _time

        _insert(
            Customer,
            {
                "external_id": f"'CU' || {_pad('i', 8)}",
                "name": "CASE i % 10 "
                + " ".join(f"WHEN {k} THEN '{s}'" for k, s in enumerate(surnames))
                + f" END || '客户' || {_pad('i', 7)}",
                "email": "''",
                "phone": f"'13' || {_pad('i', 9)}",
                "channel": "'sms'",
                "fallback_channel": "''",
                "time_zone": "'Asia/Shanghai'",
                "language": "'zh-hans'",
                "created_at": _time(now, "0"),
                "updated_at": _time(now, "0"),
            },
            customers,
        )
        first_customer = int(Customer.objects.order_by("pk").values_list("pk", flat=True).first() or 1)
        cursor.execute(
            f"UPDATE tracking_item SET customer_id = {first_customer} + (id - {first_item}) / 10 "
            f"WHERE (id - {first_item}) % 10 = 0"
        )
    print(f"  {customers:,} customers in {time.perf_counter() - started:.0f}s", flush=True)
    # An open case of the agent's with a long history, and notes with a searchable word on others.
    mine = Case.objects.filter(owner=agent, status="in_progress").order_by("pk")
    long_case, *noted = list(mine.values_list("pk", flat=True)[:21])
    for n in range(200):
        case_note_add(
            case_id=long_case, actor=agent, text=f"第 {n + 1} 次联系客户：快递仍在途中，已催促仓库。"
        )
    for pk in noted:
        case_note_add(case_id=pk, actor=agent, text="客户要求改到周末送货，已联系快递改约。")
    short_case = Case.objects.filter(owner=agent, status="new", timeline_seq=0).order_by("pk").first()
    # An incident over the open stall cases of one warehouse (50 items moved to 广州仓).
    incident_items = list(
        Case.objects.filter(status="new", team__key=team, item__isnull=False)
        .order_by("pk")
        .values_list("item_id", flat=True)[:50]
    )
    Item.objects.filter(pk__in=incident_items).update(attrs={"warehouse": "广州仓"})
    with transaction.atomic():
        parent = incident_create(
            actor=lead, title="广州仓爆仓，发货延误", attrs={"warehouse": "广州仓"}, team=team
        )
    incident = incident_for_case(case=parent)
    assert incident is not None
    problem = problem_create(
        actor=admin,
        title="客户不接电话，确认长期挂起",
        owner_username=lead.get_username(),
        description="只打电话确认；客户不接时工单一直挂起。",
        fix_plan="按客户偏好渠道发送确认请求。",
    )
    view = saved_view_create(
        owner=lead,
        name="P1 待客户",
        filters=QueueFilter(scope="team", priority="P1", status="waiting_customer"),
    )
    # Open stalls for the board, the wall and the brief (routed cases are already there).
    from case_data import items_generate

    items_first = items_generate(world, 5000, now=now - timedelta(hours=2), finished_share=False)
    stalls_generate(world, 5000, first_item=items_first, now=now)
    analyze()
    some_item = Item.objects.filter(pk=first_item + 123457 % max(1, cases)).values_list(
        "external_id", flat=True
    )
    customer = (
        Customer.objects.filter(pk=first_customer + 4321 % customers).values_list("name", "phone").first()
    )
    assert customer is not None
    return {
        "cases": cases,
        "agent": agent.get_username(),
        "lead": lead.get_username(),
        "admin": admin.get_username(),
        "long_case": long_case,
        "short_case": short_case.pk if short_case else long_case,
        "incident": incident.pk,
        "problem": problem.pk,
        "view_query": QueueFilter(scope="team", priority="P1", status="waiting_customer", view=str(view.pk))
        .query()
        .lstrip("?"),
        "item_id": some_item.first(),
        "customer_name": customer[0],
        "phone": customer[1],
        "seconds": round(time.perf_counter() - started),
        "clock": now.isoformat(),
    }


def clock_catch_up(facts: dict[str, object], marker: Path) -> None:
    """Move the kept data's SLA due moments (and breach / warning states) to now.

    The generated open cases fall due between 50 minutes ago and 150 minutes ahead of the build. A
    database kept for a day would otherwise hold thousands of open cases that are long past due yet
    still "ok" — which the worker never leaves (it marks a breach within seconds), and which sends
    the wall's "latest breaches" through every one of them.
    """
    from datetime import UTC, datetime

    from django.db.models import F

    from case_data import analyze
    from unstuck.cases.models import Case

    built = datetime.fromisoformat(
        str(facts.get("clock") or datetime.fromtimestamp(marker.stat().st_mtime, UTC))
    )
    now = datetime.now(UTC)
    Case.objects.filter(sla_due_at__isnull=False).update(sla_due_at=F("sla_due_at") + (now - built))
    analyze()  # as autovacuum would soon after: the update left a dead copy of every open case
    facts["clock"] = now.isoformat()
    marker.write_text(json.dumps(facts, ensure_ascii=False, indent=1))


@dataclass(frozen=True)
class Page:
    name: str
    user: str  # agent | lead | admin
    url: str
    htmx: bool = False


def pages(facts: dict[str, object]) -> list[Page]:
    case_short, case_long = facts["short_case"], facts["long_case"]
    return [
        Page("my queue", "agent", "/queue/"),
        Page("team queue", "lead", "/queue/?scope=team"),
        Page("queue: status", "lead", "/queue/?scope=team&status=waiting_customer"),
        Page("queue: priority", "lead", "/queue/?scope=team&priority=P1"),
        Page("queue: type", "lead", "/queue/?scope=team&type=overdue"),
        Page("queue: saved view", "lead", f"/queue/?{facts['view_query']}"),
        Page("queue live fragment", "agent", "/queue/", htmx=True),
        Page("search: item id", "lead", f"/queue/?scope=team&q={facts['item_id']}"),
        Page("search: customer", "lead", f"/queue/?scope=team&q={facts['customer_name']}"),
        Page("search: phone", "lead", f"/queue/?scope=team&q={facts['phone']}"),
        Page("search: text", "lead", "/queue/?scope=team&q=改约"),
        Page("search: text (agent)", "agent", "/queue/?q=周末送货"),
        Page("case (short history)", "agent", f"/cases/{case_short}/"),
        Page("case (long history)", "agent", f"/cases/{case_long}/"),
        Page("wall (supervisor)", "lead", "/wall/"),
        Page("wall fragment (supervisor)", "lead", "/wall/", htmx=True),
        Page("wall (admin)", "admin", "/wall/"),
        Page("incident", "lead", f"/casework/incidents/{facts['incident']}/"),
        Page("problems", "lead", "/casework/problems/"),
        Page("stall board", "lead", "/"),
        Page("bottlenecks", "lead", "/insights/bottlenecks/"),
        Page("brief", "lead", "/brief/"),
        Page("early warnings", "lead", "/insights/warnings/"),
        Page("settings hub", "admin", "/settings/"),
    ]


def measure(
    facts: dict[str, object], repeat: int, only: list[str]
) -> list[tuple[str, float, float, int, int]]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    users = {role: get_user_model().objects.get(username=facts[role]) for role in ("agent", "lead", "admin")}
    clients = {}
    for role, user in users.items():
        clients[role] = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        clients[role].force_login(user)
    results = []
    for page in pages(facts):
        if only and not any(word in page.name for word in only):
            continue
        client = clients[page.user]
        headers = {"HTTP_HX_REQUEST": "true"} if page.htmx else {}
        for _ in range(2):  # warm-up: imports, template loading, caches
            response = client.get(page.url, **headers)
        if response.status_code != 200:
            raise SystemExit(f"{page.name}: {page.url} answered {response.status_code}")
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            client.get(page.url, **headers)
            times.append((time.perf_counter() - began) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(page.url, **headers)
        p95 = sorted(times)[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        results.append((page.name, statistics.median(times), p95, len(queries), response.status_code))
        print(f"    {page.name:<28} {statistics.median(times):8.1f} {p95:8.1f} {len(queries):6d}", flush=True)
    return results


def run_one(engine: str, cases: int, repeat: int, data_dir: Path, only: list[str], rebuild: bool) -> None:
    """Build or reuse the database, then measure (in this process: one engine per process)."""
    env = database_env(engine, cases, data_dir, rebuild)
    from _env import django_setup

    django_setup(env)
    marker = Path(env["UNSTUCK_DATA_DIR"]) / MARKER
    if marker.exists():
        facts = json.loads(marker.read_text())
        print(f"{engine}: reusing {cases:,} cases in {env['UNSTUCK_DATA_DIR']}", flush=True)
        clock_catch_up(facts, marker)
    else:
        print(f"{engine}: building {cases:,} cases in {env['UNSTUCK_DATA_DIR']}", flush=True)
        facts = build(cases)
        marker.write_text(json.dumps(facts, ensure_ascii=False, indent=1))
    print(f"{engine}: {cases:,} cases, median / p95 of {repeat} requests after warm-up (server time, ms)")
    print(f"    {'page':<28} {'median':>8} {'p95':>8} {'queries':>6}")
    results = measure(facts, repeat, only)
    slow = [name for name, median, p95, _q, _s in results if p95 >= BUDGET_MS]
    if slow:
        print(f"{engine}: over {BUDGET_MS:.0f} ms (p95): {', '.join(slow)}")
    else:
        print(f"{engine}: every page under {BUDGET_MS:.0f} ms (p95)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--only", nargs="*", default=[], help="measure only pages whose name contains one")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--engine", help=argparse.SUPPRESS)  # internal: one engine per process
    args = parser.parse_args()
    print(f"data dir: {args.data_dir}", flush=True)
    if args.engine:
        run_one(args.engine, args.cases, args.repeat, args.data_dir, args.only, args.rebuild)
        return
    engines = (
        ["sqlite", "postgresql"]
        if args.database == "both"
        else [args.database.replace("postgres", "postgresql")]
    )
    for engine in engines:  # Django configures one database per process
        command = [sys.executable, __file__, "--engine", engine, "--cases", str(args.cases)]
        command += ["--repeat", str(args.repeat), "--data-dir", str(args.data_dir)]
        command += ["--only", *args.only] if args.only else []
        command += ["--rebuild"] if args.rebuild else []
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
