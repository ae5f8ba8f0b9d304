import random
from datetime import timedelta

import pytest

from unstuck.demo.live import LIVE_SOURCE, LiveGenerator
from unstuck.demo.services import demo_processes_load
from unstuck.demo.tests.conftest import NOW
from unstuck.stalls.models import Stall
from unstuck.stalls.services import deadlines_process_due
from unstuck.tracking.models import Event, Item


@pytest.mark.django_db
def test_live_ticks_send_a_few_events_per_second_and_some_stall_within_minutes():
    demo_processes_load()
    generator = LiveGenerator(rng=random.Random(3), rate=5, now=NOW)
    sent = 0
    for second in range(1, 20 * 60 + 1, 2):
        sent += generator.tick(now=NOW + timedelta(seconds=second))
    assert 2 * 60 * 20 < sent <= Event.objects.filter(source=LIVE_SOURCE).count()
    assert Item.objects.filter(is_terminal=True).exists()
    while deadlines_process_due(now=NOW + timedelta(minutes=20)).items:
        pass
    rules = set(Stall.objects.values_list("rule", flat=True))
    assert {"dwell", "interruption"} <= rules
    assert Stall.objects.filter(rule="dwell", step__in=["paid", "created", "dispatched"]).exists()


def test_an_old_stuck_item_is_followed_up_and_moves_on(seeded):
    generator = LiveGenerator(rng=random.Random(1), rate=0, now=NOW)
    before = Event.objects.count()
    assert generator.tick(now=NOW + timedelta(seconds=90)) == 1
    followed = Event.objects.order_by("-id")[0]
    assert Event.objects.count() == before + 1
    assert followed.attrs == {"resolution": "客服跟进后恢复"}
    assert followed.item.current_step == followed.step
