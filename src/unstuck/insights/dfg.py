"""Bottleneck figures of an event log: directly-follows edges, per-step sojourn times and variants.

Pure Python, no database: `log_mine` takes `(case, activity, at)` tuples in file order and returns
everything `unstuck analyze` prints. The definitions are those of pm4py's performance DFG, so the
figures can be checked against it:

- Events of one case are ordered by time with a *stable* sort: events with equal timestamps keep
  their order in the file (pm4py sorts its dataframe by case and timestamp with a stable lexsort).
- An edge (a, b) is a pair of consecutive events of one case; its duration is the time from a to b.
  A case of one event has no edge; a repeated activity gives a self-loop (a, a).
- mean/median are over the durations in seconds (pandas `total_seconds()`), median averaging the two
  middle values of an even count.
- The sojourn of an event is the time until the next event of its case, i.e. the duration of the
  edge leaving it; the last event of a case has none. Step sojourn statistics are therefore over
  every edge leaving that activity; p90 interpolates linearly between ranks (numpy's default).
- A variant is the sequence of activities of a case; its duration runs from the first to the last event.

Memory: per case two compact arrays (timestamps in integer microseconds, activity ids), about 12
bytes an event, since a file is not required to be grouped by case.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import lt
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECONDS = 1_000_000
VARIANTS_KEPT = 20


@dataclass(frozen=True, slots=True)
class Edge:
    """A directly-follows pair with how often it occurs and how long the step between takes."""

    source: str
    target: str
    count: int
    mean_seconds: float
    median_seconds: float
    total_seconds: float

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "to": self.target,
            "count": self.count,
            "mean_seconds": self.mean_seconds,
            "median_seconds": self.median_seconds,
            "total_seconds": self.total_seconds,
        }


@dataclass(frozen=True, slots=True)
class StepStats:
    """An activity's event count and the sojourn (time to the case's next event) of its events."""

    activity: str
    count: int
    sojourn_count: int
    sojourn_mean_seconds: float | None
    sojourn_median_seconds: float | None
    sojourn_p90_seconds: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "activity": self.activity,
            "count": self.count,
            "sojourn_count": self.sojourn_count,
            "sojourn_mean_seconds": self.sojourn_mean_seconds,
            "sojourn_median_seconds": self.sojourn_median_seconds,
            "sojourn_p90_seconds": self.sojourn_p90_seconds,
        }


@dataclass(frozen=True, slots=True)
class Variant:
    """One sequence of activities, how many cases follow it and their mean duration."""

    activities: tuple[str, ...]
    count: int
    mean_duration_seconds: float

    def as_json(self) -> dict[str, Any]:
        return {
            "activities": list(self.activities),
            "count": self.count,
            "mean_duration_seconds": self.mean_duration_seconds,
        }


@dataclass
class LogInsights:
    """Everything `unstuck analyze` reports about one event log."""

    cases: int
    events: int
    activities: dict[str, int]
    edges: list[Edge]
    steps: list[StepStats]
    variants: list[Variant]
    variant_total: int
    start_activities: dict[str, int] = field(default_factory=dict)
    end_activities: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "events": self.events,
            "activities": [{"activity": a, "count": n} for a, n in self.activities.items()],
            "edges": [edge.as_json() for edge in self.edges],
            "steps": [step.as_json() for step in self.steps],
            "variants": [variant.as_json() for variant in self.variants],
            "variant_total": self.variant_total,
            "start_activities": self.start_activities,
            "end_activities": self.end_activities,
        }


def epoch_microseconds(moment: datetime) -> int:
    """An aware datetime as integer microseconds since 1970, so differences are exact."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * MICROSECONDS + delta.microseconds


def percentile(ordered: list[int], fraction: float) -> float:
    """The linearly interpolated percentile of sorted values (numpy's default method)."""
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _median(ordered: list[int]) -> float:
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle] / MICROSECONDS
    # pandas takes the mean of the two middle values in seconds
    return (ordered[middle - 1] / MICROSECONDS + ordered[middle] / MICROSECONDS) / 2


def log_mine(events: Iterable[tuple[str, str, datetime]]) -> LogInsights:
    """The bottleneck figures of `(case, activity, at)` events given in any order (see the module doc)."""
    case_index: dict[str, int] = {}
    activity_index: dict[str, int] = {}
    times: list[array[int]] = []
    acts: list[array[int]] = []
    unordered: set[int] = set()  # cases whose events came out of time order and need a sort
    for case, activity, at in events:
        number = case_index.get(case)
        if number is None:
            number = case_index[case] = len(times)
            times.append(array("q"))
            acts.append(array("I"))
        act = activity_index.get(activity)
        if act is None:
            act = activity_index[activity] = len(activity_index)
        stamp = epoch_microseconds(at)
        case_times = times[number]
        if case_times and stamp < case_times[-1]:
            unordered.add(number)
        case_times.append(stamp)
        acts[number].append(act)
    return _figures(list(activity_index), times, acts, unordered)


