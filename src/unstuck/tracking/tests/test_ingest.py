from datetime import timedelta

import pytest

from unstuck.customers.models import Customer
from unstuck.tracking.models import Event, Item
from unstuck.tracking.services import BatchTooLarge, event_ingest_batch
from unstuck.tracking.tests.factories import T0, event, load_simple_process

pytestmark = pytest.mark.django_db


def test_valid_rows_are_stored_and_bad_rows_rejected_by_index_with_a_code():
    load_simple_process()
    batch = [
        event("A1", "new", 0),
        {"process": "simple", "item": "A2", "step": "new"},
        event("A3", "new", 0) | {"at": "2026-03-02 08:00:00"},
        event("A4", "new", 0) | {"at": "yesterday"},
        event("A5", "new", 0, process="nope"),
        "not an object",
        event("A6", "new", 0) | {"attrs": [1, 2]},
        event("A7", "new", 0) | {"customer": {"name": "王女士"}},
        event("A8", "new", 5),
    ]
    result = event_ingest_batch(events=batch)
    assert result.accepted == 2
    assert result.duplicates == 0
    assert [(r.index, r.code, r.field) for r in result.rejected] == [
        (1, "missing_field", "at"),
        (2, "timestamp_without_offset", "at"),
        (3, "invalid_timestamp", "at"),
        (4, "unknown_process", "process"),
        (5, "invalid_event", None),
        (6, "invalid_field", "attrs"),
        (7, "missing_field", "customer.id"),
    ]
    assert "offset" in result.rejected[1].message
    assert set(Item.objects.values_list("external_id", flat=True)) == {"A1", "A8"}


def test_a_replayed_batch_is_all_duplicates_and_changes_nothing():
    load_simple_process()
    batch = [event("B1", "new", 0), event("B1", "working", 10), event("B2", "new", 3, key="erp-77")]
    first = event_ingest_batch(events=batch)
    before = [dict(row) for row in Item.objects.order_by("id").values()]
    again = event_ingest_batch(events=batch)
    assert (first.accepted, first.duplicates) == (3, 0)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 3, [])
    after = [dict(row) for row in Item.objects.order_by("id").values()]
    for row in before + after:
        row.pop("updated_at")
    assert before == after
    assert Event.objects.count() == 3


def test_duplicate_keys_inside_one_batch_count_once():
    load_simple_process()
    result = event_ingest_batch(events=[event("C1", "new", 0), event("C1", "new", 0)])
    assert (result.accepted, result.duplicates) == (1, 1)


def test_current_step_is_the_latest_event_by_time_and_late_arrivals_are_placed_by_time():
    load_simple_process()
    event_ingest_batch(events=[event("D1", "new", 0), event("D1", "working", 60)])
    event_ingest_batch(events=[event("D1", "waiting", 30)])  # arrives late, happened in between
    item = Item.objects.get(external_id="D1")
    assert item.current_step == "working"
    assert item.step_since == T0 + timedelta(minutes=60)
    assert item.event_count == 3
    event_ingest_batch(events=[event("D1", "done", 90)])
    item.refresh_from_db()
    assert (item.current_step, item.is_terminal, item.next_deadline) == ("done", True, None)


def test_ties_in_time_are_broken_by_arrival_order():
    load_simple_process()
    event_ingest_batch(events=[event("E1", "new", 0), event("E1", "working", 10), event("E1", "waiting", 10)])
    assert Item.objects.get(external_id="E1").current_step == "waiting"
    event_ingest_batch(events=[event("E1", "failed", 10)])  # same moment, arrives later: it wins
    assert Item.objects.get(external_id="E1").current_step == "failed"


def test_a_late_event_of_the_current_step_moves_the_start_of_the_visit():
    load_simple_process()
    event_ingest_batch(events=[event("F1", "new", 0), event("F1", "working", 50)])
    event_ingest_batch(events=[event("F1", "working", 20)])
    item = Item.objects.get(external_id="F1")
    assert (item.current_step, item.step_since) == ("working", T0 + timedelta(minutes=20))


def test_repeated_events_of_the_same_step_keep_the_step_clock_running():
    load_simple_process()
    event_ingest_batch(events=[event("G1", "working", 0), event("G1", "working", 100)])
    item = Item.objects.get(external_id="G1")
    assert item.step_since == T0
    assert item.next_deadline == T0 + timedelta(hours=4)


def test_steps_the_process_does_not_list_are_stored_and_reported():
    load_simple_process()
    result = event_ingest_batch(
        events=[event("H1", "new", 0), event("H1", "teleported", 5), event("H2", "teleported", 1)]
    )
    assert result.accepted == 3
    assert result.unknown_steps == {"simple": {"teleported": 2}}
    item = Item.objects.get(external_id="H1")
    assert (item.current_step, item.known_step) == ("teleported", False)
    assert Event.objects.filter(known_step=False).count() == 2


def test_promise_defaults_to_first_event_plus_promise_and_an_event_can_override_it():
    load_simple_process(promise="2d")
    event_ingest_batch(events=[event("P1", "new", 0), event("P1", "working", 30)])
    item = Item.objects.get(external_id="P1")
    assert item.promised_at == T0 + timedelta(days=2)
    new_eta = (T0 + timedelta(days=5)).isoformat()
    event_ingest_batch(events=[event("P1", "working", 40, promised_at=new_eta)])
    item.refresh_from_db()
    assert item.promised_at == T0 + timedelta(days=5)
    assert item.promised_explicitly


def test_customers_are_created_and_follow_the_latest_details():
    load_simple_process()
    event_ingest_batch(
        events=[event("K1", "new", 0, customer={"id": "c-1", "name": "王女士", "phone": "13800000000"})]
    )
    event_ingest_batch(events=[event("K1", "working", 5, customer={"id": "c-1", "email": "wang@example.cn"})])
    customer = Customer.objects.get(external_id="c-1")
    assert (customer.name, customer.phone, customer.email) == ("王女士", "13800000000", "wang@example.cn")
    assert Item.objects.get(external_id="K1").customer == customer


def test_attrs_merge_with_the_latest_event_winning():
    load_simple_process()
    event_ingest_batch(events=[event("L1", "new", 0, attrs={"warehouse": "上海仓", "value": 10})])
    event_ingest_batch(events=[event("L1", "working", 5, attrs={"value": 12})])
    assert Item.objects.get(external_id="L1").attrs == {"warehouse": "上海仓", "value": 12}


def test_a_batch_over_the_limit_is_refused_whole():
    with pytest.raises(BatchTooLarge):
        event_ingest_batch(events=[{}] * 10_001)


def test_query_count_does_not_grow_with_the_batch(django_assert_max_num_queries):
    load_simple_process()
    event_ingest_batch(events=[event("warm", "new", 0)])
    small = [event(f"Q{i}", "new", i) for i in range(5)]
    large = [event(f"R{i}", "new", i) for i in range(500)] + [
        event(f"R{i}", "working", i + 1) for i in range(500)
    ]
    with django_assert_max_num_queries(15) as small_queries:
        event_ingest_batch(events=small)
    with django_assert_max_num_queries(len(small_queries.captured_queries)):
        event_ingest_batch(events=large)
