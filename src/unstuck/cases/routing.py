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
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.accounts.models import Team
from unstuck.accounts.services import team_ensure
from unstuck.cases.lifecycle import OPEN, TYPE_FOR_RULE, CaseStatus
from unstuck.cases.models import Case, CaseStall, TimelineEntry
from unstuck.cases.services import case_auto_assign, case_insert, case_status_set
from unstuck.cases.timeline import timeline_append
from unstuck.stalls.models import Stall

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
    timeline_append(
        case=case,
        kind=TimelineEntry.Kind.STALL_ADDED,
        actor_label=WORKER,
        data=_stall_text(stall),
        message=_("Stuck again: %(rule)s in step %(step)s.") % {"rule": stall.rule, "step": stall.step},
    )


def _team(stall: Stall, teams: dict[str, Team]) -> Team | None:
    if not stall.team_key:
        return None
    if stall.team_key not in teams:
        teams[stall.team_key] = team_ensure(key=stall.team_key)
    return teams[stall.team_key]


def case_open_from_stall(stall: Stall, teams: dict[str, Team]) -> Case | None:
    """Open a case for `stall` (inside the caller's transaction); None if one was opened meanwhile."""
    now = timezone.now()
    case_type = TYPE_FOR_RULE.get(stall.rule, "other")
    item = stall.item
    try:
        with transaction.atomic():  # a savepoint: losing the race to another worker is not an error
            case = case_insert(
                case_type=case_type,
                title=f"{stall.process.key} {item.external_id}: {stall.get_rule_display()} @ {stall.step}",
                origin=Case.Origin.STALL,
                item=item,
                process_id=stall.process_id,
                rule=stall.rule,
                team=_team(stall, teams),
                at=now,
            )
    except IntegrityError:
        return None
    CaseStall.objects.create(case=case, stall=stall, added_at=now)
    timeline_append(
        case=case,
        kind=TimelineEntry.Kind.OPENED,
        actor_label=WORKER,
        at=now,
        data={**_stall_text(stall), "type": case.type, "priority": case.priority, "impact": case.impact},
        message=_("Opened: item %(item)s is stuck (%(rule)s) in step %(step)s since %(since)s.")
        % {
            "item": item.external_id,
            "rule": stall.rule,
            "step": stall.step,
            "since": stall.since.isoformat(),
        },
    )
    case_auto_assign(case=case, actor=None, actor_label=WORKER, at=now)
    return case


def cases_route_stalls(*, batch: int = 500) -> RoutingResult:
    """Give every new stall a case: the open one for its item and rule, else a new one (auto-assigned).

    A stall that resolved before it was routed opens nothing (the item recovered on its own); if a
    case for it is open, it joins that case so the auto-resolution pass sees it.
    """
    opened = added = 0
    with transaction.atomic():
        stalls = _claim(Stall.objects.filter(case_routing=PENDING), batch)
        teams: dict[str, Team] = {}
        marks: dict[str, list[int]] = defaultdict(list)
        for stall in stalls:
            case = _open_case_locked(stall)
            if case is None and stall.resolved_at is not None:
                marks[DONE].append(stall.pk)
                continue
            if case is None:
                case = case_open_from_stall(stall, teams)
                if case is not None:
                    opened += 1
                    marks[ROUTED].append(stall.pk)
                    continue
                case = _open_case_locked(stall)  # the winner of the race has committed by now
                if case is None:  # ... and already resolved: the item recovered meanwhile
                    marks[DONE].append(stall.pk)
                    continue
            _add_stall(case, stall)
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
            case_status_set(
                case=case,
                status=CaseStatus.RESOLVED,
                actor=None,
                actor_label=WORKER,
                reason=_("The item recovered: %(why)s.") % {"why": why or _("its stalls resolved")},
                kind=TimelineEntry.Kind.RESOLVED_AUTO,
                stalls=[stall.pk for stall in recovered],
                resolution=why,
            )
        Stall.objects.filter(pk__in=[stall.pk for stall in stalls]).update(case_routing=DONE)
    return len(stalls)
