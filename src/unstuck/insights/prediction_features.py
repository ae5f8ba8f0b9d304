"""Turning running cases into rows of numbers: one row per prefix (the case as it stood after each event).

A trace is one case's events in time order. A prefix of length k is what was known after its k-th
event; its features are the last activity, k, elapsed time since the case began, time since the
previous event, hour and weekday of the last event, how often each activity occurred so far, and the
case attributes as they stood (later events' attributes overwrite earlier ones, as `Item.attrs` does).
The encoder learns its vocabularies from the training traces only, so held-out cases never shape it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from django.utils import timezone

from unstuck.tracking.readers.common import ColumnMap, ImportFileError, ReadOptions, RowError, zone_from_name
from unstuck.tracking.readers.formats import detect_format, open_reader

#: The "next activity" after a case's last event.
END = "⟨end⟩"
#: Attributes with more distinct values than this in training are identifiers or free text: skipped.
MAX_CATEGORIES = 60
#: More activities than this are coded as plain numbers (the boosted models' category limit).
MAX_ACTIVITY_CATEGORIES = 250
#: Attributes present in fewer prefixes than this share carry too little to learn from.
MIN_PRESENCE = 0.05


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One event of a trace: what happened, when, and the attributes it carried."""

    activity: str
    at: datetime
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Trace:
    """One case's events in time order (ties kept in arrival order)."""

    case: str
    events: tuple[TraceEvent, ...]

    @property
    def start(self) -> datetime:
        return self.events[0].at

    @property
    def end(self) -> datetime:
        return self.events[-1].at


@dataclass(frozen=True, slots=True)
class Prefix:
    """A case as it stood after its `length`-th event, seen at moment `at` (default: that event).

    `promised_at` is the case's promise, when it has one (the product's items; not event logs).
    """

    trace: Trace
    length: int
    attrs: dict[str, Any]
    at: datetime | None = None
    promised_at: datetime | None = None

    @property
    def last(self) -> TraceEvent:
        return self.trace.events[self.length - 1]

    @property
    def moment(self) -> datetime:
        return self.at or self.last.at

    @property
    def remaining_seconds(self) -> float:
        return max((self.trace.end - self.moment).total_seconds(), 0.0)

    @property
    def missed_promise(self) -> bool:
        return self.promised_at is not None and self.trace.end > self.promised_at

    @property
    def next_activity(self) -> str:
        events = self.trace.events
        return events[self.length].activity if self.length < len(events) else END


def traces_from_file(path: Path, *, timezone_name: str | None = None) -> list[Trace]:
    """Every case of a CSV or XES event log as a trace (events sorted by time, ties in file order).

    Raises the readers' ImportFileError (a bad row names its line): a silently shortened log would
    give figures that mislead.
    """
    fmt = detect_format(path)
    options = ReadOptions(process_key="", columns=ColumnMap(), zone=zone_from_name(timezone_name))
    by_case: dict[str, list[TraceEvent]] = {}
    for line, row in open_reader(path, fmt, options):
        if isinstance(row, RowError):
            raise ImportFileError(row.message, line=line, code=row.code)
        by_case.setdefault(row["item"], []).append(TraceEvent(row["step"], row["at"], row.get("attrs") or {}))
    return [
        Trace(case, tuple(sorted(events, key=lambda event: event.at))) for case, events in by_case.items()
    ]


def prefixes(trace: Trace, *, promised_at: datetime | None = None) -> Iterator[Prefix]:
    """Every prefix of `trace`, shortest first, with its accumulated attributes."""
    attrs: dict[str, Any] = {}
    for length, event in enumerate(trace.events, start=1):
        if event.attrs:
            attrs = {**attrs, **event.attrs}
        yield Prefix(trace, length, attrs, promised_at=promised_at)


def waiting_prefixes(trace: Trace, *, promised_at: datetime | None, fraction: float) -> Iterator[Prefix]:
    """Every prefix at its own event, and once more `fraction` of the way to the next event.

    An open item is scored *now*, some time after its last event; the extra samples teach a model
    what a wait without news says about the rest of the case.
    """
    for prefix in prefixes(trace, promised_at=promised_at):
        yield prefix
        if prefix.length < len(trace.events):
            gap = trace.events[prefix.length].at - prefix.last.at
            if gap.total_seconds() > 0:
                yield Prefix(trace, prefix.length, prefix.attrs, prefix.last.at + gap * fraction, promised_at)


def current_prefix(trace: Trace, *, now: datetime, promised_at: datetime | None) -> Prefix:
    """How an open case stands at `now`: every event so far, seen at `now`."""
    attrs: dict[str, Any] = {}
    for event in trace.events:
        attrs.update(event.attrs)
    return Prefix(trace, len(trace.events), attrs, max(now, trace.end), promised_at)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


