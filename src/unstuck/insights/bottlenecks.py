"""Bottlenecks inside the desk: where the time goes in one process over one period, from our own log.

One ordered pass over the period's events (`event_log.log_events`) feeds `dfg.log_mine` — the very
computation `unstuck analyze` runs on a file, so the page equals `unstuck analyze` on the exported
log — and, on the side, the rework and ping-pong counters, which need each item's path:

- **visits**: consecutive events naming the same step are one visit (as everywhere in Unstuck);
- **rework**: an item visits a step again after having left it (A → B → A);
- **ping-pong**: an item's visits alternate between two steps A → B → A → B (or its steps' teams
  alternate between two teams), counted once per item and pair.

The previous period of the same length is computed the same way, for comparison. The cost is
bounded by the events of the two periods (index range on `(process, at)`), not by the log's size.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.core.errors import DomainError
from unstuck.insights.dfg import LogInsights, log_mine
from unstuck.insights.event_log import (
    AnyUser,
    LogEvent,
    LogFilter,
    attr_filters_parse,
    log_events,
    log_filter_check,
    moment_parse,
    process_for_log,
    process_visible,
)
from unstuck.processes.models import Process, Step
from unstuck.tracking.models import Event

PATTERNS_SHOWN = 15


@dataclass
class PathPatterns:
    """Rework and ping-pong counted over items' paths, and where items first reach each step."""

    items: int = 0
    rework_items: Counter[str] = field(default_factory=Counter)  # step -> items that came back to it
    rework_visits: Counter[str] = field(default_factory=Counter)  # step -> repeat visits
    rework_any: int = 0  # items with any rework
    step_pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    team_pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    pingpong_any: int = 0
    first_reached: dict[str, list[int]] = field(default_factory=dict)  # step -> [sum of index, items]

    def add(self, steps: Sequence[str], teams: Sequence[str]) -> None:
        """Count one item's path (its events' steps and their teams, in time order)."""
        self.items += 1
        visits = _collapse(steps)
        seen: Counter[str] = Counter(visits)
        reworked = False
        for step, times in seen.items():
            if times > 1:
                self.rework_items[step] += 1
                self.rework_visits[step] += times - 1
                reworked = True
        self.rework_any += reworked
        for index, step in enumerate(dict.fromkeys(visits)):
            entry = self.first_reached.setdefault(step, [0, 0])
            entry[0] += index
            entry[1] += 1
        bounced = _alternations(visits)
        self.step_pairs.update(bounced)
        team_bounces = _alternations(_collapse([team for team in teams if team]))
        self.team_pairs.update(team_bounces)
        self.pingpong_any += bool(bounced or team_bounces)

    def order_hint(self, step: str) -> float:
        """The mean position at which items first reach `step` (for laying out unknown steps)."""
        total, items = self.first_reached.get(step, (0, 0))
        return total / items if items else float("inf")


def _collapse(sequence: Sequence[str]) -> list[str]:
    visits: list[str] = []
    for value in sequence:
        if not visits or visits[-1] != value:
            visits.append(value)
    return visits


def _alternations(visits: Sequence[str]) -> set[tuple[str, str]]:
    """Pairs (sorted) that the visits bounce between: a, b, a, b somewhere in a row."""
    return {
        (min(visits[i], visits[i + 1]), max(visits[i], visits[i + 1]))
        for i in range(len(visits) - 3)
        if visits[i] == visits[i + 2] and visits[i + 1] == visits[i + 3]
    }


def _observed(events: Iterable[LogEvent], patterns: PathPatterns) -> Iterator[tuple[str, str, datetime]]:
    """The events for `log_mine`, counting each item's path as it passes (events come by item)."""
    current: str | None = None
    steps: list[str] = []
    teams: list[str] = []
    for event in events:
        if event.item != current:
            if steps:
                patterns.add(steps, teams)
            current, steps, teams = event.item, [], []
        steps.append(event.step)
        teams.append(event.team)
        yield event.item, event.step, event.at
    if steps:
        patterns.add(steps, teams)


@dataclass(frozen=True)
class PeriodFigures:
    """Everything computed for one period."""

    insights: LogInsights
    patterns: PathPatterns


def period_figures(*, process: Process, log_filter: LogFilter) -> PeriodFigures:
    """The DFG, step, variant and path figures of one period, in one ordered pass over its events."""
    patterns = PathPatterns()
    insights = log_mine(_observed(log_events(process=process, log_filter=log_filter), patterns))
    return PeriodFigures(insights, patterns)


