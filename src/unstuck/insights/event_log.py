"""Our own event log, read from the database: which events a filter selects, in one ordered pass.

One definition serves the log export (XES/CSV) and the bottleneck page, so the page's figures equal
`unstuck analyze` on the exported file by construction (a test checks it anyway):

- the events of one process with `since <= at < until`;
- `team`: only items that visited, in the period, a step owned by that team (all their events in
  the period are kept, so their paths stay whole);
- `attrs`: only items whose attributes have each `key` equal to `value` (compared as text);
- ordered by item, then time, then arrival — the order `log_mine` expects within a case.

Permissions (`process_visible`): admins and auditors see every process; agents and supervisors see
the processes whose steps are owned by one of their teams.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.db.models.fields.json import KeyTransform
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.core.errors import DomainError
from unstuck.core.moments import moment_check
from unstuck.processes.models import Process, Step
from unstuck.processes.selectors import process_visible as process_visible_all
from unstuck.tracking.models import Event

AnyUser = AbstractBaseUser | AnonymousUser
#: Rows fetched per round trip when streaming the log (a server-side cursor on PostgreSQL).
CHUNK = 5000
MAX_ATTR_FILTERS = 5


@dataclass(frozen=True)
class LogFilter:
    """Which events of our log: a process, a half-open period, a team and attribute equalities."""

    process: str
    since: datetime | None = None
    until: datetime | None = None
    team: str = ""
    attrs: tuple[tuple[str, str], ...] = ()

    def shifted_back(self) -> LogFilter:
        """The previous period of the same length (needs both ends)."""
        assert self.since is not None and self.until is not None
        length = self.until - self.since
        return LogFilter(self.process, self.since - length, self.since, self.team, self.attrs)


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One stored event as the log shows it: the item is the case, the step the activity."""

    item: str
    step: str
    at: datetime
    attrs: dict[str, Any]
    team: str


def moment_parse(value: str, *, field: str, end: bool = False) -> datetime:
    """A period bound from text: an ISO date-time (naive means the server's zone) or a date.

    A bare date means its midnight; as an `end` bound (`--until 2026-11-30`) the midnight after it,
    so the whole day is included. Raises DomainError `invalid_timestamp` naming the field.
    """
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time())
            if end:
                moment = datetime.combine(date.fromordinal(day.toordinal() + 1), time())
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise DomainError(
            "invalid_timestamp",
            _(
                "%(field)s: %(value)r is not a date (2026-11-23) or a date and time"
                " (2026-11-23T09:00:00+08:00)"
            )
            % {"field": field, "value": value},
            details={"field": field},
        ) from None
    moment_check(moment, field=field)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def attr_filters_parse(values: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """`warehouse:上海仓` pairs from text; raises DomainError `invalid_attr` for a malformed one."""
    pairs: list[tuple[str, str]] = []
    for raw in values:
        if not raw:
            continue
        key, sep, value = raw.partition(":")
        if not sep or not key.strip() or not value.strip():
            raise DomainError(
                "invalid_attr",
                _("attr: %(value)r should look like key:value, e.g. warehouse:上海仓") % {"value": raw},
            )
        pairs.append((key.strip(), value.strip()))
    if len(pairs) > MAX_ATTR_FILTERS:
        raise DomainError(
            "invalid_attr", _("attr: at most %(n)d attribute filters at once") % {"n": MAX_ATTR_FILTERS}
        )
    return tuple(pairs)


def log_filter_check(log_filter: LogFilter) -> None:
    """Refuse an empty or reversed period (DomainError `invalid_period`)."""
    if log_filter.since and log_filter.until and log_filter.since >= log_filter.until:
        raise DomainError(
            "invalid_period",
            _("since (%(since)s) must be before until (%(until)s)")
            % {"since": log_filter.since.isoformat(), "until": log_filter.until.isoformat()},
        )


def process_visible(*, user: AnyUser) -> QuerySet[Process]:
    """Loaded processes whose log `user` may read (the one rule lives in processes.selectors)."""
    return process_visible_all(user=user).filter(current_version__isnull=False).order_by("key")


def process_for_log(*, user: AnyUser, key: str) -> Process:
    """One process `user` may read the log of, or DomainError `process_not_found` (404)."""
    process = process_visible(user=user).filter(key=key).first()
    if process is None:
        raise DomainError("process_not_found", _("No process %(key)r.") % {"key": key}, status=404)
    return process


def step_teams(process: Process) -> dict[str, str]:
    """Step key -> owning team key, the latest version winning (older versions fill the gaps)."""
    rows = Step.objects.filter(version__process=process).order_by("version__number")
    return {key: team for key, team in rows.values_list("key", "team_key") if team}


def _period(events: QuerySet[Event], log_filter: LogFilter) -> QuerySet[Event]:
    if log_filter.since is not None:
        events = events.filter(at__gte=log_filter.since)
    if log_filter.until is not None:
        events = events.filter(at__lt=log_filter.until)
    return events


def log_queryset(*, process: Process, log_filter: LogFilter) -> QuerySet[Event]:
    """The events the filter selects, ordered by item, time and arrival (not yet evaluated)."""
    events = _period(Event.objects.filter(process=process), log_filter)
    if log_filter.team:
        team_steps = [s for s, team in step_teams(process).items() if team == log_filter.team]
        touching = _period(Event.objects.filter(process=process, step__in=team_steps), log_filter)
        events = events.filter(item_id__in=touching.values("item_id"))
    for number, (key, value) in enumerate(log_filter.attrs):
        alias = f"attr_{number}"
        events = events.alias(**{alias: KeyTransform(key, "item__attrs")}).filter(_attr_matches(alias, value))
    return events.order_by("item_id", "at", "id")


def _attr_matches(alias: str, value: str) -> Q:
    """The attribute equals `value` as text, or as the number it spells (`金额:1299`)."""
    match = Q(**{alias: value})
    for kind in (int, float):
        try:
            match |= Q(**{alias: kind(value)})
            break
        except ValueError:
            continue
    return match


def log_events(*, process: Process, log_filter: LogFilter) -> Iterator[LogEvent]:
    """Stream the selected events (flat memory: rows arrive in chunks); the process came from
    `process_for_log`."""
    teams = step_teams(process)
    rows = log_queryset(process=process, log_filter=log_filter).values_list(
        "item__external_id", "step", "at", "attrs"
    )
    for item, step, at, attrs in rows.iterator(chunk_size=CHUNK):
        yield LogEvent(item, step, at, attrs or {}, teams.get(step, ""))


def log_attribute_keys(*, process: Process, log_filter: LogFilter) -> list[str]:
    """Every attribute key the selected events carry, sorted (the CSV header needs them up front)."""
    keys: set[str] = set()
    rows = log_queryset(process=process, log_filter=log_filter).values_list("attrs", flat=True)
    for attrs in rows.iterator(chunk_size=CHUNK):
        if attrs:
            keys.update(attrs)
    return sorted(keys)
