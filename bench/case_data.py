"""Fast bench data: teams with agents, items, stalls and up to millions of cases, written with one
`INSERT ... SELECT` over a generated series per table (PostgreSQL `generate_series`, a recursive
CTE on SQLite), so a million cases take seconds, not the hour the ORM would.

Reused by the cases benchmarks (`cases_open.py`, `cases_list.py`) and meant for the desk
benchmark (queue and case pages on the same data). Call from a Django-configured process (see
`_env.django_setup`):

    from case_data import cases_generate
    world = cases_generate(cases=1_000_000)      # 20 teams x 10 agents, ~15% of cases open
    world.teams[0], world.agents[world.teams[0]][0]   # a team key and one of its agents' usernames

The cases are not a real history: ids are explicit, the timeline (optional) holds one `opened`
entry per case whose hash is a placeholder, so `unstuck audit verify` reports them as altered.
Every column without a value here must be nullable or have a database default; a column added
later that is neither makes the generator stop with its name rather than write nonsense.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

#: A multiplicative hash of the row number, so status, priority and owner do not follow the team
#: (which is `i % teams`): every team gets every status.
MIX = "((i * 2654435761) % 4294967296)"
#: The status bucket 0..99 of row i; buckets below 15 are open.
BUCKET = f"(({MIX} / 7) % 100)"

#: How the generated cases spread, by status bucket (open: the first 15).
STATUS_BUCKETS = [
    (4, "new"),
    (8, "in_progress"),
    (12, "waiting_customer"),
    (15, "waiting_internal"),
    (60, "resolved"),
    (100, "closed"),
]
OPEN_STATUSES = ["new", "in_progress", "waiting_customer", "waiting_internal"]
RULES = [
    ("dwell", "stuck"),
    ("confirmation", "unconfirmed"),
    ("promise", "overdue"),
    ("interruption", "interrupted"),
]

PROCESS = """\
key: bench-orders
name: 压测订单
calendar: always
terminal: [delivered]
steps:
  - {key: paid, max_dwell: 4h, team: team-00}
  - {key: delivered}
"""


@dataclass
class World:
    """What the generator made: team keys, agents' usernames per team, the process and counts."""

    process_key: str
    teams: list[str]
    agents: dict[str, list[str]] = field(default_factory=dict)
    items: int = 0
    cases: int = 0
    stalls: int = 0


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def _series(n: int, offset: int = 0) -> tuple[str, str]:
    """(prefix, FROM clause) producing rows i = 1..n (plus `offset` added by the caller)."""
    if _vendor() == "postgresql":
        return "", f"FROM generate_series(1, {int(n)}) AS s(i)"
    return f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {int(n)}) ", "FROM s"


def _time(base: datetime, seconds_sql: str) -> str:
    """SQL for `base` + `seconds_sql` seconds, in the form each engine stores datetimes."""
    if _vendor() == "postgresql":
        return f"(TIMESTAMPTZ '{base.isoformat()}' + ({seconds_sql}) * INTERVAL '1 second')"
    stamp = base.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"datetime('{stamp}', '+' || ({seconds_sql}) || ' seconds')"


def _bool(value: bool) -> str:
    return ("true" if value else "false") if _vendor() == "postgresql" else ("1" if value else "0")


def _json(text: str) -> str:
    return f"'{text}'::jsonb" if _vendor() == "postgresql" else f"'{text}'"


def _pad(sql: str, width: int) -> str:
    if _vendor() == "postgresql":
        text = f"(({sql})::text)"
        return f"lpad({text}, greatest({width}, length({text})), '0')"  # lpad alone would cut longer ones
    return f"printf('%0{width}d', {sql})"


def _status_case(expr: str) -> str:
    arms = " ".join(f"WHEN ({expr}) < {limit} THEN '{status}'" for limit, status in STATUS_BUCKETS)
    return f"CASE {arms} END"


def _check_columns(model: type, given: list[str]) -> None:
    missing = [
        f.column
        for f in model._meta.concrete_fields  # type: ignore[attr-defined]
        if f.column not in given and not f.null and not f.has_db_default() and not f.primary_key
    ]
    if missing:
        raise SystemExit(
            f"case_data: {model.__name__} has required columns the generator does not fill: {missing}"
        )


def _insert(model: type, columns: dict[str, str], n: int) -> None:
    from django.db import connection

    _check_columns(model, list(columns))
    prefix, source = _series(n)
    table = model._meta.db_table  # type: ignore[attr-defined]
    sql = f"{prefix}INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns.values())} {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _next_id(model: type) -> int:
    from django.db.models import Max

    return int(model.objects.aggregate(m=Max("id"))["m"] or 0) + 1  # type: ignore[attr-defined]


