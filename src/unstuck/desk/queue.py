"""Reads for the case queues: open cases sorted by SLA urgency, a keyset page, neighbours, counts.

Order: `sla_due_at` ascending with nulls last, then priority (P1 first), then age
(oldest first), then id. The cursor holds all four, so every page is an index range, never an
OFFSET; the permission-aware `cases.selectors.case_list` decides what the user may see.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from unstuck.accounts.models import Membership, Team
from unstuck.accounts.selectors import user_sees_all_teams
from unstuck.cases.lifecycle import OPEN
from unstuck.cases.models import Case, TimelineEntry
from unstuck.cases.selectors import case_list
from unstuck.core.keyset import MAX_ROW_ID
from unstuck.core.moments import FIRST_YEAR, LAST_YEAR
from unstuck.customers.models import Customer
from unstuck.desk.countdown import CalendarCache, Countdown, case_countdown
from unstuck.desk.queue_filters import SCOPE_TEAM, SLA_NONE, QueueFilter
from unstuck.processes.models import Process
from unstuck.tracking.models import Item

AnyUser = AbstractBaseUser | AnonymousUser
#: Rows per queue page; one more is read to know whether a next page exists.
QUEUE_PAGE_SIZE = 50
#: A search matches at most this many customers (a name like 王 would otherwise match half of them).
SEARCH_CUSTOMERS = 500
#: ... and at most this many of their items.
SEARCH_ITEMS = 2000
#: Up to this many matching cases are counted exactly; above it the count is an estimate.
EXACT_COUNT_LIMIT = 1000

QUEUE_ORDER = (F("sla_due_at").asc(nulls_last=True), "priority", "opened_at", "id")
REVERSE_ORDER = (F("sla_due_at").desc(nulls_first=True), "-priority", "-opened_at", "-id")

SortKey = tuple[datetime | None, str, datetime, int]
SORT_FIELDS = ("sla_due_at", "priority", "opened_at")


def sort_key(case: Case) -> SortKey:
    return (case.sla_due_at, case.priority, case.opened_at, case.pk)


def cursor_encode(key: SortKey) -> str:
    sla, priority, opened, pk = key
    raw = json.dumps([sla.isoformat() if sla else None, priority, opened.isoformat(), pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> SortKey | None:
    """The sort key inside a cursor from `cursor_encode`, or None if it is not one."""
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
        sla, priority, opened, pk = json.loads(raw)
        key = (
            datetime.fromisoformat(sla) if sla is not None else None,
            str(priority),
            datetime.fromisoformat(opened),
            int(pk),
        )
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        return None
    if key[2].tzinfo is None or (key[0] is not None and key[0].tzinfo is None):
        return None
    moments = [moment for moment in (key[0], key[2]) if moment is not None]
    if not all(FIRST_YEAR <= moment.year <= LAST_YEAR for moment in moments) or not 0 < key[3] <= MAX_ROW_ID:
        return None
    return key


def _tail_after(priority: str, opened: datetime, pk: int) -> Q:
    tail = Q(priority__gt=priority) | Q(priority=priority, opened_at__gt=opened)
    return tail | Q(priority=priority, opened_at=opened, id__gt=pk)


def _after(key: SortKey) -> Q:
    """Rows after `key` in QUEUE_ORDER (nulls last), all of them in one condition."""
    sla, priority, opened, pk = key
    if sla is None:
        return Q(sla_due_at__isnull=True) & _tail_after(priority, opened, pk)
    return _after_dated(key) | Q(sla_due_at__isnull=True)


def _after_dated(key: SortKey) -> Q:
    """Rows with an SLA after `key` (whose SLA is set). The redundant `>=` lets the queue index start
    its range at the cursor instead of filtering every row before it."""
    sla, priority, opened, pk = key
    return Q(sla_due_at__gte=sla) & (
        Q(sla_due_at__gt=sla) | (Q(sla_due_at=sla) & _tail_after(priority, opened, pk))
    )


def _before(key: SortKey) -> Q:
    """Rows before `key` in QUEUE_ORDER (read backwards, the nulls come first)."""
    sla, priority, opened, pk = key
    tail = Q(priority__lt=priority) | Q(priority=priority, opened_at__lt=opened)
    tail |= Q(priority=priority, opened_at=opened, id__lt=pk)
    if sla is None:
        return Q(sla_due_at__isnull=False) | (Q(sla_due_at__isnull=True) & tail)
    return Q(sla_due_at__lte=sla) & (Q(sla_due_at__lt=sla) | (Q(sla_due_at=sla) & tail))


def _rows_after(cases: QuerySet[Case], key: SortKey | None, limit: int) -> list[Case]:
    """Up to `limit` rows after `key`: each read is one index range (dated rows, then undated)."""
    if key is None:
        return list(cases[:limit])
    if key[0] is None:
        return list(cases.filter(_after(key))[:limit])
    found = list(cases.filter(_after_dated(key))[:limit])
    if len(found) < limit:
        found += list(cases.filter(sla_due_at__isnull=True)[: limit - len(found)])
    return found


def _exact_matches(q: str) -> Q | None:
    """Cases `q` names exactly: a case number, an item id, a customer id or a whole phone number,
    each one probe of a unique or plain index. None when `q` is none of these."""
    number = q.upper()  # numbers are C-000123; `iexact` would scan every case, `=` probes the index
    if Case.objects.filter(number=number).exists():
        return Q(number=number)
    process_ids = list(Process.objects.values_list("pk", flat=True))
    items = list(Item.objects.filter(process_id__in=process_ids, external_id=q).values_list("pk", flat=True))
    customers = list(
        Customer.objects.filter(Q(external_id=q) | Q(phone=q)).values_list("pk", flat=True)[:SEARCH_CUSTOMERS]
    )
    if customers:
        items += list(
            Item.objects.filter(customer_id__in=customers).values_list("pk", flat=True)[:SEARCH_ITEMS]
        )
    return Q(item_id__in=items) if items else None


def _search(q: str) -> Q:
    """Cases matching `q`. Exact names first (case number, item id, customer id, whole phone: index
    probes, and then nothing else is searched); otherwise a customer whose name or phone contains
    it, or text in the title or the notes.

    Customers are looked up in their own table first (on PostgreSQL through trigram indexes), so
    scanning the queue's scope only tests the case row itself and, for notes, one index probe per
    case.
    """
    exact = _exact_matches(q)
    if exact is not None:
        return exact
    customers = Customer.objects.filter(Q(name__icontains=q) | Q(phone__contains=q)).values("pk")[
        :SEARCH_CUSTOMERS
    ]
    items = Item.objects.filter(customer_id__in=customers).values_list("pk", flat=True)[:SEARCH_ITEMS]
    notes = TimelineEntry.objects.filter(case_id=OuterRef("pk"), kind=TimelineEntry.Kind.NOTE)
    return Q(item_id__in=list(items)) | Q(title__icontains=q) | Q(Exists(notes.filter(message__icontains=q)))


def queue_cases(*, user: AnyUser, filters: QueueFilter) -> QuerySet[Case]:
    """The open cases of `user`'s queue (their own, or their teams' with scope `team`), sorted."""
    cases = case_list(
        user=user,
        status=filters.status if filters.status in OPEN else ",".join(OPEN),
        process=filters.process or None,
        case_type=filters.type or None,
        priority=filters.priority or None,
    )
    if filters.team:
        # By id rather than case_list's join on the key: the planner then knows the team and reads
        # the team's queue index, even for a team with no open case at all.
        team_id = Team.objects.filter(key=filters.team).values_list("pk", flat=True).first()
        cases = cases.filter(team_id=team_id) if team_id is not None else cases.none()
    if filters.scope != SCOPE_TEAM:
        cases = cases.filter(owner_id=user.pk)
    if filters.sla == SLA_NONE:
        cases = cases.filter(sla_state="")
    elif filters.sla:
        cases = cases.filter(sla_state=filters.sla)
    if filters.q:
        cases = cases.filter(_search(filters.q))
    return cases.select_related("item__customer").order_by(*QUEUE_ORDER)


@dataclass(frozen=True)
class CountEstimate:
    """How many cases match: exact up to EXACT_COUNT_LIMIT, the planner's estimate above it."""

    value: int
    exact: bool


