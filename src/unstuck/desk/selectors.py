"""Reads for the desk: the stalls board, an item's story, saved queue views and a user's language.

The stall and item queries go through their apps' permission-aware selectors and only narrow them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q

from unstuck.accounts.models import Membership
from unstuck.core.keyset import cursor_decode, cursor_encode
from unstuck.desk.display import RULE_ORDER
from unstuck.desk.filters import StallFilter
from unstuck.desk.models import SavedView
from unstuck.processes.models import Step
from unstuck.processes.selectors import BoardNames
from unstuck.stalls.models import Stall
from unstuck.stalls.selectors import stall_list_visible
from unstuck.tracking.models import Event, Item
from unstuck.tracking.selectors import item_events, item_get

#: Rows per board page; one more is read to know whether a next page exists.
BOARD_PAGE_SIZE = 50
#: A stall recorded less than this long ago is marked new on the board.
NEW_FOR = timedelta(minutes=10)
#: An item page shows at most this many events (the API has them all).
ITEM_EVENT_LIMIT = 500


@dataclass(frozen=True)
class RuleCount:
    """How many open stalls one rule found in one step."""

    rule: str
    count: int


@dataclass(frozen=True)
class StepGroup:
    key: str
    name: str
    position: int
    rules: list[RuleCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(r.count for r in self.rules)


@dataclass(frozen=True)
class ProcessGroup:
    key: str
    name: str
    steps: list[StepGroup] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.steps)


@dataclass(frozen=True)
class StallRow:
    """One board row, ready to show."""

    id: int
    item: str
    customer: str
    process_key: str
    process_name: str
    step: str
    step_name: str
    rule: str
    team: str
    team_name: str
    since: datetime
    stuck_seconds: float
    is_new: bool  # recorded within NEW_FOR: the live board marks it
    historical: bool = False  # found long after it fell due (old data imported): no case, no message


@dataclass(frozen=True)
class StallBoard:
    """The board at one moment: counts by process, step and rule, and one page of open stalls."""

    summary: list[ProcessGroup]
    total: int
    rows: list[StallRow]
    next_cursor: str | None
    now: datetime


def stall_board(
    *,
    user: AbstractBaseUser | AnonymousUser,
    filters: StallFilter,
    names: BoardNames,
    now: datetime,
    page_size: int = BOARD_PAGE_SIZE,
) -> StallBoard:
    """Open stalls `user` may see under `filters`: grouped counts and a keyset page, newest first.

    Three queries whatever the number of stalls: a grouped aggregate over open stalls (the partial
    index on open stalls keeps it to them), the page's ids and their rows; no COUNT over the whole
    table, no query per row.
    """
    visible = stall_list_visible(
        user=user,
        process=filters.process or None,
        step=filters.step or None,
        rule=filters.rule or None,
        team=filters.team or None,
    )
    if filters.q:
        visible = visible.filter(item__external_id__startswith=filters.q)
    counts = (
        visible.order_by()
        .values("process_id", "step", "rule")
        .annotate(count=Count("id"))
        .values_list("process_id", "step", "rule", "count")
    )
    summary = _summary(counts, names)
    page = visible.select_related(None)
    cursor = cursor_decode(filters.after) if filters.after else None
    if cursor is not None:
        since, stall_id = cursor
        page = page.filter(since__lte=since).filter(Q(since__lt=since) | Q(id__lt=stall_id))
    # The page's ids first, then their rows: SQLite would otherwise join every open stall to its item
    # and customer before sorting; PostgreSQL plans both the same. A constant two queries either way.
    ids = list(page.order_by("-since", "-id").values_list("id", flat=True)[: page_size + 1])
    more = len(ids) > page_size
    ids = ids[:page_size]
    found = Stall.objects.select_related("item__customer").only(
        "id",
        "process_id",
        "rule",
        "step",
        "team_key",
        "since",
        "detected_at",
        "historical",
        "item__external_id",
        "item__customer__name",
    )
    by_id = {stall.pk: stall for stall in found.filter(id__in=ids)}
    stalls = [by_id[stall_id] for stall_id in ids if stall_id in by_id]
    rows = [_row(stall, names, now) for stall in stalls]
    next_cursor = cursor_encode(stalls[-1].since, stalls[-1].pk) if more and stalls else None
    total = sum(group.total for group in summary)
    return StallBoard(summary=summary, total=total, rows=rows, next_cursor=next_cursor, now=now)


def _summary(counts: Iterable[tuple[int, str, str, int]], names: BoardNames) -> list[ProcessGroup]:
    processes: dict[int, ProcessGroup] = {}
    steps: dict[tuple[int, str], StepGroup] = {}
    for process_id, step, rule, count in counts:
        process = names.processes.get(process_id)
        group = processes.setdefault(
            process_id, ProcessGroup(process.key if process else "?", process.name if process else "?")
        )
        position, step_name = names.steps.get((process_id, step), (10_000, step))
        if (process_id, step) not in steps:
            steps[process_id, step] = StepGroup(step, step_name, position)
            group.steps.append(steps[process_id, step])
        steps[process_id, step].rules.append(RuleCount(rule, count))
    for group in processes.values():
        group.steps.sort(key=lambda s: (s.position, s.key))
        for step_group in group.steps:
            step_group.rules.sort(key=lambda r: RULE_ORDER.get(r.rule, 99))
    return sorted(processes.values(), key=lambda g: g.name)


def _row(stall: Stall, names: BoardNames, now: datetime) -> StallRow:
    process = names.processes.get(stall.process_id)
    customer = stall.item.customer
    return StallRow(
        id=stall.pk,
        item=stall.item.external_id,
        customer=customer.name if customer is not None else "",
        process_key=process.key if process else "",
        process_name=process.name if process else "",
        step=stall.step,
        step_name=names.step_name(stall.process_id, stall.step),
        rule=stall.rule,
        team=stall.team_key,
        team_name=names.teams.get(stall.team_key, stall.team_key),
        since=stall.since,
        stuck_seconds=(now - stall.since).total_seconds(),
        is_new=now - stall.detected_at < NEW_FOR and not stall.historical,
        historical=stall.historical,
    )


@dataclass(frozen=True)
class ItemStory:
    """An item with what happened to it: events in time order and its stalls (open and resolved)."""

    item: Item
    step_names: dict[str, str]
    events: list[Event]
    events_truncated: bool
    stalls: list[Stall]

    def step_name(self, step: str) -> str:
        return self.step_names.get(step, step)


def item_story(
    *, user: AbstractBaseUser | AnonymousUser, process_key: str, external_id: str
) -> ItemStory | None:
    """The item `external_id` of `process_key` as `user` may see it (stalls filtered by team), or None."""
    item = item_get(user=user, process_key=process_key, external_id=external_id)
    if item is None:
        return None
    step_names = dict(Step.objects.filter(version_id=item.version_id).values_list("key", "name"))
    events = list(
        item_events(item=item).only("id", "step", "at", "attrs", "source", "known_step", "promised_at")[
            : ITEM_EVENT_LIMIT + 1
        ]
    )
    # Narrowed by the item row itself: the stall_item_idx lookup, not a search by external id.
    stalls = list(
        stall_list_visible(user=user, only_open=False)
        .filter(item=item)
        .select_related(None)
        .order_by("-since", "-id")
    )
    return ItemStory(
        item=item,
        step_names=step_names,
        events=events[:ITEM_EVENT_LIMIT],
        events_truncated=len(events) > ITEM_EVENT_LIMIT,
        stalls=stalls,
    )


def saved_view_list(*, user: AbstractBaseUser | AnonymousUser) -> list[SavedView]:
    """The saved queue views `user` may use: their own and those shared with one of their teams."""
    if not user.is_authenticated:
        return []
    teams = Membership.objects.filter(user_id=user.pk).values("team_id")
    return list(
        SavedView.objects.filter(Q(owner_id=user.pk) | Q(team_id__in=teams))
        .select_related("team", "owner")
        .order_by("name", "id")
    )
