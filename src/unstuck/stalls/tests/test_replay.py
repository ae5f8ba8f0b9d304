"""`stalls --as-of` replays the log; checked against a direct computation written independently here."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from unstuck.tracking.services import event_ingest_batch
from unstuck.tracking.tests.factories import T0, event, load_simple_process

pytestmark = pytest.mark.django_db


def stalls_json(*args):
    out = StringIO()
    call_command("stalls", "--process", "simple", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_as_of_replays_the_state_at_that_moment():
    load_simple_process()
    event_ingest_batch(events=[event("A", "new", 0), event("A", "working", 90), event("B", "failed", 30)])
    at_80 = stalls_json("--as-of", (T0 + timedelta(minutes=80)).isoformat())
    assert sorted((s["item"], s["rule"], s["step"], s["overdue_seconds"]) for s in at_80) == [
        ("A", "dwell", "new", 20 * 60),
        ("B", "interruption", "failed", 50 * 60),
    ]
    at_100 = stalls_json("--as-of", (T0 + timedelta(minutes=100)).isoformat())
    assert [(s["item"], s["rule"]) for s in at_100] == [("B", "interruption")]
    assert at_100[0]["since"] == datetime(2026, 3, 2, 8, 30, tzinfo=UTC).isoformat()


def test_now_uses_the_stored_state():
    load_simple_process()
    event_ingest_batch(events=[event("A", "new", 0)])
    found = stalls_json()
    assert [(s["item"], s["rule"], s["step"]) for s in found] == [("A", "dwell", "new")]
    assert found[0]["overdue_seconds"] > 3600 * 24


def test_a_bad_as_of_is_a_clear_error():
    from django.core.management.base import CommandError

    load_simple_process()
    with pytest.raises(CommandError, match="no UTC offset"):
        call_command("stalls", "--process", "simple", "--as-of", "2026-03-02T08:00:00")