def count_estimate(cases: QuerySet[Case], *, limit: int | None = None) -> CountEstimate:
    """Count at most `limit` + 1 rows; past that, ask PostgreSQL's planner (SQLite: "over limit")."""
    limit = EXACT_COUNT_LIMIT if limit is None else limit
    bounded = cases.order_by().values("pk")[: limit + 1].count()
    if bounded <= limit:
        return CountEstimate(bounded, True)
    if connection.vendor == "postgresql":
        plan = json.loads(cases.order_by().values("pk").explain(format="json"))
        estimate = int(plan[0]["Plan"]["Plan Rows"])
        return CountEstimate(max(estimate, limit + 1), False)
    return CountEstimate(limit + 1, False)


def _team_buckets(user: AnyUser, filters: QueueFilter) -> list[int | None] | None:
    """The team queue of someone who sees only their teams, one bucket per team (None: the cases
    without a team, which supervisors triage). Read one by one, each bucket is a range of the team
    queue index; read together, `team IN (..) OR team IS NULL` defeats the index's order and the
    planner walks every open case in the database looking for the few that match a filter."""
    if filters.scope != SCOPE_TEAM or filters.team or not user.is_authenticated or user_sees_all_teams(user):
        return None
    teams = sorted(Membership.objects.filter(user_id=user.pk).values_list("team_id", flat=True))
    return [*teams, None]