@dataclass
class Bottlenecks:
    """The bottleneck page's figures: this period, the previous one and the names to show."""

    process: Process
    log_filter: LogFilter
    current: PeriodFigures
    previous: PeriodFigures
    step_names: dict[str, str]
    step_teams: dict[str, str]
    step_order: list[str]
    seconds: float
    event_range: tuple[datetime | None, datetime | None] = (None, None)

    def steps(self) -> list[dict[str, Any]]:
        """Per step: count and sojourn (mean, median, p90), beside the previous period's."""
        before = {s.activity: s for s in self.previous.insights.steps}
        rows = []
        for step in self.current.insights.steps:
            old = before.get(step.activity)
            change = None
            if old and old.sojourn_mean_seconds and step.sojourn_mean_seconds is not None:
                change = step.sojourn_mean_seconds / old.sojourn_mean_seconds - 1
            rows.append(
                {
                    **step.as_json(),
                    "name": self.step_names.get(step.activity, step.activity),
                    "team": self.step_teams.get(step.activity, ""),
                    "previous_count": old.count if old else 0,
                    "previous_sojourn_mean_seconds": old.sojourn_mean_seconds if old else None,
                    "sojourn_mean_change": change,
                }
            )
        return rows

    def rework(self) -> list[dict[str, Any]]:
        patterns = self.current.patterns
        return [
            {
                "step": step,
                "name": self.step_names.get(step, step),
                "items": items,
                "repeat_visits": patterns.rework_visits[step],
                "share": items / patterns.items if patterns.items else 0.0,
            }
            for step, items in patterns.rework_items.most_common(PATTERNS_SHOWN)
        ]

    def pingpong(self, kind: str) -> list[dict[str, Any]]:
        patterns = self.current.patterns
        pairs = patterns.step_pairs if kind == "steps" else patterns.team_pairs
        names = self.step_names if kind == "steps" else {}
        return [
            {"a": a, "b": b, "a_name": names.get(a, a), "b_name": names.get(b, b), "items": items}
            for (a, b), items in pairs.most_common(PATTERNS_SHOWN)
        ]

    def summary(self) -> dict[str, Any]:
        now, before = self.current, self.previous
        return {
            "cases": now.insights.cases,
            "events": now.insights.events,
            "variants": now.insights.variant_total,
            "rework_items": now.patterns.rework_any,
            "pingpong_items": now.patterns.pingpong_any,
            "previous_cases": before.insights.cases,
            "previous_events": before.insights.events,
            "previous_rework_items": before.patterns.rework_any,
            "previous_pingpong_items": before.patterns.pingpong_any,
        }

    def as_json(self) -> dict[str, Any]:
        f = self.log_filter
        assert f.since is not None and f.until is not None
        previous = f.shifted_back()
        return {
            "process": self.process.key,
            "since": f.since.isoformat(),
            "until": f.until.isoformat(),
            "previous_since": previous.since.isoformat() if previous.since else None,
            "team": f.team,
            "attrs": [{"key": k, "value": v} for k, v in f.attrs],
            "summary": self.summary(),
            "steps": self.steps(),
            "edges": [e.as_json() for e in self.current.insights.edges],
            "variants": [v.as_json() for v in self.current.insights.variants],
            "rework": self.rework(),
            "pingpong_steps": self.pingpong("steps"),
            "pingpong_teams": self.pingpong("teams"),
            "compute_seconds": round(self.seconds, 4),
        }


def bottlenecks_filter_parse(
    *,
    user: AnyUser,
    process: str,
    since: str | None,
    until: str | None,
    days: int,
    team: str,
    attrs: Iterable[str],
    now: datetime | None = None,
) -> LogFilter:
    """The page's and API's filter from their parameters: default process (the first the user may
    see), default period (the `days` days up to now). Raises DomainError with a stable code."""
    if not process:
        first = process_visible(user=user).values_list("key", flat=True).first()
        if first is None:
            raise DomainError("process_not_found", _("No process you may see has been loaded."), status=404)
        process = first
    end = moment_parse(until, field="until", end=True) if until else (now or timezone.now())
    start = moment_parse(since, field="since") if since else end - timedelta(days=days)
    log_filter = LogFilter(process, start, end, team.strip(), attr_filters_parse(attrs))
    log_filter_check(log_filter)
    return log_filter


def bottlenecks_compute(*, user: AnyUser, log_filter: LogFilter) -> Bottlenecks:
    """The figures of the filter's period and the one before it, for a process `user` may see."""
    process = process_for_log(user=user, key=log_filter.process)
    started = time.perf_counter()
    current = period_figures(process=process, log_filter=log_filter)
    previous = period_figures(process=process, log_filter=log_filter.shifted_back())
    seconds = time.perf_counter() - started
    names, teams, positions = _step_names(process)
    activities = list(current.insights.activities)
    order = sorted(
        activities,
        key=lambda a: (positions.get(a, len(positions)), current.patterns.order_hint(a), a),
    )
    return Bottlenecks(
        process=process,
        log_filter=log_filter,
        current=current,
        previous=previous,
        step_names=names,
        step_teams=teams,
        step_order=order,
        seconds=seconds,
    )


def _step_names(process: Process) -> tuple[dict[str, str], dict[str, str], dict[str, int]]:
    """Names, teams and positions of the current version's steps."""
    names: dict[str, str] = {}
    teams: dict[str, str] = {}
    positions: dict[str, int] = {}
    rows = Step.objects.filter(version_id=process.current_version_id).values_list(
        "key", "name", "team_key", "position"
    )
    for key, name, team, position in rows:
        names[key] = name or key
        teams[key] = team
        positions[key] = position
    return names, teams, positions


def event_range(*, process: Process) -> tuple[datetime | None, datetime | None]:
    """The first and latest event of the process (two index lookups on `(process, at)`)."""
    events = Event.objects.filter(process=process)
    first = events.order_by("at").values_list("at", flat=True).first()
    last = events.order_by("-at").values_list("at", flat=True).first()
    return first, last


def team_choices(process: Process) -> list[str]:
    """The teams owning a step of the process (for the filter)."""
    keys = (
        Step.objects.filter(version__process=process).exclude(team_key="").values_list("team_key", flat=True)
    )
    return sorted(set(keys))
