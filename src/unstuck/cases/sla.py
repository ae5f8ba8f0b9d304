"""SLA clocks of a case: started, paused, met and rescheduled by one function every case service calls.

`sla_case_changed` runs inside the caller's transaction with the case row locked, after the caller
changed the case. It brings the case's clocks (one per target) up to date with what happened:

- **opened** (no clocks yet): the case's priority picks the active policy; first response and
  resolution start at `opened_at`, next update waits for the first response.
- **a human action** (assign by a person, a note, a status change by a person) meets the first
  response and starts the next-update clock.
- **a customer-facing update** (a status change by a person, a note recorded as told to the
  customer, an outbound message) restarts the next-update clock: a new cycle with fresh timers.
- **status**: a pausing status (policy's `pause_statuses`) pauses every running clock; leaving it
  adds the paused business time, so every due moment moves by exactly that. Resolving meets the
  resolution clock and stops the others; reopening resumes resolution with the time spent
  resolved counted as paused.

Business time is the case team's calendar (`Team.calendar_key`; `cn-workdays` without a team).
A calendar that cannot compute (a year without verified holidays, an unknown key) leaves the clock
without a due time and says why in `problem`, so opening the case never fails on it.
Finally `Case.sla_due_at` / `Case.sla_state` are refreshed: the queues sort and filter on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from unstuck.calendars.business_time import BusinessCalendar, CalendarError, get_calendar
from unstuck.calendars.durations import parse_duration
from unstuck.cases.lifecycle import FINISHED
from unstuck.cases.models import Case, SlaState
from unstuck.cases.sla_models import (
    DEFAULT_PAUSE_STATUSES,
    DEFAULT_WARN_FRACTIONS,
    EscalationLevel,
    SlaClock,
    SlaPolicy,
    SlaTarget,
    SlaTimer,
)
from unstuck.core.errors import DomainError

DEFAULT_CALENDAR = "cn-workdays"
_STATE_FIELDS = ("cycle", "started_at", "paused_since", "paused_seconds", "met_at", "stopped_at")


@dataclass
class _Calendars:
    """The calendars one call uses, each looked up once (None with the reason when it cannot compute)."""

    found: dict[str, tuple[BusinessCalendar | None, str]]

    def get(self, key: str) -> tuple[BusinessCalendar | None, str]:
        if key not in self.found:
            try:
                self.found[key] = (get_calendar(key), "")
            except CalendarError as error:
                self.found[key] = (None, str(error)[:300])
        return self.found[key]


def case_calendar_key(case: Case) -> str:
    """The calendar a case's clocks count in: its team's, else `cn-workdays`."""
    if case.team_id is None or case.team is None:
        return DEFAULT_CALENDAR
    return case.team.calendar_key or DEFAULT_CALENDAR


def duration_seconds(calendar: BusinessCalendar | None, text: str) -> int:
    """Business seconds of a duration text on `calendar` (a day is its working day; 9 h without one)."""
    if not text.strip():
        return 0
    duration = parse_duration(text)
    day = calendar.day_seconds if calendar is not None else 9 * 3600
    return duration.days * day + duration.seconds


def _add(calendar: BusinessCalendar | None, clock: SlaClock, seconds: int) -> datetime | None:
    if calendar is None or clock.started_at is None:
        return None
    try:
        return calendar.add_seconds(clock.started_at, seconds + clock.paused_seconds)
    except CalendarError as error:
        clock.problem = str(error)[:300]
        return None


def _timers_build(
    clock: SlaClock,
    policy: SlaPolicy | None,
    levels: list[EscalationLevel],
    calendar: BusinessCalendar | None,
) -> list[SlaTimer]:
    """The warning, breach and escalation moments of the clock's current cycle."""
    calendar_budget = clock.budget_seconds
    fractions = sorted(policy.warn_fractions) if policy is not None else list(DEFAULT_WARN_FRACTIONS)
    base = {"clock": clock, "case_id": clock.case_id, "cycle": clock.cycle}
    timers = [
        SlaTimer(
            **base,
            kind=SlaTimer.Kind.WARNING,
            key=f"warning:{fraction:g}",
            fraction=fraction,
            offset_seconds=round(fraction * calendar_budget),
        )
        for fraction in fractions
    ]
    timers.append(
        SlaTimer(
            **base, kind=SlaTimer.Kind.BREACH, key="breach", fraction=1.0, offset_seconds=calendar_budget
        )
    )
    for level in sorted(levels, key=lambda level: level.position):
        if level.target != clock.target:
            continue
        timers.append(
            SlaTimer(
                **base,
                kind=SlaTimer.Kind.ESCALATION,
                key=f"escalation:{level.pk}",
                fraction=level.at_fraction,
                level=level,
                offset_seconds=round(level.at_fraction * calendar_budget)
                + duration_seconds(calendar, level.delay),
            )
        )
    return timers


