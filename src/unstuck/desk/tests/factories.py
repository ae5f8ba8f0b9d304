"""Test data for the desk: two Chinese processes and items that stall, recorded by the real worker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone

from unstuck.accounts.services import team_ensure, user_ensure
from unstuck.processes.services import process_load
from unstuck.stalls.services import deadlines_process_due
from unstuck.tracking.services import event_ingest_batch

PASSWORD = "correct horse battery staple"

ORDER_DELIVERY = """\
key: order-delivery
name: 订单交付
calendar: always
promise: 3d
terminal: [delivered, cancelled]
steps:
  - {key: paid, name: 已付款, max_dwell: 15m, team: warehouse}
  - key: address_confirmation
    name: 地址待确认
    max_dwell: 4h
    team: service
    confirmation: {by: customer, within: 2h, asked_by: service, remind_after: [30m]}
  - {key: picking, name: 拣货中, max_dwell: 4h, team: warehouse}
  - {key: shipped, name: 已发货, max_dwell: 2d, team: carrier}
  - {key: delivery_failed, name: 派送失败, interruption: true, team: carrier}
  - {key: delivered, name: 已签收}
  - {key: cancelled, name: 已取消}
"""

B_DISPATCH = """\
key: b-dispatch
name: B特派确认
calendar: always
terminal: [completed]
steps:
  - {key: dispatched, name: 已派单, max_dwell: 15m, team: dispatch}
  - key: awaiting_confirmation
    name: 待客户确认
    max_dwell: 8h
    team: service
    confirmation: {by: customer, within: 1h, asked_by: service}
  - {key: dispatch_failed, name: 派单失败, interruption: true}
  - {key: completed, name: 已完成}
"""

TEAMS = {"warehouse": "仓储组", "service": "客服二组", "carrier": "物流组", "dispatch": "派单组"}


def load_processes() -> None:
    """Both processes and their teams (with Chinese names)."""
    for key, name in TEAMS.items():
        team_ensure(key=key, name=name)
    process_load(source=ORDER_DELIVERY)
    process_load(source=B_DISPATCH)


def make_user(username: str, *, role: str | None = "agent", team: str | None = None) -> User:
    """A user who can sign in with PASSWORD; role None makes a plain user without a profile."""
    if role is None:
        user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    else:
        user = user_ensure(username=username, role=role, team_key=team)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return user


def make_admin(username: str = "admin") -> User:
    """A superuser without a profile: sees every team, and the browser picks the language."""
    return get_user_model().objects.create_superuser(username=username, password=PASSWORD)


def step_event(
    item: str,
    step: str,
    *,
    at: datetime,
    process: str = "order-delivery",
    customer: tuple[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    event: dict[str, Any] = {"process": process, "item": item, "step": step, "at": at.isoformat(), **extra}
    if customer is not None:
        event["customer"] = {"id": customer[0], "name": customer[1], "phone": "+86 138 0013 8000"}
    return event


def worker_pass(now: datetime | None = None) -> int:
    """Run the worker until nothing is due at `now`; returns how many items it looked at."""
    now = now or timezone.now()
    total = 0
    while done := deadlines_process_due(now=now, batch=500).items:
        total += done
    return total


def stall_items(count: int, *, step: str = "picking", hours_ago: float = 5, prefix: str = "SO") -> None:
    """`count` items that reached `step` `hours_ago` and are now recorded as stalled by the worker."""
    now = timezone.now()
    at = now - timedelta(hours=hours_ago)
    event_ingest_batch(
        events=[
            step_event(f"{prefix}{i:05d}", step, at=at, customer=(f"C{i}", f"客户{i}")) for i in range(count)
        ]
    )
    worker_pass(now)


#: Realistic board content for screenshots: (process, item, step, hours ago, customer, attrs).
SCENES: list[tuple[str, str, str, float, str, dict[str, Any]]] = [
    (
        "order-delivery",
        "SO20261123-0042",
        "delivery_failed",
        0.05,
        "王女士",
        {"carrier": "顺丰", "城市": "杭州"},
    ),
    ("order-delivery", "SO20261123-0017", "paid", 0.5, "李先生", {"渠道": "天猫", "金额": 1299}),
    ("b-dispatch", "BT-88123", "awaiting_confirmation", 2.5, "赵女士", {"工程师": "张工", "区域": "浦东"}),
    ("order-delivery", "SO20261122-0311", "address_confirmation", 3.2, "陈先生", {"城市": "成都"}),
    ("order-delivery", "SO20261122-0107", "picking", 7.5, "刘女士", {"仓库": "嘉兴仓"}),
    ("b-dispatch", "BT-88090", "dispatched", 9, "孙先生", {"区域": "闵行"}),
    ("order-delivery", "SO20261121-0930", "picking", 26, "周女士", {"仓库": "嘉兴仓", "缺货": "是"}),
    ("order-delivery", "SO20261120-0555", "shipped", 60, "吴先生", {"carrier": "中通"}),
    ("b-dispatch", "BT-87760", "dispatch_failed", 30, "郑女士", {"原因": "工程师请假"}),
    ("order-delivery", "SO20261119-0208", "shipped", 80, "冯先生", {"carrier": "圆通", "城市": "西安"}),
]


#: The steps an item passes through before each scene's step (for a believable timeline).
_BEFORE = {
    "paid": [],
    "address_confirmation": ["paid"],
    "picking": ["paid"],
    "shipped": ["paid", "picking"],
    "delivery_failed": ["paid", "picking", "shipped"],
    "dispatched": [],
    "awaiting_confirmation": ["dispatched"],
    "dispatch_failed": ["dispatched"],
}


def load_scenes() -> None:
    """About ten stalls across both processes, with Chinese customers: what a morning board looks like."""
    now = timezone.now()
    events = []
    for index, (process, item, step, hours, customer, attrs) in enumerate(SCENES):
        at = now - timedelta(hours=hours)
        customer_ref = (f"CU{index:04d}", customer)
        earlier = _BEFORE[step]
        for back, previous in enumerate(reversed(earlier), start=1):
            # Earlier steps went quickly (10 minutes each), so only the current step has stalled.
            moment = at - timedelta(minutes=10 * back)
            events.append(step_event(item, previous, at=moment, process=process, customer=customer_ref))
        events.append(step_event(item, step, at=at, process=process, customer=customer_ref, attrs=attrs))
    event_ingest_batch(events=events)
    # The worker ran every 10 minutes through those days, so each stall was recorded soon after it began.
    moment = now - timedelta(hours=max(scene[3] for scene in SCENES))
    while moment < now:
        worker_pass(moment)
        moment += timedelta(minutes=10)
    worker_pass(now)


#: A fixed moment for tests that need one (not "now").
T_REF = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)

#: Tuesday 2026-11-24 10:00 in Shanghai: an ordinary working morning, for tests frozen in business hours.
WORKDAY_MORNING = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def route_cases() -> int:
    """What the worker's case jobs do: open a case for every new stall (and resolve recovered ones)."""
    from unstuck.cases.routing import cases_resolve_recovered, cases_route_stalls

    total = 0
    while done := cases_route_stalls(batch=500).stalls:
        total += done
    while cases_resolve_recovered(batch=500):
        pass
    return total


