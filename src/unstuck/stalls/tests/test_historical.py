"""History is not an emergency: last year's orders imported today are recorded as historical stalls
(历史卡点) — listed, marked, analysable — but open no case and tell no customer, while a stall that
falls due today in the same import is handled as usual."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from unstuck.accounts.services import user_ensure
from unstuck.cases.models import Case
from unstuck.cases.routing import DONE
from unstuck.messaging.models import Message
from unstuck.portal.tests.factories import load_dispatch, worker_round
from unstuck.stalls.models import Reminder, Stall
from unstuck.stalls.services import HISTORY_ROUTED, deadlines_process_due
from unstuck.tracking.models import Item
from unstuck.tracking.services import event_ingest_batch

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)  # a Monday morning, outside quiet hours

OLD_LOG = """\
item,step,at,customer_id,customer_name,customer_email,customer_channel
B-2025-1,dispatched,2025-05-10T09:00:00+08:00,C-1,王女士,wang@example.cn,email
B-2025-1,awaiting_confirmation,2025-05-10T09:40:00+08:00,C-1,王女士,wang@example.cn,email
B-2025-2,dispatched,2025-05-11T14:00:00+08:00,C-2,李先生,li@example.cn,email
B-2025-3,dispatched,2025-05-12T08:00:00+08:00,C-3,张女士,zhang@example.cn,email
B-2025-3,done,2025-05-12T08:30:00+08:00,C-3,张女士,zhang@example.cn,email
B-TODAY,awaiting_confirmation,2026-06-15T07:00:00+08:00,C-4,赵先生,zhao@example.cn,email
"""
OLD_ITEMS = {"B-2025-1", "B-2025-2"}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def import_log(tmp_path: Path) -> None:
    """Through the real `unstuck import`, then the real worker (every job, as `unstuck worker`)."""
    path = tmp_path / "last-year.csv"
    path.write_text(OLD_LOG, encoding="utf-8")
    out = StringIO()
    call_command("import", str(path), "--process", "dispatch", "--json", "--no-progress", stdout=out)
    assert json.loads(out.getvalue())["accepted"] == 6
    worker_round(rounds=5)


def test_an_old_log_records_historical_stalls_and_tells_no_one(tmp_path, clock) -> None:
    load_dispatch()
    import_log(tmp_path)

    old = Stall.objects.filter(item__external_id__in=OLD_ITEMS)
    assert sorted(old.values_list("item__external_id", "rule", "historical", "case_routing")) == [
        ("B-2025-1", "confirmation", True, DONE),
        ("B-2025-2", "dwell", True, DONE),
    ]
    assert not Case.objects.filter(item__external_id__in=OLD_ITEMS).exists(), "history opens no case"
    assert not Message.objects.filter(customer__external_id__in=["C-1", "C-2", "C-3"]).exists()
    assert not Message.objects.filter(item__external_id__in=OLD_ITEMS).exists(), "nobody is told"
    assert not Reminder.objects.filter(item__external_id__in=OLD_ITEMS).exists()

    # The stall that fell due this morning, imported in the same file, is handled as usual.
    fresh = Stall.objects.get(item__external_id="B-TODAY")
    assert (fresh.rule, fresh.historical) == ("confirmation", False)
    case = Case.objects.get(item__external_id="B-TODAY")
    assert case.origin == "stall"
    assert Message.objects.filter(customer__external_id="C-4").exists(), "its customer is told"
    assert set(Message.objects.values_list("customer__external_id", flat=True)) <= {"C-4", None}


def test_historical_stalls_are_listed_and_marked(tmp_path, clock) -> None:
    load_dispatch()
    import_log(tmp_path)

    out = StringIO()
    call_command("stalls", "--process", "dispatch", "--json", stdout=out)
    listed = {(s["item"], s["rule"]): s["historical"] for s in json.loads(out.getvalue())}
    assert listed == {
        ("B-2025-1", "confirmation"): True,
        ("B-2025-2", "dwell"): True,
        ("B-TODAY", "confirmation"): False,
    }
    as_of = StringIO()
    moment = datetime(2025, 5, 12, 9, 0, tzinfo=SHANGHAI)
    call_command("stalls", "--process", "dispatch", "--as-of", moment.isoformat(), stdout=as_of)
    lines = as_of.getvalue().splitlines()
    assert sorted(line.split("\t")[0] for line in lines if line.endswith("\thistorical")) == sorted(OLD_ITEMS)

    admin = user_ensure(username="boss", role="admin")
    client = Client()
    client.force_login(admin)
    rows = client.get("/api/v1/stalls").json()["items"]
    assert {(row["item"], row["historical"]) for row in rows} == {
        ("B-2025-1", True),
        ("B-2025-2", True),
        ("B-TODAY", False),
    }
    board = client.get(reverse("desk:board")).content.decode()
    assert board.count('class="badge-historical"') == 2


def test_the_horizon_is_measured_from_detection(settings) -> None:
    """A worker that was down for six days still opens cases; eight days late is history; 0 turns it off."""
    load_dispatch()
    due = NOW - timedelta(days=1)  # dispatched deadline: one hour after arrival
    event_ingest_batch(
        events=[
            {
                "process": "dispatch",
                "item": item,
                "step": "dispatched",
                "at": (due - timedelta(hours=1)).isoformat(),
            }
            for item in ("A", "B", "C")
        ]
    )
    ids = dict(Item.objects.values_list("external_id", "pk"))

    def detect(item: str, late: timedelta) -> bool:
        Item.objects.exclude(pk=ids[item]).update(next_deadline=None)
        Item.objects.filter(pk=ids[item]).update(next_deadline=due)
        deadlines_process_due(now=due + late)
        return Stall.objects.get(item_id=ids[item]).historical

    assert detect("A", timedelta(days=6)) is False
    assert detect("B", timedelta(days=8)) is True
    settings.UNSTUCK_HISTORY_HORIZON_DAYS = 0
    assert detect("C", timedelta(days=400)) is False
    assert list(Stall.objects.filter(historical=False).values_list("case_routing", flat=True)) == [
        "pending",
        "pending",
    ]


def test_the_stalls_app_starts_history_where_the_cases_app_ends() -> None:
    assert HISTORY_ROUTED == DONE