def _schedule(clock: SlaClock, timers: list[SlaTimer], calendars: _Calendars) -> None:
    """Set the due moments of a clock and its pending timers (null unless the clock runs)."""
    calendar, problem = calendars.get(clock.calendar_key)
    clock.problem = problem
    if not clock.is_running:
        clock.due_at = None
        for timer in timers:
            timer.due_at = None
        return
    clock.due_at = _add(calendar, clock, clock.budget_seconds)
    for timer in timers:
        timer.due_at = _add(calendar, clock, timer.offset_seconds)


def _pause_end(clock: SlaClock, at: datetime, calendars: _Calendars) -> None:
    """Close a running pause: its business time is added to the clock."""
    if clock.paused_since is None:
        return
    calendar, _problem = calendars.get(clock.calendar_key)
    if calendar is not None:
        try:
            clock.paused_seconds += max(0, calendar.seconds_between(clock.paused_since, at))
        except CalendarError as error:
            clock.problem = str(error)[:300]
    clock.paused_since = None


def _cycle_start(clock: SlaClock, at: datetime, *, new_cycle: bool) -> None:
    if new_cycle:
        clock.cycle += 1
        clock.met_at = at  # for next update: the customer-facing update that restarted it
    clock.started_at = at
    clock.paused_since = None
    clock.paused_seconds = 0
    clock.warned = []
    clock.breached_at = None
    clock.stopped_at = None


def _active_policy(priority: str) -> SlaPolicy | None:
    return SlaPolicy.objects.filter(priority=priority, active=True).first()


def _clocks_create(case: Case, policy: SlaPolicy, calendars: _Calendars) -> list[SlaClock]:
    clocks = _clocks_new(case, policy, calendars)
    for clock in clocks:
        clock.save(force_insert=True)
    return clocks


def _clocks_new(case: Case, policy: SlaPolicy, calendars: _Calendars) -> list[SlaClock]:
    """The case's three clocks under `policy`, unsaved: first response and resolution run from the
    opening, next update waits for the first human action."""
    key = case_calendar_key(case)
    calendar, problem = calendars.get(key)
    clocks = []
    for target in SlaTarget.values:
        clock = SlaClock(
            case=case,
            target=target,
            policy=policy,
            priority=policy.priority,
            calendar_key=key,
            budget_seconds=duration_seconds(calendar, policy.target_duration(target)),
            started_at=None if target == SlaTarget.NEXT_UPDATE else case.opened_at,
            problem=problem,
        )
        clocks.append(clock)
    return clocks


def _state(clock: SlaClock) -> tuple[object, ...]:
    return tuple(getattr(clock, name) for name in _STATE_FIELDS)


def sla_case_changed(  # noqa: C901  (one pass over the clocks; split, the order of updates would hide)
    *, case: Case, at: datetime | None = None, human: bool = False, customer_update: bool = False
) -> None:
    """Bring `case`'s SLA clocks up to date after a change, then `sla_due_at` / `sla_state`.

    `human`: a person acted on the case (meets the first response); `customer_update`: the
    customer was told something (restarts next update). The caller holds the case row locked.
    """
    at = at or timezone.now()
    calendars = _Calendars({})
    clocks = list(SlaClock.objects.filter(case=case).select_related("policy"))
    fresh: set[int] = set()
    if not clocks:
        policy = _active_policy(case.priority) if case.is_open else None
        if policy is None:
            sla_summary_store(case=case, clocks=[])
            return
        clocks = _clocks_create(case, policy, calendars)
        fresh = {clock.pk for clock in clocks if clock.started_at is not None}
    before = {clock.pk: _state(clock) for clock in clocks}
    by_target = {clock.target: clock for clock in clocks}
    policy = next((clock.policy for clock in clocks if clock.policy is not None), None)
    pausing = set(policy.pause_statuses if policy is not None else DEFAULT_PAUSE_STATUSES)
    finished = case.status in FINISHED
    first, update, resolution = (by_target.get(target) for target in SlaTarget.values)
    update_was_running = update is not None and update.started_at is not None and not update.is_done

    if finished:
        for clock in clocks:
            if clock.is_done:
                continue
            _pause_end(clock, at, calendars)
            meets = clock.target == SlaTarget.RESOLUTION or (
                clock.target == SlaTarget.FIRST_RESPONSE and human
            )
            if meets and clock.started_at is not None:
                clock.met_at = at
            else:
                clock.stopped_at = at
    else:
        if resolution is not None and resolution.is_done:  # reopened: the time resolved does not count
            resolution.paused_since = resolution.met_at or resolution.stopped_at
            resolution.met_at = resolution.stopped_at = None
        if first is not None and first.stopped_at is not None:
            first.stopped_at = None
        if update is not None and update.stopped_at is not None:
            update.stopped_at = None
            if update.started_at is not None:
                _cycle_start(update, at, new_cycle=True)
                fresh.add(update.pk)
                update_was_running = False
        if human and first is not None and not first.is_done:
            _pause_end(first, at, calendars)
            first.met_at = at
        if human and update is not None and update.started_at is None:
            _cycle_start(update, at, new_cycle=False)
            fresh.add(update.pk)
        elif customer_update and update is not None and update_was_running:
            _cycle_start(update, at, new_cycle=True)
            fresh.add(update.pk)
        for clock in clocks:
            if clock.started_at is None or clock.is_done:
                continue
            if case.status in pausing and clock.paused_since is None:
                clock.paused_since = at
            elif case.status not in pausing:
                _pause_end(clock, at, calendars)

    for clock in clocks:
        if clock.pk not in fresh and _state(clock) == before[clock.pk]:
            continue
        if clock.pk in fresh:
            SlaTimer.objects.filter(clock=clock, fired_at__isnull=True, cycle__lt=clock.cycle).delete()
            levels = list(clock.policy.levels.all()) if clock.policy is not None else []
            timers = _timers_build(clock, clock.policy, levels, calendars.get(clock.calendar_key)[0])
            _schedule(clock, timers, calendars)
            SlaTimer.objects.bulk_create(timers)
        else:
            timers = list(SlaTimer.objects.filter(clock=clock, cycle=clock.cycle, fired_at__isnull=True))
            _schedule(clock, timers, calendars)
            SlaTimer.objects.bulk_update(timers, ["due_at"])
        clock.save()
    sla_summary_store(case=case, clocks=clocks)


