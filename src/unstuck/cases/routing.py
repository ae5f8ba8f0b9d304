"""The worker's two case jobs: open (or extend) a case for every new stall, and resolve a case by
itself once every stall it covers has resolved (the item recovered).

Both find their work through `Stall.case_routing`, the one field the cases app keeps on a stall:

- `pending` (every new stall): the partial index `stall_unrouted_idx` makes "stalls no case has
  seen yet" an index range, however many stalls are stored.
- `routed`: the stall is on an open case. The partial index `stall_recovered_idx` covers only the
  routed stalls that have *since resolved*, so the auto-resolution job reads exactly the stalls
  the stalls app resolved since its last pass — with no scan of cases, and without a cursor on
  `resolved_at` (which is back-dated to when the item moved on, so it cannot be a cursor).
- `done`: nothing left to do for the cases app.

Each pass claims a batch (FOR UPDATE SKIP LOCKED on PostgreSQL), does everything for it and moves
the markers in the same transaction: a worker killed mid-pass leaves the batch as it was, and the
partial unique constraint on open cases per (item, rule) stops two workers opening two cases.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.accounts.models import Team
from unstuck.accounts.services import team_ensure
from unstuck.cases.assignment import Assigner
from unstuck.cases.lifecycle import OPEN, TYPE_FOR_RULE, CaseStatus
from unstuck.cases.models import Case, CaseStall, TimelineEntry
from unstuck.cases.priority import PriorityConfig, priority_config_load
from unstuck.cases.routing_models import TypeTeam
from unstuck.cases.services import (
    case_assignment_entry,
    case_auto_assign,
    case_insert,
    case_new,
    case_number,
    case_status_set,
)
from unstuck.cases.signals import case_opened, cases_opened
from unstuck.cases.sla import sla_case_changed, sla_cases_opened
from unstuck.cases.timeline import timeline_append, timeline_entry_next
from unstuck.processes.spec import step_name
from unstuck.stalls.models import Stall
from unstuck.stalls.resolution import resolution_words

WORKER = "worker"
PENDING, ROUTED, DONE = "pending", "routed", "done"


@dataclass(frozen=True)
class RoutingResult:
    """What one routing pass did."""

    stalls: int
    opened: int
    added: int


def _claim(query: QuerySet[Stall], batch: int) -> list[Stall]:
    query = query.select_related("item", "process").order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True, of=("self",))
    return list(query[:batch])


def _open_case_locked(stall: Stall) -> Case | None:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("team")
        .filter(item_id=stall.item_id, rule=stall.rule, status__in=OPEN)
        .first()
    )


def _stall_text(stall: Stall) -> dict[str, object]:
    return {"stall": stall.pk, "rule": stall.rule, "step": stall.step, "since": stall.since.isoformat()}


def _add_stall(case: Case, stall: Stall) -> None:
    CaseStall.objects.create(case=case, stall=stall, added_at=timezone.now())
    if case.step != stall.step:  # the case is now about the step it stalled at this time
        case.step = stall.step
        Case.objects.filter(pk=case.pk).update(step=stall.step)
    timeline_append(
        case=case,
        kind=TimelineEntry.Kind.STALL_ADDED,
        actor_label=WORKER,
        data=_stall_text(stall),
        message=_("Stuck again: %(rule)s in step %(step)s.") % {"rule": stall.rule, "step": stall.step},
    )


@dataclass
class RoutingBatch:
    """What one routing transaction reads once: teams by key, the priority tables, the team per
    case type, and the assigner holding each team's roster."""

    now: datetime
    config: PriorityConfig
    type_teams: dict[str, Team]
    assigner: Assigner
    teams: dict[str, Team] = field(default_factory=dict)

    @classmethod
    def load(cls, now: datetime | None = None) -> RoutingBatch:
        now = now or timezone.now()
        type_teams = {row.case_type: row.team for row in TypeTeam.objects.select_related("team")}
        return cls(now, priority_config_load(), type_teams, Assigner(at=now))

    def team_for(self, stall: Stall, case_type: str) -> Team | None:
        """The step's team; a step without one gives the team configured for the case type."""
        if not stall.team_key:
            return self.type_teams.get(case_type)
        if stall.team_key not in self.teams:
            self.teams[stall.team_key] = team_ensure(key=stall.team_key)
        return self.teams[stall.team_key]


def _title(stall: Stall) -> str:
    step = step_name(stall.item.version_id, stall.step)
    return f"{stall.process.key} {stall.item.external_id}: {stall.get_rule_display()} @ {step}"


