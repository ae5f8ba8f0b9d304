from datetime import timedelta

import pytest

from unstuck.stalls.models import Reminder, Stall
from unstuck.stalls.services import deadlines_process_due
from unstuck.tracking.models import Item
from unstuck.tracking.services import event_ingest_batch
from unstuck.tracking.tests.factories import T0, event, load_simple_process

pytestmark = pytest.mark.django_db


def drain(now):
    total = 0
    while done := deadlines_process_due(now=now, batch=50).items:
        total += done
    return total


def test_a_dwell_stall_is_recorded_once_when_its_deadline_falls_due():
    load_simple_process()
    event_ingest_batch(events=[event("A", "working", 0)])
    assert drain(T0 + timedelta(hours=3, minutes=59)) == 0
    drain(T0 + timedelta(hours=4))
    drain(T0 + timedelta(hours=5))
    stall = Stall.objects.get()
    assert (stall.rule, stall.step, stall.team_key, stall.since) == (
        "dwell",
        "working",
        "ops",
        T0 + timedelta(hours=4),
    )
    item = Item.objects.get()
    assert item.next_deadline is None


def test_moving_on_resolves_the_stall_and_schedules_the_next_step():
    load_simple_process()
    event_ingest_batch(events=[event("A", "new", 0)])
    drain(T0 + timedelta(hours=2))
    event_ingest_batch(events=[event("A", "working", 150)])
    stall = Stall.objects.get()
    assert stall.resolved_at == T0 + timedelta(minutes=150)
    assert "working" in stall.resolution
    assert Item.objects.get().next_deadline == T0 + timedelta(minutes=150, hours=4)


def test_an_interruption_is_a_stall_as_soon_as_it_is_reached():
    load_simple_process()
    event_ingest_batch(events=[event("A", "new", 0), event("A", "failed", 10)])
    drain(T0 + timedelta(minutes=10))
    stall = Stall.objects.get()
    assert (stall.rule, stall.since) == ("interruption", T0 + timedelta(minutes=10))


def test_confirmation_reminders_come_before_the_unconfirmed_stall():
    load_simple_process()
    event_ingest_batch(events=[event("A", "waiting", 0)])
    drain(T0 + timedelta(minutes=45))
    assert list(Reminder.objects.values_list("index", "confirm_by")) == [(0, "customer")]
    assert not Stall.objects.exists()
    drain(T0 + timedelta(hours=3))
    assert sorted(Reminder.objects.values_list("index", flat=True)) == [0, 1]
    stall = Stall.objects.get()
    assert (stall.rule, stall.since) == ("confirmation", T0 + timedelta(hours=2))


def test_a_missed_promise_is_a_stall_until_the_item_finishes():
    load_simple_process(promise="1d")
    event_ingest_batch(events=[event("A", "working", 0), event("A", "working", 60 * 20)])
    drain(T0 + timedelta(days=1, minutes=1))
    assert set(Stall.objects.values_list("rule", flat=True)) == {"dwell", "promise"}
    event_ingest_batch(events=[event("A", "done", 60 * 30)])
    assert not Stall.objects.filter(resolved_at__isnull=True).exists()


def test_the_pass_reads_only_due_deadlines(django_assert_max_num_queries):
    load_simple_process()
    event_ingest_batch(events=[event(f"I{i}", "working", i) for i in range(300)])
    with django_assert_max_num_queries(3):  # savepoint, the index range read, release
        assert deadlines_process_due(now=T0 + timedelta(hours=1)).items == 0
    with django_assert_max_num_queries(10):
        result = deadlines_process_due(now=T0 + timedelta(hours=4, minutes=99), batch=1000)
    assert result.items == 100  # I0..I99 are due at 4h+0..99 minutes
    assert Stall.objects.count() == 100
