"""Batches arriving at once (several web processes) touching the same items and replaying each
other's events: nothing lost, nothing doubled, no deadlock surfaces as an error."""

import random
import threading

import pytest
from django.db import connection

from unstuck.stalls.models import Stall
from unstuck.tracking.models import Event, Item
from unstuck.tracking.services import event_ingest_batch
from unstuck.tracking.tests.factories import event, load_simple_process

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
STEPS = ["new", "waiting", "working", "failed", "done"]


def test_concurrent_overlapping_batches_store_every_event_once():
    load_simple_process()
    rng = random.Random(5)
    events = [
        event(f"O{i % 40}", STEPS[j], i * 5 + j, customer={"id": f"c{i % 7}"})
        for i in range(200)
        for j in range(5)
    ]
    batches = []
    for _ in range(12):  # each batch: a random overlapping slice, in a random order
        part = rng.sample(events, 300)
        batches.append(part)
    errors: list[BaseException] = []

    def push(batch):
        try:
            event_ingest_batch(events=batch)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=push, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    expected = {(e["item"], e["step"], e["at"]) for b in batches for e in b}
    assert Event.objects.count() == len(expected)
    # Every item ends in the state of its latest stored event, whatever order the batches ran in.
    for item in Item.objects.all():
        latest = max((e for e in expected if e[0] == item.external_id), key=lambda e: e[2])
        assert item.current_step == latest[1]
        assert item.event_count == sum(1 for e in expected if e[0] == item.external_id)


def test_on_sqlite_a_servers_batches_take_turns_before_they_touch_the_database():
    """Threads of one process queue on the writer turn (woken in turn), not in SQLite's busy handler
    (which retries every 100 ms and let one request lose for 28 s under four writers and the worker)."""
    from unstuck.core.sqlite_writer import sqlite_writer_turn

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL writers lock rows, not the database")
    load_simple_process()
    errors: list[BaseException] = []

    def push():
        try:
            event_ingest_batch(events=[event("T1", "new", 0)])
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    with sqlite_writer_turn():  # another request of this server is writing
        waiting = threading.Thread(target=push)
        waiting.start()
        waiting.join(timeout=1)
        assert waiting.is_alive(), "the second batch waits for its turn"
        assert not Event.objects.exists()
    waiting.join()
    assert errors == []
    assert Event.objects.count() == 1


def test_on_sqlite_the_worker_lets_a_waiting_batch_write_first():
    """Before a job that had work, the worker passes the writer turnstile: while a batch holds the
    turn (it waits for, or holds, the database), the worker does not start its next transaction."""
    from unstuck.core import worker as worker_loop
    from unstuck.core.sqlite_writer import sqlite_writer_turn
    from unstuck.core.worker import run_jobs_once

    worker_loop._BUSY.clear()  # a fresh worker: earlier tests' rounds found the job idle

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL writers lock rows, not the database")
    load_simple_process()
    event_ingest_batch(events=[event("W1", "new", 0)])  # due long ago: the deadline job has work

    def work():
        try:
            run_jobs_once(("unstuck.stalls.tasks.stall_deadlines_job",))
        finally:
            connection.close()

    with sqlite_writer_turn():
        worker = threading.Thread(target=work)
        worker.start()
        worker.join(timeout=1)
        assert worker.is_alive(), "the worker waits for the batch's turn to end"
        assert not Stall.objects.exists()
    worker.join()
    assert Stall.objects.count() == 1
