"""Early warning on synthetic stall histories: a real spike alarms once, a usual Monday-morning peak
and a quiet series' odd stall do not; the job, the page and (once merged) messages and incidents."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from unstuck.accounts.services import user_ensure, user_password_set
from unstuck.core.worker import JOBS, run_jobs_once
from unstuck.insights.early_warning import early_warnings_scan, robust_score, stall_tallies_sync
from unstuck.insights.models import EarlyWarning, StallTally
from unstuck.insights.tests.log_factories import (
    english,  # noqa: F401 (a fixture)
    load_orders,
)
from unstuck.processes.models import Process
from unstuck.stalls.models import Stall
from unstuck.tracking.models import Item
from unstuck.tracking.services import event_ingest_batch

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
NOW = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)  # Monday 09:30 in Shanghai
WEEK = timedelta(days=7)
_numbers = itertools.count()


def stalls(count: int, *, ending: datetime, step: str = "picking", warehouse: str = "上海仓") -> None:
    """`count` items stalled in `step` during the hour before `ending` (spread over it)."""
    events = []
    for n in range(count):
        number = next(_numbers)
        at = ending - timedelta(minutes=59) + timedelta(seconds=n * 3500 // max(count, 1))
        started = (at - timedelta(hours=5)).isoformat()
        event = {"process": "orders", "item": f"W{number}", "step": step, "at": started}
        events.append({**event, "attrs": {"warehouse": warehouse}})
    assert event_ingest_batch(events=events).accepted == count
    items = Item.objects.filter(external_id__in=[e["item"] for e in events]).order_by("id")
    process = Process.objects.get(key="orders")
    Stall.objects.bulk_create(
        Stall(
            item=item,
            process=process,
            rule="dwell",
            step=step,
            team_key="warehouse",
            visit_key=f"{step}@{item.pk}",
            since=ending - timedelta(minutes=59) + timedelta(seconds=n * 3500 // max(count, 1)),
            detected_at=ending,
        )
        for n, item in enumerate(items)
    )


def monday_history(per_hour: list[int]) -> None:
    """The same Monday-morning hour in each of the previous weeks, with these stall counts."""
    for week, count in enumerate(per_hour, start=1):
        stalls(count, ending=NOW - week * WEEK)


def scan(now: datetime = NOW) -> list[EarlyWarning]:
    stall_tallies_sync(batch=10_000)
    return early_warnings_scan(now=now, force=True)


@pytest.fixture
def orders() -> None:
    load_orders()  # the process, its teams, and events a month before NOW (history is known)


def test_a_usual_monday_morning_peak_does_not_alarm(orders: None) -> None:
    monday_history([38, 44, 41, 40])
    stalls(46, ending=NOW)
    assert scan() == []
    assert StallTally.objects.count() == 38 + 44 + 41 + 40 + 46


def test_a_real_spike_alarms_once_and_ends_when_it_passes(orders: None) -> None:
    monday_history([38, 44, 41, 40])
    stalls(110, ending=NOW, warehouse="嘉兴仓")
    raised = scan()
    by_series = {(w.step, w.attr_key, w.attr_value): w for w in raised}
    assert set(by_series) == {("picking", "", ""), ("picking", "warehouse", "嘉兴仓")}
    whole = by_series["picking", "", ""]
    assert (whole.stalls, whole.baseline_median, whole.weeks) == (110, 40.5, 4)
    assert whole.score == pytest.approx(robust_score(110, [38, 44, 41, 40])[0]) and whole.score >= 3.5
    # the next scans see the same spike: nothing new is raised
    assert scan(NOW + timedelta(minutes=1)) == []
    assert scan(NOW + timedelta(minutes=2)) == []
    assert (
        EarlyWarning.objects.count() == 2 and not EarlyWarning.objects.filter(ended_at__isnull=False).exists()
    )
    # two hours later the hour is quiet again: both warnings end; a new spike is a new warning
    later = NOW + timedelta(hours=2)
    assert scan(later) == []
    assert EarlyWarning.objects.filter(ended_at=later).count() == 2
    stalls(90, ending=NOW + timedelta(hours=3), warehouse="嘉兴仓")
    assert len(scan(NOW + timedelta(hours=3))) == 2
    assert EarlyWarning.objects.count() == 4


def test_a_quiet_series_does_not_alarm_on_one_or_two_stalls(orders: None) -> None:
    stalls(1, ending=NOW - 3 * WEEK, step="address_check")  # the step almost never stalls
    stalls(2, ending=NOW, step="address_check")
    assert scan() == []
    stalls(6, ending=NOW + timedelta(minutes=30), step="address_check")
    (raised, *_rest) = scan(NOW + timedelta(minutes=30))
    # the six new stalls and the later of the two before (the hour now starts at 09:00)
    assert (raised.step, raised.baseline_median, raised.stalls) == ("address_check", 0.0, 7)


def test_without_enough_history_nothing_is_compared(db: None) -> None:
    load_orders()
    Item.objects.all().delete()  # no events before these weeks: the process is new
    stalls(80, ending=NOW)
    assert scan() == []


def test_the_job_is_registered_and_runs_the_scan_once_a_minute(orders: None) -> None:
    assert "unstuck.insights.tasks.early_warning_job" in JOBS
    monday_history([1, 0, 2, 1])
    stalls(30, ending=NOW)
    stall_tallies_sync(batch=10_000, now=NOW)
    assert len(early_warnings_scan(now=NOW)) == 2  # due at once: the first scan raises
    assert early_warnings_scan(now=NOW + timedelta(seconds=30)) == []  # not due again yet
    assert run_jobs_once(("unstuck.insights.tasks.early_warning_job",)) == 0  # nothing new to copy


def test_supervisors_of_the_team_are_notified_through_the_outbox(orders: None) -> None:
    from unstuck.messaging.models import Message

    user_ensure(username="zhuhong", role="supervisor", team_key="warehouse")
    user_ensure(username="hulin", role="agent", team_key="warehouse")
    monday_history([3, 2, 4, 3])
    stalls(40, ending=NOW)
    raised = scan()
    assert raised and all(w.notified == 1 for w in raised)
    assert Message.objects.filter(dedupe_key__startswith="early-warning:").count() == len(raised)


def _signed_in(username: str, role: str, team: str | None, settings: Any) -> Client:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = user_ensure(username=username, role=role, team_key=team)
    user_password_set(user=user, password="correct horse battery staple")
    client = Client()
    assert client.login(username=username, password="correct horse battery staple")
    return client


def test_page_lists_the_team_s_warnings_with_the_incident_button(orders: None, settings: Any) -> None:
    monday_history([3, 2, 4, 3])
    stalls(40, ending=NOW)
    scan()
    supervisor = _signed_in("zhuhong", "supervisor", "warehouse", settings)
    html = supervisor.get("/insights/warnings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.count("warning-row-new") == 2 and "warehouse = 上海仓" in html
    assert "Create incident" in html
    other = _signed_in("gaoyan", "agent", "billing", settings)
    assert "warning-row-new" not in other.get("/insights/warnings/").content.decode()
    warning = EarlyWarning.objects.first()
    assert warning is not None
    assert other.post(f"/insights/warnings/{warning.pk}/incident/").status_code == 404


def test_one_click_creates_one_incident(orders: None, settings: Any) -> None:
    from unstuck.cases.routing import cases_route_stalls

    monday_history([3, 2, 4, 3])
    stalls(40, ending=NOW)
    scan()
    # the real incident gathers the open cases the stalls opened (as the worker's routing pass does);
    # with no case to gather, `incident_create` rightly answers 409 no_cases_match
    while cases_route_stalls(batch=500).stalls:
        pass
    warning = EarlyWarning.objects.get(attr_key="")
    supervisor = _signed_in("zhuhong", "supervisor", "warehouse", settings)
    assert supervisor.post(f"/insights/warnings/{warning.pk}/incident/").status_code == 302
    assert supervisor.post(f"/insights/warnings/{warning.pk}/incident/").status_code == 302
    warning.refresh_from_db()
    assert warning.incident is not None
    assert EarlyWarning.objects.filter(incident__isnull=False).count() == 1