@dataclass
class PrefixEncoder:
    """Learns the activity and attribute vocabularies from training prefixes, then encodes any prefix.

    Columns: last activity (categorical), prefix length, elapsed seconds, seconds since the previous
    event, hour, weekday, one count per known activity, then one column per usable attribute
    (categorical codes, or the number itself for numeric attributes). Unknown values are NaN, which
    the gradient-boosted models treat as missing.
    """

    activities: list[str] = field(default_factory=list)
    categorical: dict[str, list[str]] = field(default_factory=dict)
    numeric: list[str] = field(default_factory=list)
    # Only when training saw them: a column with no value at all is noise (and trips the binning).
    waits: bool = False
    promises: bool = False

    def fit(self, sample: Sequence[Prefix]) -> PrefixEncoder:
        activity_counts: Counter[str] = Counter()
        values: dict[str, Counter[str]] = {}
        numeric_ok: dict[str, bool] = {}
        for prefix in sample:
            activity_counts[prefix.last.activity] += 1
            for name, value in prefix.attrs.items():
                if value is None or isinstance(value, dict | list):
                    continue
                values.setdefault(name, Counter())[str(value)] += 1
                numeric_ok[name] = numeric_ok.get(name, True) and _number(value) is not None
        self.activities = sorted(activity_counts)
        self.waits = any(prefix.moment != prefix.last.at for prefix in sample)
        self.promises = any(prefix.promised_at is not None for prefix in sample)
        total = max(len(sample), 1)
        self.categorical, self.numeric = {}, []
        for name in sorted(values):
            seen = values[name]
            if sum(seen.values()) / total < MIN_PRESENCE:
                continue
            if numeric_ok[name] and len(seen) > 2:
                self.numeric.append(name)
            elif len(seen) <= MAX_CATEGORIES:
                self.categorical[name] = sorted(seen)
        return self

    @property
    def columns(self) -> list[str]:
        return [
            "last_activity",
            "prefix_length",
            "elapsed_seconds",
            "since_previous_seconds",
            "hour",
            "weekday",
            *(["waited_seconds"] if self.waits else []),
            *(["to_promise_seconds"] if self.promises else []),
            *(f"count:{activity}" for activity in self.activities),
            *(f"attr:{name}" for name in self.categorical),
            *(f"num:{name}" for name in self.numeric),
        ]

    @property
    def categorical_mask(self) -> list[bool]:
        # The boosted models take at most 255 categories per feature; more activities stay ordinal.
        few = len(self.activities) < MAX_ACTIVITY_CATEGORIES
        counts = len(self.activities)
        plain = 5 + int(self.waits) + int(self.promises) + counts
        return [few, *([False] * plain), *([True] * len(self.categorical)), *([False] * len(self.numeric))]

    def encode(self, sample: Iterable[Prefix]) -> np.ndarray:
        activity_index = {activity: i for i, activity in enumerate(self.activities)}
        category_index = {name: {v: i for i, v in enumerate(vs)} for name, vs in self.categorical.items()}
        rows = [self._row(prefix, activity_index, category_index) for prefix in sample]
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(self.columns))

    def _row(
        self, prefix: Prefix, activity_index: dict[str, int], category_index: dict[str, dict[str, int]]
    ) -> list[float]:
        events = prefix.trace.events[: prefix.length]
        last = events[-1]
        previous = events[-2].at if len(events) > 1 else last.at
        local = timezone.localtime(last.at) if timezone.is_aware(last.at) else last.at
        counts = [0.0] * len(self.activities)
        for event in events:
            index = activity_index.get(event.activity)
            if index is not None:
                counts[index] += 1
        code = activity_index.get(last.activity)
        row = [
            float(code) if code is not None else np.nan,
            float(prefix.length),
            (last.at - events[0].at).total_seconds(),
            (last.at - previous).total_seconds(),
            float(local.hour),
            float(local.weekday()),
        ]
        if self.waits:
            row.append((prefix.moment - last.at).total_seconds())
        if self.promises:
            promised = prefix.promised_at
            row.append((promised - prefix.moment).total_seconds() if promised is not None else np.nan)
        row.extend(counts)
        for name, codes in category_index.items():
            value = prefix.attrs.get(name)
            position = codes.get(str(value)) if value is not None else None
            row.append(float(position) if position is not None else np.nan)
        for name in self.numeric:
            number = _number(prefix.attrs.get(name))
            row.append(number if number is not None else np.nan)
        return row

    def as_json(self) -> dict[str, Any]:
        return {
            "activities": self.activities,
            "categorical": self.categorical,
            "numeric": self.numeric,
            "waits": self.waits,
            "promises": self.promises,
        }