def _sync_sequence(model: type) -> None:
    """After explicit ids, PostgreSQL's sequence must move past them (SQLite follows max(rowid))."""
    from django.db import connection

    if _vendor() != "postgresql":
        return
    table = model._meta.db_table  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
        )


def people_create(*, teams: int = 20, agents_per_team: int = 10) -> World:
    """Teams team-00.. with agents agent-TT-AA (role agent), a supervisor each, and the process."""
    from unstuck.accounts.services import team_ensure, user_ensure
    from unstuck.processes.services import process_load

    process = process_load(source=PROCESS).process
    world = World(process_key=process.key, teams=[f"team-{t:02d}" for t in range(teams)])
    for key in world.teams:
        team_ensure(key=key, name=f"压测组 {key[-2:]}")
        names = [f"agent-{key[-2:]}-{a:02d}" for a in range(agents_per_team)]
        for name in names:
            user_ensure(username=name, role="agent", team_key=key, display_name=f"坐席{name[-5:]}")
        user_ensure(username=f"lead-{key[-2:]}", role="supervisor", team_key=key)
        world.agents[key] = names
    return world


def _slot_tables(world: World) -> None:
    """Temporary lookup tables slot -> team id / agent id, joined by the bulk inserts."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from unstuck.accounts.models import Team

    team_ids = dict(Team.objects.filter(key__in=world.teams).values_list("key", "pk"))
    users = dict(get_user_model().objects.values_list("username", "pk"))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_team_slot")
        cursor.execute("DROP TABLE IF EXISTS bench_agent_slot")
        cursor.execute("CREATE TEMPORARY TABLE bench_team_slot (slot integer PRIMARY KEY, team_id bigint)")
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_agent_slot (team_slot integer, agent_slot integer, user_id bigint, "
            "PRIMARY KEY (team_slot, agent_slot))"
        )
        for slot, key in enumerate(world.teams):
            cursor.execute("INSERT INTO bench_team_slot VALUES (%s, %s)", [slot, team_ids[key]])
            for agent_slot, name in enumerate(world.agents[key]):
                cursor.execute(
                    "INSERT INTO bench_agent_slot VALUES (%s, %s, %s)", [slot, agent_slot, users[name]]
                )


def items_generate(world: World, n: int, *, now: datetime, finished_share: bool = True) -> int:
    """`n` items SO00000001.. in the bench process; returns the first item id. With
    `finished_share`, items whose case (same i) is finished are terminal."""
    from unstuck.processes.models import Process
    from unstuck.tracking.models import Item

    process = Process.objects.get(key=world.process_key)
    first = _next_id(Item)
    base = now - timedelta(days=400)
    since = _time(base, "i * 30")
    terminal = f"CASE WHEN {BUCKET} >= 15 THEN {_bool(True)} ELSE {_bool(False)} END"
    _insert(
        Item,
        {
            "id": f"i + {first - 1}",
            "process_id": str(process.pk),
            "version_id": str(process.current_version_id),
            "external_id": f"'SO' || {_pad(f'i + {first - 1}', 8)}",
            "current_step": f"CASE WHEN {BUCKET} >= 15 THEN 'delivered' ELSE 'paid' END"
            if finished_share
            else "'paid'",
            "step_since": since,
            "started_at": since,
            "last_event_at": since,
            "last_event_id": "i",
            "promised_explicitly": _bool(False),
            "is_terminal": terminal if finished_share else _bool(False),
            "known_step": _bool(True),
            "attrs": _json('{"warehouse": "上海仓"}'),
            "event_count": "1",
            "fired": _json("[]"),
            "created_at": since,
            "updated_at": since,
        },
        n,
    )
    _sync_sequence(Item)
    world.items += n
    return first


def stalls_generate(world: World, n: int, *, first_item: int, now: datetime) -> None:
    """`n` new (unrouted) dwell stalls, one per item from `first_item`, spread over the teams."""
    from unstuck.processes.models import Process
    from unstuck.stalls.models import Stall

    process = Process.objects.get(key=world.process_key)
    teams = len(world.teams)
    detected = _time(now - timedelta(hours=1), "0")
    _insert(
        Stall,
        {
            "item_id": f"i + {first_item - 1}",
            "process_id": str(process.pk),
            "rule": "'dwell'",
            "step": "'paid'",
            "team_key": f"'team-' || {_pad(f'i % {teams}', 2)}",
            "visit_key": "'paid:' || i",
            "since": detected,
            "detected_at": detected,
            "resolution": "''",
            "case_routing": "'pending'",
        },
        n,
    )
    world.stalls += n


def cases_generate(
    *,
    cases: int = 1_000_000,
    teams: int = 20,
    agents_per_team: int = 10,
    with_items: bool = True,
    timeline: bool = False,
    world: World | None = None,
    now: datetime | None = None,
) -> World:
    """`cases` cases spread over the teams (round the clock for ~350 days), their owners, statuses
    (~15% open), priorities P1-P4, the four stall types and, for open ones, SLA due moments from
    50 minutes overdue to 150 minutes ahead (`sla_state` breached / warning / ok to match)."""
    from unstuck.cases.models import Case, TimelineEntry

    now = now or datetime.now(UTC)
    world = world or people_create(teams=teams, agents_per_team=agents_per_team)
    _slot_tables(world)
    first_item = items_generate(world, cases, now=now) if with_items else 0
    first = _next_id(Case)
    n_teams, n_agents = len(world.teams), agents_per_team
    start = now - timedelta(days=350)
    opened = _time(start, "i * 30")
    is_open = f"{BUCKET} < 15"
    rule = "CASE i % 4 " + " ".join(f"WHEN {k} THEN '{r}'" for k, (r, _) in enumerate(RULES)) + " END"
    kind = "CASE i % 4 " + " ".join(f"WHEN {k} THEN '{t}'" for k, (_, t) in enumerate(RULES)) + " END"
    due_minutes = f"(({MIX} / 13) % 200 - 50)"
    columns = {
        "id": f"i + {first - 1}",
        "number": f"'C-' || {_pad(f'i + {first - 1}', 6)}",
        "type": kind,
        "status": _status_case(BUCKET),
        "priority": f"CASE ({MIX} / 1000) % 10 WHEN 0 THEN 'P1' WHEN 1 THEN 'P2' WHEN 2 THEN 'P2' "
        "WHEN 3 THEN 'P3' WHEN 4 THEN 'P3' WHEN 5 THEN 'P3' WHEN 6 THEN 'P3' ELSE 'P4' END",
        "impact": "'medium'",
        "urgency": "'medium'",
        "origin": "'stall'" if with_items else "'manual'",
        "item_id": f"i + {first_item - 1}" if with_items else "NULL",
        "process_id": f"(SELECT id FROM processes_process WHERE key = '{world.process_key}')",
        "rule": rule if with_items else "''",
        "step": "'paid'" if with_items else "''",  # the step every generated stall waits in
        "team_id": f"(SELECT team_id FROM bench_team_slot WHERE slot = i % {n_teams})",
        "owner_id": f"(SELECT user_id FROM bench_agent_slot WHERE team_slot = i % {n_teams} "
        f"AND agent_slot = ({MIX} / 100000) % {n_agents})",
        "title": f"'压测工单 ' || {_pad('i', 8)}",
        "opened_at": opened,
        "resolved_at": f"CASE WHEN {is_open} THEN NULL ELSE {_time(start, 'i * 30 + 7200')} END",
        "closed_at": f"CASE WHEN {BUCKET} >= 60 THEN {_time(start, 'i * 30 + 86400')} END",
        "sla_due_at": f"CASE WHEN {is_open} THEN {_time(now, f'{due_minutes} * 60')} END",
        "sla_state": f"CASE WHEN NOT ({is_open}) THEN '' WHEN {due_minutes} < 0 THEN 'breached' "
        f"WHEN {due_minutes} < 30 THEN 'warning' ELSE 'ok' END",
        "timeline_seq": "1" if timeline else "0",
        "timeline_head": "'bench'" if timeline else "''",
    }
    _insert(Case, columns, cases)
    _sync_sequence(Case)
    if timeline:
        _insert(
            TimelineEntry,
            {
                "case_id": f"i + {first - 1}",
                "seq": "1",
                "at": opened,
                "actor_label": "'worker'",
                "kind": "'opened'",
                "data": _json("{}"),
                "message": "'Opened (bench data).'",
                "prev_hash": "''",
                "hash": "'bench'",
            },
            cases,
        )
    world.cases += cases
    analyze()
    return world


def analyze() -> None:
    """Fresh planner statistics after a bulk load (both engines plan by them). On PostgreSQL also
    VACUUM, as autovacuum would soon after a load: it sets the visibility map (index-only scans)
    and the rows' hint bits, which the first reads would otherwise write back page by page."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