def _opened_entry(case: Case, stall: Stall, now: datetime) -> TimelineEntry:
    """The unsaved `opened` entry of a case a stall opened."""
    return timeline_entry_next(
        case=case,
        kind=TimelineEntry.Kind.OPENED,
        actor_label=WORKER,
        at=now,
        data={**_stall_text(stall), "type": case.type, "priority": case.priority, "impact": case.impact},
        message=_("Opened: item %(item)s is stuck (%(rule)s) in step %(step)s since %(since)s.")
        % {
            "item": stall.item.external_id,
            "rule": stall.rule,
            "step": stall.step,
            "since": stall.since.isoformat(),
        },
    )


def case_open_from_stall(stall: Stall, batch: RoutingBatch) -> Case | None:
    """Open a case for `stall` (inside the caller's transaction); None if one was opened meanwhile."""
    now = batch.now
    try:
        with transaction.atomic():  # a savepoint: losing the race to another worker is not an error
            case = case_insert(**_case_fields(stall, batch))
    except IntegrityError:
        return None
    CaseStall.objects.create(case=case, stall=stall, added_at=now)
    _opened_entry(case, stall, now).save(force_insert=True)
    Case.objects.filter(pk=case.pk).update(timeline_seq=case.timeline_seq, timeline_head=case.timeline_head)
    case_auto_assign(case=case, actor=None, actor_label=WORKER, at=now, assigner=batch.assigner)
    sla_case_changed(case=case, at=now)
    case_opened.send(sender=Case, case=case)  # casework: the playbook checklist
    return case


def _case_fields(stall: Stall, batch: RoutingBatch) -> dict[str, Any]:
    """What a case opened from `stall` is made of (`case_new` / `case_insert` arguments)."""
    case_type = TYPE_FOR_RULE.get(stall.rule, "other")
    return {
        "case_type": case_type,
        "title": _title(stall),
        "origin": Case.Origin.STALL,
        "item": stall.item,
        "process_id": stall.process_id,
        "rule": stall.rule,
        "step": stall.step,
        "team": batch.team_for(stall, case_type),
        "at": batch.now,
        "config": batch.config,
    }


def cases_open_from_stalls(stalls: list[Stall], batch: RoutingBatch) -> list[Case] | None:
    """Open one case for each of `stalls` (distinct items and rules) with a few statements for the
    whole batch: the same cases, numbers, owners and timeline entries as `case_open_from_stall`
    one by one. None (and nothing written) if another worker opened one of them meanwhile, or the
    database cannot return the new ids of a multi-row insert: the caller then goes one by one."""
    if not connection.features.can_return_rows_from_bulk_insert:
        return None
    now = batch.now
    cases = [case_new(**_case_fields(stall, batch)) for stall in stalls]
    try:
        with transaction.atomic():
            Case.objects.bulk_create(cases)
    except IntegrityError:
        return None
    links, entries = [], []
    for stall, case in zip(stalls, cases, strict=True):
        case.number = case_number(case.pk)
        links.append(CaseStall(case=case, stall=stall, added_at=now))
        entries.append(_opened_entry(case, stall, now))
        assigned = case_assignment_entry(
            case=case, assigner=batch.assigner, actor=None, actor_label=WORKER, at=now
        )
        if assigned is not None:
            entries.append(assigned)
    batch.assigner.flush()
    CaseStall.objects.bulk_create(links)
    TimelineEntry.objects.bulk_create(entries)
    sla_cases_opened(cases=cases)  # the SLA clocks start now ...
    _store_heads(cases)
    cases_opened.send(sender=Case, cases=cases)  # ... and casework lays out the playbook checklists
    return cases