def log_mine_traces(traces: Iterable[tuple[str, list[str], list[int]]]) -> LogInsights:
    """Like `log_mine`, from whole traces `(case, activities, times in µs since 1970)` in file order.

    The fast XES path hands over a trace at a time, which saves a lookup per event. A case whose
    events are spread over several traces is one case, as in `log_mine`.
    """
    case_index: dict[str, int] = {}
    activity_index: dict[str, int] = {}
    times: list[array[int]] = []
    acts: list[array[int]] = []
    unordered: set[int] = set()
    for case, activities, stamps in traces:
        try:
            ids = array("I", map(activity_index.__getitem__, activities))  # in C, once all are known
        except KeyError:
            for activity in activities:
                activity_index.setdefault(activity, len(activity_index))
            ids = array("I", map(activity_index.__getitem__, activities))
        joined = array("q", stamps)
        shuffled = any(map(lt, joined[1:], joined))
        number = case_index.get(case)
        if number is None:
            number = case_index[case] = len(times)
            times.append(joined)
            acts.append(ids)
        else:  # the case continues in another trace
            case_times = times[number]
            shuffled = shuffled or joined[0] < case_times[-1]
            case_times.extend(joined)
            acts[number].extend(ids)
        if shuffled:
            unordered.add(number)
    return _figures(list(activity_index), times, acts, unordered)


def _figures(
    names: list[str], times: list[array[int]], acts: list[array[int]], unordered: set[int]
) -> LogInsights:
    width = len(names)
    durations: defaultdict[int, list[int]] = defaultdict(list)  # source * width + target -> µs
    counting: Counter[int] = Counter()
    starts: Counter[int] = Counter()
    ends: Counter[int] = Counter()
    variants: dict[tuple[int, ...], list[int]] = {}  # sequence -> [cases, total microseconds]
    events = 0
    for number, case_times in enumerate(times):
        case_acts = acts[number]
        if number in unordered:
            order = sorted(range(len(case_times)), key=case_times.__getitem__)  # stable: ties keep file order
            case_times = array("q", (case_times[i] for i in order))
            case_acts = array("I", (case_acts[i] for i in order))
        events += len(case_acts)
        counting.update(case_acts)  # counted in C
        starts[case_acts[0]] += 1
        ends[case_acts[-1]] += 1
        # zip over the arrays and their one-step shifts: no index arithmetic per edge (hot loop)
        later_times = iter(case_times)
        next(later_times)
        later_acts = iter(case_acts)
        next(later_acts)
        pairs = zip(case_acts, later_acts, case_times, later_times, strict=False)
        for source, target, before, after in pairs:
            durations[source * width + target].append(after - before)
        sequence = tuple(case_acts)
        entry = variants.get(sequence)
        span = case_times[-1] - case_times[0]
        if entry is None:
            variants[sequence] = [1, span]
        else:
            entry[0] += 1
            entry[1] += span
    counts = [counting[act] for act in range(width)]
    edges: list[Edge] = []
    leaving: dict[int, list[int]] = {}
    for key, spent in durations.items():
        spent.sort()
        source, target = divmod(key, width)
        total = sum(spent)
        edges.append(
            Edge(
                source=names[source],
                target=names[target],
                count=len(spent),
                mean_seconds=total / len(spent) / MICROSECONDS,
                median_seconds=_median(spent),
                total_seconds=total / MICROSECONDS,
            )
        )
        leaving.setdefault(source, []).extend(spent)
    edges.sort(key=lambda e: (-e.total_seconds, e.source, e.target))
    steps = [_step(names[act], counts[act], leaving.get(act, [])) for act in range(width)]
    steps.sort(key=lambda s: (-(s.sojourn_mean_seconds or 0.0), s.activity))
    ranked = sorted(variants.items(), key=lambda item: (-item[1][0], [names[a] for a in item[0]]))
    return LogInsights(
        cases=len(times),
        events=events,
        activities=dict(sorted(((names[a], counts[a]) for a in range(width)), key=lambda p: (-p[1], p[0]))),
        edges=edges,
        steps=steps,
        variants=[
            Variant(tuple(names[a] for a in seq), cases, total / cases / MICROSECONDS)
            for seq, (cases, total) in ranked[:VARIANTS_KEPT]
        ],
        variant_total=len(variants),
        start_activities={names[a]: n for a, n in starts.most_common()},
        end_activities={names[a]: n for a, n in ends.most_common()},
    )


def _step(activity: str, count: int, spent: list[int]) -> StepStats:
    if not spent:
        return StepStats(activity, count, 0, None, None, None)
    spent.sort()
    return StepStats(
        activity=activity,
        count=count,
        sojourn_count=len(spent),
        sojourn_mean_seconds=sum(spent) / len(spent) / MICROSECONDS,
        sojourn_median_seconds=_median(spent),
        sojourn_p90_seconds=percentile(spent, 0.9) / MICROSECONDS,
    )


__all__ = ["Edge", "LogInsights", "StepStats", "Variant", "epoch_microseconds", "log_mine", "log_mine_traces"]
