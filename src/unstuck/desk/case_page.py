"""Reads for the case page: the case as the user may see it, its item's events, the customer's
history and what the user may do next. A bounded number of queries whatever the history's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q

from unstuck.accounts.models import Membership, Role
from unstuck.accounts.selectors import user_role
from unstuck.cases.lifecycle import FINISHED, TRANSITIONS, CaseStatus
from unstuck.cases.models import Case, TimelineEntry
from unstuck.cases.selectors import case_get, case_timeline, case_visible
from unstuck.customers.models import Customer
from unstuck.desk.countdown import CalendarCache, Countdown, case_countdown
from unstuck.desk.display import CASE_ACTION_LABELS, label
from unstuck.messaging.models import Message
from unstuck.portal.models import Survey
from unstuck.processes.models import Step
from unstuck.tracking.models import Event, Item
from unstuck.tracking.selectors import item_events, item_visible

AnyUser = AbstractBaseUser | AnonymousUser
#: How much of each history the page shows (the API has everything).
EVENT_LIMIT = 200
HISTORY_LIMIT = 20
#: The case page shows the latest entries of a timeline; "earlier" loads the ones before, a page
#: at a time (a case with thousands of entries costs the same to open as a new one).
TIMELINE_PAGE = 50


@dataclass(frozen=True)
class HistoryRow:
    """One message or survey of the customer's, from an app that may not be installed."""

    text: str
    at: datetime | None
    kind: str


@dataclass(frozen=True)
class CustomerHistory:
    """What else the customer went through: other items, other cases, messages, surveys."""

    customer: Customer | None
    items: list[Item] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    messages: list[HistoryRow] = field(default_factory=list)
    surveys: list[HistoryRow] = field(default_factory=list)


@dataclass(frozen=True)
class CasePage:
    """Everything the case page shows about one case."""

    case: Case
    countdown: Countdown
    events: list[Event]
    events_truncated: bool
    step_names: dict[str, str]
    history: CustomerHistory
    timeline: TimelinePage
    next_statuses: list[tuple[str, str]]
    can_write: bool
    can_assign_others: bool
    assignees: list[tuple[str, str]]  # (username, shown name) of the case team's active members
    is_member: bool

    def step_name(self, step: str) -> str:
        return self.step_names.get(step, step)


@dataclass(frozen=True)
class TimelinePage:
    """Consecutive timeline entries in order, ending with the latest asked for, and how many precede."""

    entries: list[TimelineEntry]
    earlier: int

    @property
    def first_seq(self) -> int:
        return self.entries[0].seq if self.entries else 0


def timeline_page(*, case: Case, before: int | None = None) -> TimelinePage:
    """The TIMELINE_PAGE entries of `case` before entry `before` (default: the latest), oldest first.

    `case` comes from a permission-aware selector. The entries are numbered 1, 2, ... without gaps
    (the hash chain needs every one), so the count before the first shown is its number minus one.
    """
    entries = case_timeline(case=case)
    if before is not None:
        entries = entries.filter(seq__lt=before)
    shown = list(entries.order_by("-seq")[:TIMELINE_PAGE])[::-1]
    return TimelinePage(entries=shown, earlier=shown[0].seq - 1 if shown else 0)


def _history_rows(rows: list[Any], kind: str) -> list[HistoryRow]:
    def moment(row: Any) -> datetime | None:
        for name in ("created_at", "sent_at", "queued_at", "answered_at", "at"):
            value = getattr(row, name, None)
            if isinstance(value, datetime):
                return value
        return None

    return [HistoryRow(text=str(row), at=moment(row), kind=kind) for row in rows]


def _customer_messages(user: AnyUser, customer: Customer) -> list[HistoryRow]:
    """The customer's latest messages on cases `user` may see (customers are shared across teams;
    another team's conversation is not shown)."""
    query = Message.objects.filter(customer=customer)
    # A message about an item (a confirmation reminder) has no case: then its item decides.
    query = query.filter(
        Q(case__in=case_visible(user=user).values("pk"))
        | Q(case__isnull=True, item__in=item_visible(user=user).values("pk"))
    )
    rows = list(query.order_by("-pk")[:HISTORY_LIMIT])
    return _history_rows(rows, "message")


def _customer_surveys(user: AnyUser, customer: Customer) -> list[HistoryRow]:
    """The customer's survey answers (the portal's) on cases `user` may see."""
    query = Survey.objects.filter(
        case__item__customer=customer, case__in=case_visible(user=user).values("pk")
    )
    return _history_rows(list(query.order_by("-pk")[:HISTORY_LIMIT]), "survey")


def customer_history(*, user: AnyUser, case: Case) -> CustomerHistory:
    """The case's customer's other items and the cases of theirs `user` may see, their messages
    and their surveys."""
    item = case.item
    customer = item.customer if item is not None else None
    if customer is None:
        return CustomerHistory(customer=None)
    assert item is not None  # a customer comes from the case's item
    items = list(
        item_visible(user=user)
        .filter(customer=customer)
        .exclude(pk=item.pk)
        .select_related("process")
        .order_by("-started_at", "-id")[:HISTORY_LIMIT]
    )
    cases = list(
        case_visible(user=user)
        .filter(item__customer=customer)
        .exclude(pk=case.pk)
        .select_related("item")
        .order_by("-opened_at", "-id")[:HISTORY_LIMIT]
    )
    return CustomerHistory(
        customer=customer,
        items=items,
        cases=cases,
        messages=_customer_messages(user, customer),
        surveys=_customer_surveys(user, customer),
    )


def _assignees(case: Case) -> list[tuple[str, str]]:
    if case.team_id is None:
        return []
    members = (
        Membership.objects.filter(team_id=case.team_id, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    )
    return [(m.user.get_username(), m.user.get_full_name() or m.user.get_username()) for m in members]


def case_page(*, user: AnyUser, case_id: int, now: datetime) -> CasePage:
    """The case page for `case_id` as `user` may see it; DomainError `case_not_found` otherwise."""
    case = case_get(user=user, case_id=case_id)
    item = case.item
    events: list[Event] = []
    step_names: dict[str, str] = {}
    if item is not None:
        events = list(item_events(item=item)[: EVENT_LIMIT + 1])
        step_names = dict(Step.objects.filter(version_id=item.version_id).values_list("key", "name"))
    role = user_role(user)
    assignees = _assignees(case)
    is_member = any(username == user.get_username() for username, _ in assignees)
    next_statuses = [
        (status, label(CASE_ACTION_LABELS, status))
        for status in CaseStatus.values
        if status in TRANSITIONS.get(case.status, frozenset())
    ]
    return CasePage(
        case=case,
        countdown=case_countdown(case, now=now, calendars=CalendarCache()),
        events=events[:EVENT_LIMIT],
        events_truncated=len(events) > EVENT_LIMIT,
        step_names=step_names,
        history=customer_history(user=user, case=case),
        timeline=timeline_page(case=case),
        next_statuses=next_statuses,
        can_write=role != Role.AUDITOR,
        can_assign_others=role in {Role.SUPERVISOR, Role.ADMIN},
        assignees=assignees,
        is_member=is_member or case.team_id is None,
    )


def case_is_finished(case: Case) -> bool:
    return case.status in FINISHED