def sla_cases_opened(*, cases: list[Case]) -> None:
    """Start the clocks of cases just inserted (open, none yet; they run from `opened_at`) with a
    few statements for the whole batch: the same clocks, timers and `sla_due_at` / `sla_state` as
    `sla_case_changed` one by one (the routing batch opens hundreds at once). The caller stores
    the cases' summary fields."""
    calendars = _Calendars({})
    policies: dict[str, SlaPolicy] = {}
    for found in (
        SlaPolicy.objects.filter(active=True, priority__in={case.priority for case in cases})
        .order_by("pk")
        .prefetch_related("levels")
    ):
        policies.setdefault(found.priority, found)  # the first by id, as `_active_policy`
    clocks: list[SlaClock] = []
    timers: list[SlaTimer] = []
    for case in cases:
        policy = policies.get(case.priority) if case.is_open else None
        if policy is None:
            case.sla_due_at, case.sla_state = None, ""
            continue
        own = _clocks_new(case, policy, calendars)
        levels = list(policy.levels.all())
        for clock in own:
            if clock.started_at is None:
                continue
            started = _timers_build(clock, policy, levels, calendars.get(clock.calendar_key)[0])
            _schedule(clock, started, calendars)
            timers += started
        case.sla_due_at, case.sla_state = sla_summary(own)
        clocks += own
    SlaClock.objects.bulk_create(clocks)
    SlaTimer.objects.bulk_create(timers)  # each timer's clock has its id now


def sla_summary(clocks: list[SlaClock]) -> tuple[datetime | None, str]:
    """`(sla_due_at, sla_state)` of a case from its clocks (what the desk's queues sort and filter on).

    Due: the nearest due moment of a running target; null while paused or when none runs. State,
    over the targets still running or paused: `breached` if one breached, else `paused` if all are
    paused, else `warning` if one warned, else `ok`; a finished case keeps `breached` when its
    resolution was late, else ''.
    """
    live = [clock for clock in clocks if clock.started_at is not None and not clock.is_done]
    dues = [clock.due_at for clock in live if clock.paused_since is None and clock.due_at is not None]
    due = min(dues) if dues else None
    if not live:
        late = any(clock.breached_at for clock in clocks if clock.target == SlaTarget.RESOLUTION)
        return None, SlaState.BREACHED.value if late else ""
    if any(clock.breached_at for clock in live):
        return due, SlaState.BREACHED.value
    if all(clock.paused_since is not None for clock in live):
        return None, SlaState.PAUSED.value
    if any(clock.warned for clock in live):
        return due, SlaState.WARNING.value
    return due, SlaState.OK.value


def sla_summary_store(*, case: Case, clocks: list[SlaClock]) -> None:
    """Write the case's `sla_due_at` / `sla_state` if they changed (the case row is locked)."""
    due, state = sla_summary(clocks)
    if (case.sla_due_at, case.sla_state) != (due, state):
        case.sla_due_at, case.sla_state = due, state
        Case.objects.filter(pk=case.pk).update(sla_due_at=due, sla_state=state)


def sla_remaining_seconds(*, clock: SlaClock, now: datetime) -> int | None:
    """Business seconds left until the clock's due moment (negative once overdue; None without one)."""
    if clock.due_at is None:
        return None
    calendar, _problem = _Calendars({}).get(clock.calendar_key)
    if calendar is None:
        return None
    try:
        return calendar.seconds_between(now, clock.due_at)
    except CalendarError:
        return None


@transaction.atomic
def case_customer_updated(*, case_id: int, at: datetime | None = None) -> Case:
    """Record that the customer was sent an update on the case (an outbound message): it is a human
    action (meets the first response) and restarts the next-update clock. Called by the messaging
    app when an agent's message to the customer is queued (it writes the message's timeline entry)."""
    case = Case.objects.select_for_update(of=("self",)).select_related("team").filter(pk=case_id).first()
    if case is None:
        raise DomainError("case_not_found", f"No case {case_id}.", status=404)
    sla_case_changed(case=case, at=at, human=True, customer_update=True)
    return case