def stalled_cases(
    count: int, *, step: str = "picking", hours_ago: float = 5, prefix: str = "SO"
) -> list[Any]:
    """`count` items stalled in `step` and the cases the worker opened for them, oldest id first."""
    from unstuck.cases.models import Case

    stall_items(count, step=step, hours_ago=hours_ago, prefix=prefix)
    route_cases()
    return list(Case.objects.filter(item__external_id__startswith=prefix).order_by("id"))


def sla(case: Any, *, due_in: timedelta) -> str:
    """Make `case`'s SLA fall due `due_in` of business time from now (negative: overdue) through the
    SLA engine: the agent's last customer update is dated so that the next-update clock falls due
    then, and the worker fires the warnings and breach that fell due. Returns the case's SLA state,
    which follows from the policy (a warning once half the next-update time is used)."""
    from unstuck.calendars.business_time import get_calendar
    from unstuck.cases.escalation import sla_timers_fire
    from unstuck.cases.models import Case
    from unstuck.cases.sla import case_calendar_key, case_customer_updated
    from unstuck.cases.sla_models import SlaClock, SlaTarget

    case = Case.objects.select_related("team").get(pk=case.pk)
    budget = SlaClock.objects.get(case=case, target=SlaTarget.NEXT_UPDATE).budget_seconds
    seconds = round(due_in.total_seconds())
    assert seconds <= budget, f"due in {due_in}: longer than the case's next-update target ({budget} s)"
    now = timezone.now()
    calendar = get_calendar(case_calendar_key(case))
    updated = calendar.add_seconds(calendar.add_seconds(now, seconds), -budget)
    case_customer_updated(case_id=case.pk, at=updated)
    sla_timers_fire(now=now)
    case.refresh_from_db()
    return str(case.sla_state)


def signed_in(username: str, role: str, *, team: str = "warehouse") -> Any:
    """A test Client signed in as a new user `username` with `role` in `team`."""
    from django.test import Client

    make_user(username, role=role, team=team)
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client
