"""SLA clocks in the team's business calendar: across the 2026 National Day week, paused while
waiting on the customer, met by the first human action, restarted by customer-facing updates."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from unstuck.calendars.business_time import get_calendar
from unstuck.cases.models import Case
from unstuck.cases.services import case_assign, case_note_add, case_status_change
from unstuck.cases.sla import case_customer_updated, sla_case_changed
from unstuck.cases.tests.factories import manual_case, person
from unstuck.cases.tests.sla_helpers import at, clocks, kinds, team_on

# The clocks count business time: CI reruns these at pinned moments.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]

OPENED = at(2026, 9, 30, 16)  # Wednesday before the National Day holiday, two working hours left


def open_p3(team: str = "ops", calendar_key: str = "cn-workdays") -> Case:
    team_on(team, calendar_key, f"{team}-agent")
    with time_machine.travel(OPENED, tick=False):
        return manual_case(team=team, priority="P3")


def test_p3_resolution_across_the_national_day_week_is_due_where_business_time_says() -> None:
    case = open_p3()
    found = clocks(case)
    cn = get_calendar("cn-workdays")
    # Seeded P3: first response 4h, next update 1d, resolution 3d = 27 working hours on cn-workdays.
    # 09-30 16:00-18:00 (2h); 10-01..10-07 off; 10-08 and 10-09 (9h each, 20h); the make-up
    # Saturday 10-10 09:00-16:00 (7h) = 27h.
    assert found["resolution"].due_at == at(2026, 10, 10, 16)
    assert found["first_response"].due_at == at(2026, 10, 8, 11)  # 2h on 09-30, 2h on 10-08
    assert cn.seconds_between(OPENED, found["resolution"].due_at) == 27 * 3600
    assert found["resolution"].budget_seconds == 27 * 3600
    assert found["next_update"].started_at is None and found["next_update"].due_at is None
    case.refresh_from_db()
    assert case.sla_due_at == at(2026, 10, 8, 11) and case.sla_state == "ok"
    assert kinds(case) == ["opened", "assigned"]  # starting the clocks adds nothing to the timeline


def test_nights_weekends_and_holidays_do_not_count_but_count_on_an_always_team() -> None:
    case = open_p3()
    always = open_p3("night", "always")
    assert clocks(always)["resolution"].due_at == OPENED + timedelta(days=3)  # 3 x 24h
    due = clocks(case)["resolution"].due_at
    assert due is not None and due - OPENED == timedelta(days=10)  # wall clock: 10 days


def test_time_waiting_on_the_customer_moves_due_by_exactly_the_paused_business_time() -> None:
    case = open_p3()
    agent = case.owner
    assert agent is not None
    with time_machine.travel(at(2026, 9, 30, 17), tick=False):
        case_status_change(case_id=case.pk, actor=agent, status="in_progress")
        case_status_change(case_id=case.pk, actor=agent, status="waiting_customer")
    paused = clocks(case)
    assert paused["resolution"].due_at is None and paused["resolution"].paused_since == at(2026, 9, 30, 17)
    case.refresh_from_db()
    assert (case.sla_due_at, case.sla_state) == (None, "paused")
    with time_machine.travel(at(2026, 10, 9, 10, 30), tick=False):
        case_status_change(case_id=case.pk, actor=agent, status="in_progress")
    resumed = clocks(case)["resolution"]
    # Paused from 09-30 17:00 to 10-09 10:30: 1h + 9h (10-08) + 1.5h = 11.5 business hours.
    assert resumed.paused_seconds == 11 * 3600 + 1800
    cn = get_calendar("cn-workdays")
    assert resumed.due_at is not None
    assert cn.seconds_between(at(2026, 10, 10, 16), resumed.due_at) == 11 * 3600 + 1800
    assert resumed.due_at == at(2026, 10, 13, 9, 30)  # 10-10 16-18 (2h), 10-12 (9h), 10-13 0.5h
    case.refresh_from_db()
    assert case.sla_state == "ok" and case.sla_due_at is not None


def test_the_first_human_action_meets_first_response_and_starts_next_update() -> None:
    case = open_p3()
    assert clocks(case)["first_response"].met_at is None
    with time_machine.travel(at(2026, 9, 30, 16, 20), tick=False):
        case_note_add(case_id=case.pk, actor=case.owner, text="已电话联系仓库")  # type: ignore[arg-type]
    found = clocks(case)
    assert found["first_response"].met_at == at(2026, 9, 30, 16, 20)
    assert found["first_response"].due_at is None
    update = found["next_update"]
    assert update.started_at == at(2026, 9, 30, 16, 20) and update.cycle == 1
    assert update.due_at == at(2026, 10, 8, 16, 20)  # 1d = 9h: 1h40m on 09-30, 7h20m on 10-08
    case.refresh_from_db()
    assert case.sla_due_at == at(2026, 10, 8, 16, 20)


def test_automatic_assignment_is_not_a_response_but_a_person_assigning_is() -> None:
    case = open_p3()
    assert clocks(case)["first_response"].met_at is None  # auto-assigned at open
    lead = person("ops-lead", "supervisor", "ops")
    with time_machine.travel(at(2026, 9, 30, 17), tick=False):
        case_assign(case_id=case.pk, actor=lead, owner_username="ops-agent")
    assert clocks(case)["first_response"].met_at == at(2026, 9, 30, 17)


def test_customer_facing_updates_restart_next_update_and_internal_notes_do_not() -> None:
    case = open_p3()
    agent = case.owner
    with time_machine.travel(at(2026, 9, 30, 16, 10), tick=False):
        case_note_add(case_id=case.pk, actor=agent, text="内部备注")  # type: ignore[arg-type]
    first_due = clocks(case)["next_update"].due_at
    with time_machine.travel(at(2026, 9, 30, 17), tick=False):
        case_note_add(case_id=case.pk, actor=agent, text="内部备注 2")  # type: ignore[arg-type]
    assert clocks(case)["next_update"].due_at == first_due
    with time_machine.travel(at(2026, 10, 8, 9, 30), tick=False):
        case_note_add(case_id=case.pk, actor=agent, text="已告知客户新的到货时间", customer_update=True)  # type: ignore[arg-type]
    update = clocks(case)["next_update"]
    assert (update.cycle, update.started_at, update.met_at) == (
        2,
        at(2026, 10, 8, 9, 30),
        at(2026, 10, 8, 9, 30),
    )
    assert update.due_at == at(2026, 10, 9, 9, 30)  # 9h: 10-08 09:30-18:00 (8.5h) + 0.5h on 10-09
    with time_machine.travel(at(2026, 10, 8, 10), tick=False):
        case_customer_updated(case_id=case.pk)  # an outbound message (the messaging app calls this)
    assert clocks(case)["next_update"].cycle == 3


def test_resolving_meets_resolution_and_reopening_does_not_count_the_time_resolved() -> None:
    case = open_p3()
    agent = case.owner
    with time_machine.travel(at(2026, 9, 30, 17), tick=False):
        case_status_change(case_id=case.pk, actor=agent, status="in_progress")  # type: ignore[arg-type]
        case_status_change(case_id=case.pk, actor=agent, status="resolved")  # type: ignore[arg-type]
    done = clocks(case)
    assert done["resolution"].met_at == at(2026, 9, 30, 17)
    assert done["next_update"].stopped_at == at(2026, 9, 30, 17)
    case.refresh_from_db()
    assert (case.sla_due_at, case.sla_state) == (None, "")
    with time_machine.travel(at(2026, 10, 8, 10), tick=False):
        case_status_change(case_id=case.pk, actor=agent, status="in_progress", reason="客户反馈仍未到货")  # type: ignore[arg-type]
    reopened = clocks(case)["resolution"]
    # Resolved 09-30 17:00 .. 10-08 10:00 = 1h + 1h business time, all of it not counted.
    assert reopened.met_at is None and reopened.paused_seconds == 2 * 3600
    assert reopened.due_at == at(2026, 10, 10, 18)  # 10-10 16:00 + 2h: the close of the make-up day
    case.refresh_from_db()
    assert case.sla_state == "ok"


def test_a_year_without_verified_holidays_leaves_the_clock_without_due_and_says_why() -> None:
    team_on("ops", "cn-workdays", "ops-agent")
    with time_machine.travel(at(2026, 12, 28, 10), tick=False):
        case = manual_case(team="ops", priority="P4")  # resolution 10d = 90h reaches into 2027
    resolution = clocks(case)["resolution"]
    assert resolution.due_at is None and "2027" in resolution.problem
    assert clocks(case)["first_response"].due_at == at(2026, 12, 28, 18)  # 8h fits in 2026
    case.refresh_from_db()
    assert case.status == "new" and case.sla_due_at == at(2026, 12, 28, 18)


def test_no_active_policy_means_no_clocks_and_an_empty_state() -> None:
    team_on("ops", "cn-workdays", "ops-agent")
    from unstuck.cases.models import SlaPolicy

    SlaPolicy.objects.filter(priority="P2").update(active=False)
    case = manual_case(team="ops", priority="P2")
    assert clocks(case) == {}
    case.refresh_from_db()
    assert (case.sla_due_at, case.sla_state) == (None, "")


def test_a_case_without_team_counts_in_cn_workdays() -> None:
    admin = person("admin", "admin")
    with time_machine.travel(OPENED, tick=False):
        case = manual_case(team=None, actor=admin, priority="P3")  # type: ignore[arg-type]
    assert clocks(case)["resolution"].calendar_key == "cn-workdays"
    assert clocks(case)["resolution"].due_at == at(2026, 10, 10, 16)


def test_the_service_is_idempotent() -> None:
    case = open_p3()
    before = {target: (c.due_at, c.paused_seconds, c.cycle) for target, c in clocks(case).items()}
    with time_machine.travel(at(2026, 10, 8, 9), tick=False):
        sla_case_changed(case=Case.objects.get(pk=case.pk))
    assert {target: (c.due_at, c.paused_seconds, c.cycle) for target, c in clocks(case).items()} == before
