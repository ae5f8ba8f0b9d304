"""Stall deadlines count in the process calendar: across the 2026 National Day / Mid-Autumn
holidays and their make-up workdays (调休) on cn-workdays."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from unstuck.processes.services import process_load
from unstuck.stalls.models import Stall
from unstuck.stalls.services import deadlines_process_due
from unstuck.tracking.models import Item
from unstuck.tracking.services import event_ingest_batch

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")

PROCESS = """\
key: closure
calendar: cn-workdays
promise: 2d
terminal: [closed]
steps:
  - {key: review, max_dwell: 8h, team: compliance}
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def push(item: str, moment: datetime) -> Item:
    row = {"process": "closure", "item": item, "step": "review", "at": moment.isoformat()}
    event_ingest_batch(events=[row])
    return Item.objects.get(external_id=item)


def test_a_dwell_limit_skips_the_national_day_week():
    process_load(source=PROCESS)
    item = push("A", at("2026-09-30T17:00:00"))
    # 1 h on 09-30, 10-01..10-07 off, then 7 h on Thursday 10-08.
    assert item.next_deadline == at("2026-10-08T16:00:00")
    deadlines_process_due(now=at("2026-10-07T23:59:59"))
    assert not Stall.objects.exists()
    deadlines_process_due(now=at("2026-10-08T16:00:00"))
    assert Stall.objects.get().since == at("2026-10-08T16:00:00")


def test_make_up_saturday_counts_and_the_promise_is_two_working_days():
    process_load(source=PROCESS)
    item = push("B", at("2026-10-09T17:00:00"))  # Friday; Saturday 10-10 is a make-up workday
    assert item.next_deadline == at("2026-10-10T16:00:00")
    # promise 2d = 18 working hours: 1 h Fri + 9 h Sat (make-up) + 8 h Monday 10-12.
    assert item.promised_at == at("2026-10-12T17:00:00")


def test_mid_autumn_friday_is_a_day_off():
    process_load(source=PROCESS)
    item = push("C", at("2026-09-24T14:00:00"))  # Thursday; Friday 09-25 is 中秋节
    assert item.next_deadline == at("2026-09-28T13:00:00")  # 4 h Thu + 4 h Monday


def test_sunday_make_up_workday_before_national_day():
    process_load(source=PROCESS)
    item = push("D", at("2026-09-19T10:00:00"))  # Saturday (off): the clock starts Sunday 09-20 (make-up)
    assert item.next_deadline == at("2026-09-20T17:00:00")
    assert item.next_deadline - item.step_since == timedelta(days=1, hours=7)
