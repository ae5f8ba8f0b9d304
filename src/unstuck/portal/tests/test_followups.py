"""The worker passes on the database: follow-up schedules for new stall cases, quiet hours and the
daily cap as stored due times, pausing by a supervisor, internal confirmation reminders, and the
scans' cursors (an index range that never skips a row committed late)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from unstuck.accounts.services import user_ensure
from unstuck.cases.models import Case
from unstuck.core.errors import DomainError
from unstuck.portal.followups import follow_ups_start, policy_for, proactive_updates, reminders_notify
from unstuck.portal.models import CaseFollowUp, ReminderNotice, ScanCursor, UpdatePolicy
from unstuck.portal.scans import GRACE
from unstuck.portal.services import follow_up_pause, follow_up_resume
from unstuck.portal.tests.factories import ago, case_of, load_dispatch, push, stalled_item, worker_round
from unstuck.portal.update_policy import DEFAULT_POLICY

# Quiet hours and business hours decide when customers are told: CI reruns these at pinned moments.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def follow_up() -> CaseFollowUp:
    load_dispatch()
    item = stalled_item()
    worker_round()
    return CaseFollowUp.objects.get(case=case_of(item))


def test_a_new_stall_case_gets_one_follow_up_due_at_once(follow_up: CaseFollowUp) -> None:
    assert follow_up.state == "active"
    assert follow_up.item.external_id == "B-1"
    worker_round()
    assert CaseFollowUp.objects.count() == 1, "running again adds nothing"


def test_items_without_a_customer_get_a_silent_follow_up() -> None:
    load_dispatch()
    item = stalled_item("B-2", customer=None)
    worker_round()
    follow_up = CaseFollowUp.objects.get(case=case_of(item))
    assert (follow_up.state, follow_up.next_update_at) == ("silent", None)


def test_manual_cases_get_no_follow_up() -> None:
    from unstuck.cases.services import case_create

    load_dispatch()
    stalled_item()
    admin = user_ensure(username="boss", role="admin")
    case_create(
        actor=admin, case_type="complaint", title="投诉", process_key="dispatch", item_external_id="B-1"
    )
    worker_round()
    assert list(CaseFollowUp.objects.values_list("case__origin", flat=True)) == ["stall"]


def test_an_update_due_at_night_is_moved_to_08_00_in_the_customer_s_zone(follow_up: CaseFollowUp) -> None:
    night = datetime(2026, 12, 2, 23, 10, tzinfo=SHANGHAI)  # no Customer.timezone yet: Asia/Shanghai
    CaseFollowUp.objects.filter(pk=follow_up.pk).update(
        next_update_at=night, last_update_at=None, recent_updates=[]
    )
    assert proactive_updates(now=night) == 1
    follow_up.refresh_from_db()
    assert follow_up.next_update_at == datetime(2026, 12, 3, 8, 0, tzinfo=SHANGHAI)
    assert follow_up.updates_sent == 0 and follow_up.recent_updates == []
    assert proactive_updates(now=night + timedelta(hours=1)) == 0, "not due again before 08:00"


def test_the_daily_cap_moves_the_next_update_to_the_next_morning(follow_up: CaseFollowUp) -> None:
    UpdatePolicy.objects.create(process=None, cadence_minutes=60, max_per_day=2)
    morning, noon = datetime(2026, 12, 2, 9, tzinfo=SHANGHAI), datetime(2026, 12, 2, 12, tzinfo=SHANGHAI)
    now = datetime(2026, 12, 2, 15, tzinfo=SHANGHAI)
    CaseFollowUp.objects.filter(pk=follow_up.pk).update(
        next_update_at=now, last_update_at=noon, recent_updates=[morning.isoformat(), noon.isoformat()]
    )
    proactive_updates(now=now)
    follow_up.refresh_from_db()
    assert follow_up.next_update_at == datetime(2026, 12, 3, 8, 0, tzinfo=SHANGHAI)


def test_policies_per_process_override_the_default() -> None:
    process = load_dispatch()
    assert policy_for(process.pk) == DEFAULT_POLICY
    UpdatePolicy.objects.create(process=None, cadence_minutes=30)
    UpdatePolicy.objects.create(process=process, cadence_minutes=90, quiet_start=time(22), quiet_end=time(7))
    mine = policy_for(process.pk)
    assert (mine.cadence, mine.quiet_start) == (timedelta(minutes=90), time(22))
    assert policy_for(None).cadence == timedelta(minutes=30)


def test_a_supervisor_pauses_and_resumes_updates_with_who_when_why(follow_up: CaseFollowUp) -> None:
    boss = user_ensure(username="lead", role="supervisor", team_key="ops")
    with pytest.raises(DomainError) as refused:
        follow_up_pause(case_id=follow_up.case_id, actor=boss, reason="  ")
    assert refused.value.code == "reason_required"
    follow_up_pause(case_id=follow_up.case_id, actor=boss, reason="仓库停电，统一发批量通知")
    follow_up.refresh_from_db()
    assert follow_up.paused_by == boss and follow_up.paused_at is not None
    assert follow_up.pause_reason == "仓库停电，统一发批量通知"
    assert follow_up.next_update_at is None, "a paused follow-up leaves the due index"
    assert proactive_updates(now=datetime.now(UTC) + timedelta(days=2)) == 0
    follow_up_resume(case_id=follow_up.case_id, actor=boss)
    follow_up.refresh_from_db()
    assert follow_up.paused_at is None and follow_up.next_update_at is not None
    kinds = list(Case.objects.get(pk=follow_up.case_id).timeline.values_list("kind", flat=True))
    assert kinds.count("updates_paused") == 1 and kinds.count("updates_resumed") == 1


def test_a_resolved_case_finishes_its_follow_up(follow_up: CaseFollowUp) -> None:
    push("B-1", "confirmed", ago(0.1))
    worker_round()
    follow_up.refresh_from_db()
    assert follow_up.case.status == "resolved"
    proactive_updates(now=datetime.now(UTC) + timedelta(days=1))
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.next_update_at) == ("finished", None)


def test_internal_confirmation_reminders_are_noticed_once_per_reminder() -> None:
    load_dispatch()
    user_ensure(username="qa1", role="agent", team_key="qa")
    push("B-3", "qa_check", ago(1), customer={"id": "C-3"})  # reminder at 30 m, deadline at 2 h
    worker_round()
    notice = ReminderNotice.objects.get()
    assert notice.reminder.confirm_by == "qa" and notice.reminder.item.external_id == "B-3"
    reminders_notify()
    assert ReminderNotice.objects.count() == 1


def test_customer_reminders_are_not_internal_notices() -> None:
    load_dispatch()
    push("B-4", "awaiting_confirmation", ago(1), customer={"id": "C-4"})
    worker_round()
    assert ReminderNotice.objects.count() == 0


def test_the_scan_cursor_stays_behind_rows_inside_the_grace_window() -> None:
    load_dispatch()
    stalled_item("B-5")
    worker_round()
    cursor = ScanCursor.objects.get(name="follow_ups")
    case_id = Case.objects.get().pk
    assert cursor.position < case_id, "the case was opened just now: a lower id might still commit"
    later = datetime.now(UTC) + GRACE + timedelta(seconds=1)
    follow_ups_start(now=later)
    cursor.refresh_from_db()
    assert cursor.position == case_id


def test_an_incident_pauses_the_updates_of_all_its_cases_at_once() -> None:
    from unstuck.portal.services import follow_ups_pause

    load_dispatch()
    for external_id in ("B-10", "B-11", "B-12"):
        stalled_item(external_id)
    stalled_item("B-13", customer=None)
    worker_round()
    boss = user_ensure(username="lead", role="supervisor", team_key="ops")
    ids = list(Case.objects.values_list("pk", flat=True))
    assert follow_ups_pause(case_ids=ids, actor=boss, reason="仓库停电：批量通知") == 4
    assert follow_ups_pause(case_ids=ids, actor=boss, reason="again") == 0
    assert set(CaseFollowUp.objects.values_list("pause_reason", flat=True)) == {"仓库停电：批量通知"}