def _store_heads(cases: list[Case]) -> None:
    """Write each new case's number, owner, timeline head and SLA summary: one prepared UPDATE run
    for all rows (the ORM's bulk_update builds a CASE expression per column and row, which costs more than the
    rest of the batch together)."""
    table = connection.ops.quote_name(Case._meta.db_table)
    sql = (
        f"UPDATE {table} SET number = %s, owner_id = %s, timeline_seq = %s, timeline_head = %s, "
        "sla_due_at = %s, sla_state = %s WHERE id = %s"
    )
    due = connection.ops.adapt_datetimefield_value  # SQLite stores the ORM's text form, in UTC
    rows = [
        (c.number, c.owner_id, c.timeline_seq, c.timeline_head, due(c.sla_due_at), c.sla_state, c.pk)
        for c in cases
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _open_cases_locked(stalls: list[Stall]) -> dict[tuple[int, str], Case]:
    """The open case of each stall's item and rule, locked, in one query."""
    found = (
        Case.objects.select_for_update(of=("self",))
        .select_related("team")
        .filter(
            item_id__in={stall.item_id for stall in stalls},
            rule__in={stall.rule for stall in stalls},
            status__in=OPEN,
        )
        .order_by("pk")
    )
    return {(case.item_id, case.rule): case for case in found if case.item_id is not None}


def _route_one(stall: Stall, context: RoutingBatch) -> tuple[str, int, int]:
    """Route one stall the slow, always-safe way; returns (marker, opened, added)."""
    case = _open_case_locked(stall)
    if case is None and stall.resolved_at is not None:
        return DONE, 0, 0
    if case is None:
        case = case_open_from_stall(stall, context)
        if case is not None:
            return ROUTED, 1, 0
        case = _open_case_locked(stall)  # the winner of the race has committed by now
        if case is None:  # ... and already resolved: the item recovered meanwhile
            return DONE, 0, 0
    _add_stall(case, stall)
    return ROUTED, 0, 1


def cases_route_stalls(*, batch: int = 500) -> RoutingResult:
    """Give every new stall a case: the open one for its item and rule, else a new one (auto-assigned).

    A stall that resolved before it was routed opens nothing (the item recovered on its own); if a
    case for it is open, it joins that case so the auto-resolution pass sees it. The cases a batch
    opens are written together (`cases_open_from_stalls`); stalls joining a case one by one.
    """
    opened = added = 0
    with transaction.atomic():
        stalls = _claim(Stall.objects.filter(case_routing=PENDING), batch)
        if not stalls:
            return RoutingResult(0, 0, 0)
        context = RoutingBatch.load()
        open_cases = _open_cases_locked(stalls)
        marks: dict[str, list[int]] = defaultdict(list)
        fresh: list[Stall] = []  # the first stall of its item and rule, with no case open
        joining: list[Stall] = []  # stalls whose item and rule has a case, or gets one in this batch
        opening: set[tuple[int, str]] = set()
        for stall in stalls:
            key = (stall.item_id, stall.rule)
            if key in open_cases or key in opening:
                joining.append(stall)
            elif stall.resolved_at is not None:
                marks[DONE].append(stall.pk)
            else:
                fresh.append(stall)
                opening.add(key)
        new_cases = cases_open_from_stalls(fresh, context) if fresh else []
        if new_cases is None:  # lost a race to another worker: the one-by-one path sorts it out
            for stall in sorted(fresh + joining, key=lambda s: s.pk):
                marker, one_opened, one_added = _route_one(stall, context)
                marks[marker].append(stall.pk)
                opened, added = opened + one_opened, added + one_added
        else:
            opened = len(new_cases)
            marks[ROUTED] += [stall.pk for stall in fresh]
            open_cases.update({(case.item_id, case.rule): case for case in new_cases if case.item_id})
            for stall in joining:
                _add_stall(open_cases[(stall.item_id, stall.rule)], stall)
                added += 1
                marks[ROUTED].append(stall.pk)
        for marker, ids in marks.items():
            Stall.objects.filter(pk__in=ids).update(case_routing=marker)
    return RoutingResult(len(stalls), opened, added)


def cases_resolve_recovered(*, batch: int = 500) -> int:
    """Resolve each open stall-opened case whose stalls have all resolved; returns stalls handled.

    The timeline entry says why, with the stalls' own resolution ("moved on to shipped").
    """
    with transaction.atomic():
        stalls = _claim(Stall.objects.filter(case_routing=ROUTED, resolved_at__isnull=False), batch)
        if not stalls:
            return 0
        by_case: dict[int, list[Stall]] = defaultdict(list)
        links = dict(CaseStall.objects.filter(stall__in=stalls).values_list("stall_id", "case_id"))
        for stall in stalls:
            if stall.pk in links:
                by_case[links[stall.pk]].append(stall)
        for case_id in sorted(by_case):  # one lock order for every worker
            case = Case.objects.select_for_update().filter(pk=case_id).first()
            if case is None or not case.is_open or case.origin != Case.Origin.STALL:
                continue
            if Stall.objects.filter(case_link__case=case, resolved_at__isnull=True).exists():
                continue
            recovered = by_case[case_id]
            why = "; ".join(sorted({stall.resolution for stall in recovered if stall.resolution}))
            words = "; ".join(sorted({resolution_words(stall) for stall in recovered if stall.resolution}))
            case_status_set(
                case=case,
                status=CaseStatus.RESOLVED,
                actor=None,
                actor_label=WORKER,
                reason=_("The item recovered: %(why)s.") % {"why": words or _("its stalls resolved")},
                kind=TimelineEntry.Kind.RESOLVED_AUTO,
                stalls=[stall.pk for stall in recovered],
                resolution=why,
            )
        Stall.objects.filter(pk__in=[stall.pk for stall in stalls]).update(case_routing=DONE)
    return len(stalls)