def _order_key(case: Case) -> tuple[bool, datetime | None, str, datetime, int]:
    return (case.sla_due_at is None, case.sla_due_at, case.priority, case.opened_at, case.pk)


def _merged_rows(
    cases: QuerySet[Case], buckets: list[int | None] | None, key: SortKey | None, limit: int
) -> list[Case]:
    """`_rows_after` over each bucket, merged in queue order (one or two indexed reads per bucket)."""
    if buckets is None:
        return _rows_after(cases, key, limit)
    found: list[Case] = []
    for team_id in buckets:
        scoped = cases.filter(team__isnull=True) if team_id is None else cases.filter(team_id=team_id)
        found += _rows_after(scoped, key, limit)
    found.sort(key=_order_key)  # a missing SLA sorts last by its flag, before None is compared
    return found[:limit]


@dataclass(frozen=True)
class QueuePageRows:
    """One keyset page of a queue."""

    cases: list[Case]
    next_cursor: str | None


def queue_page(
    *, user: AnyUser, filters: QueueFilter, page_size: int = QUEUE_PAGE_SIZE
) -> tuple[QueuePageRows, CountEstimate]:
    """The page after `filters.after` (an unreadable cursor starts at the top) and the count."""
    cases = queue_cases(user=user, filters=filters)
    key = cursor_decode(filters.after) if filters.after else None
    # The page's ids first, from the case table alone (an index range in queue order), then their
    # rows with item, customer, team and owner: joining before the LIMIT would make the planner
    # join every open case of the scope first.
    slim = cases.select_related(None).only("id", *SORT_FIELDS)
    ids = [case.pk for case in _merged_rows(slim, _team_buckets(user, filters), key, page_size + 1)]
    # The item's stored prediction rides along in the same query (insights.ItemPrediction).
    by_id = (
        {case.pk: case for case in cases.filter(pk__in=ids).select_related("item__prediction")} if ids else {}
    )
    found = [by_id[pk] for pk in ids if pk in by_id]
    more = len(found) > page_size
    found = found[:page_size]
    cursor = cursor_encode(sort_key(found[-1])) if more and found else None
    if key is None and not more and len(found) <= EXACT_COUNT_LIMIT:  # all of it is on this page
        return QueuePageRows(found, cursor), CountEstimate(len(found), True)
    return QueuePageRows(found, cursor), count_estimate(cases)


@dataclass(frozen=True)
class Neighbours:
    """The cases before and after one case in a queue (None at either end, or when it left it)."""

    previous: Case | None
    next: Case | None


def queue_neighbours(*, user: AnyUser, filters: QueueFilter, case: Case) -> Neighbours:
    """Previous and next case around `case` in the queue `filters` describes: two indexed queries.

    Works from the case's own sort key, so it also answers after the case left the queue (resolved).
    """
    cases = queue_cases(user=user, filters=filters).exclude(pk=case.pk)
    key = sort_key(case)
    following = cases.filter(_after(key)).select_related(None).only("id", "number", "title").first()
    preceding = (
        cases.filter(_before(key))
        .order_by(*REVERSE_ORDER)
        .select_related(None)
        .only("id", "number", "title")
        .first()
    )
    return Neighbours(preceding, following)


@dataclass(frozen=True)
class QueueRow:
    """One queue row: the case (with item, customer, team and owner) and its SLA countdown."""

    case: Case
    countdown: Countdown
    age_seconds: float
    #: The latest prediction for the case's item (insights): chance of missing its promise, or None.
    p_miss: float | None = None
    expected_remaining_seconds: float | None = None


@dataclass(frozen=True)
class QueueBoard:
    """A queue at one moment: a page of rows, the next page's cursor and the matching count."""

    rows: list[QueueRow]
    next_cursor: str | None
    count: CountEstimate
    now: datetime


def _prediction(case: Case) -> dict[str, float | None]:
    """The prediction select_related loaded with the row (none for a case without item or score)."""
    try:
        prediction = case.item.prediction if case.item is not None else None
    except ObjectDoesNotExist:
        prediction = None
    if prediction is None:
        return {}
    return {"p_miss": prediction.p_miss, "expected_remaining_seconds": prediction.expected_remaining_seconds}


def queue_board(*, user: AnyUser, filters: QueueFilter, now: datetime) -> QueueBoard:
    """The queue `filters` describe for `user`, with each row's countdown at `now`."""
    page, count = queue_page(user=user, filters=filters)
    calendars = CalendarCache()
    rows = [
        QueueRow(
            case=case,
            countdown=case_countdown(case, now=now, calendars=calendars),
            age_seconds=(now - case.opened_at).total_seconds(),
            **_prediction(case),
        )
        for case in page.cases
    ]
    return QueueBoard(rows=rows, next_cursor=page.next_cursor, count=count, now=now)
