"""Acceptance: the real Helpdesk log replays with `stalls --as-of` exactly as an independent
computation of the same rules says, at any moment (including moments right on a deadline)."""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from unstuck.processes.services import process_load
from unstuck.tracking.services import event_ingest_batch

HELPDESK = Path(__file__).resolve().parents[5] / "shared" / "data" / "helpdesk" / "helpdesk.csv"
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.slow,
    pytest.mark.skipif(not HELPDESK.exists(), reason="../shared/data is not here (a user's fresh clone)"),
]

LIMITS = {
    "Assign seriousness": timedelta(days=1),
    "Take in charge ticket": timedelta(days=3),
    "Wait": timedelta(days=7),
    "Resolve ticket": timedelta(days=2),
    "Require upgrade": timedelta(days=10),
    "Insert ticket": timedelta(hours=12),
}
INTERRUPTIONS = {"Create SW anomaly"}
TERMINAL = {"Closed"}
PROMISE = timedelta(days=30)

PROCESS = """\
key: helpdesk
name: Helpdesk tickets
calendar: always
promise: 30d
terminal: [Closed]
steps:
  - {key: Assign seriousness, max_dwell: 1d}
  - {key: Take in charge ticket, max_dwell: 3d}
  - {key: Wait, max_dwell: 7d}
  - {key: Resolve ticket, max_dwell: 2d}
  - {key: Require upgrade, max_dwell: 10d}
  - {key: Insert ticket, max_dwell: 12h}
  - {key: Create SW anomaly, interruption: true}
"""


def read_log() -> list[tuple[str, str, datetime]]:
    with HELPDESK.open(encoding="utf-8") as handle:
        return [
            (row["case:concept:name"], row["concept:name"], datetime.fromisoformat(row["time:timestamp"]))
            for row in csv.DictReader(handle)
        ]


def expected_stalls(log: list[tuple[str, str, datetime]], moment: datetime) -> set[tuple]:
    """The rules computed straight from the file: no Unstuck code involved."""
    cases: dict[str, list[tuple[datetime, int, str]]] = defaultdict(list)
    for order, (case, activity, at) in enumerate(log):
        if at <= moment:
            cases[case].append((at, order, activity))
    found = set()
    for case, events in cases.items():
        events.sort()
        activity = events[-1][2]
        if activity in TERMINAL:
            continue
        start = events[-1][0]
        for at, _, name in reversed(events):
            if name != activity:
                break
            start = at
        deadlines = []
        if activity in INTERRUPTIONS:
            deadlines.append(("interruption", start))
        elif activity in LIMITS:
            deadlines.append(("dwell", start + LIMITS[activity]))
        deadlines.append(("promise", events[0][0] + PROMISE))
        for rule, since in deadlines:
            if since <= moment:
                found.add((case, rule, activity, since, int((moment - since).total_seconds())))
    return found


def replayed_stalls(moment: datetime) -> set[tuple]:
    out = StringIO()
    call_command("stalls", "--process", "helpdesk", "--as-of", moment.isoformat(), "--json", stdout=out)
    return {
        (s["item"], s["rule"], s["step"], datetime.fromisoformat(s["since"]), s["overdue_seconds"])
        for s in json.loads(out.getvalue())
    }


def test_helpdesk_log_replays_exactly_as_computed_independently():
    process_load(source=PROCESS)
    log = read_log()
    batch = [{"process": "helpdesk", "item": c, "step": a, "at": t.isoformat()} for c, a, t in log]
    for start in range(0, len(batch), 5000):
        result = event_ingest_batch(events=batch[start : start + 5000], source="test:helpdesk")
        assert not result.rejected
    rng = random.Random(2026)
    first, last = min(t for *_, t in log), max(t for *_, t in log)
    moments = [first + (last - first) * rng.random() for _ in range(12)]
    # Right on a deadline, one second before it, and right at an event.
    _, activity, at = next(row for row in log if row[1] == "Take in charge ticket")
    moments += [
        at + LIMITS[activity],
        at + LIMITS[activity] - timedelta(seconds=1),
        at,
        last + timedelta(days=400),
    ]
    checked = 0
    for moment in moments:
        moment = moment.astimezone(UTC).replace(microsecond=0)
        expected = expected_stalls(log, moment)
        assert replayed_stalls(moment) == expected, moment
        checked += len(expected)
    assert checked > 1000  # the comparison covered a substantial number of stalls
