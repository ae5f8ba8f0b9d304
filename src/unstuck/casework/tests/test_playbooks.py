"""Playbooks: a new case gets its playbook's checklist (the 5-step method by default), a cause with
a more specific playbook replaces it, and every tick is on the timeline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from unstuck.calendars.business_time import get_calendar
from unstuck.cases.models import Case
from unstuck.casework.models import CasePlaybook, CauseCategory, ChecklistItem, Playbook, PlaybookStep
from unstuck.casework.tests.factories import kinds, manual_case, stalled_cases

pytestmark = pytest.mark.django_db

FIVE = ["识别", "根因", "方案", "执行与反馈", "复盘"]


def _playbook(key: str, *, case_type: str = "", cause: str | None = None, steps: int = 2) -> Playbook:
    category = CauseCategory.objects.get(key=cause) if cause else None
    playbook = Playbook.objects.create(key=key, name_zh=key, case_type=case_type, cause_category=category)
    for position in range(1, steps + 1):
        PlaybookStep.objects.create(
            playbook=playbook, position=position, name_zh=f"{key}-{position}", time_limit="2h", role="agent"
        )
    return playbook


def test_a_case_opened_by_hand_gets_the_five_step_checklist_due_in_business_time(
    api: Any, world: Any
) -> None:
    case = manual_case(team="intake")
    items = api.get("agent", f"/cases/{case.pk}/checklist").json()
    assert [item["title"].split("：")[0] for item in items] == FIVE
    assert [item["role"] for item in items] == ["agent", "agent", "agent", "agent", "supervisor"]
    assert [item["time_limit"] for item in items] == ["1h", "4h", "4h", "1d", "2d"]
    assert items[2]["message_template"] == "stall_update"
    calendar = get_calendar("cn-workdays")
    applied = CasePlaybook.objects.get(case=case).applied_at
    dues = list(ChecklistItem.objects.filter(case=case).order_by("position").values_list("due_at", flat=True))
    assert dues[0] is not None and dues[4] is not None
    assert calendar.seconds_between(applied, dues[0]) == 3600
    assert calendar.seconds_between(applied, dues[4]) == (1 + 4 + 4) * 3600 + 3 * 9 * 3600  # a day is 9 h
    # Opening stands for the checklist: no extra timeline entry.
    assert kinds(case) == ["opened", "assigned"]


def test_a_case_the_worker_opens_from_a_stall_gets_its_checklist(world: Any) -> None:
    (case,) = stalled_cases(("SO-1", {"warehouse": "上海仓"}))
    assert case.origin == "stall"
    assert ChecklistItem.objects.filter(case=case).count() == 5
    assert CasePlaybook.objects.get(case=case).playbook.key == "five-step"


def test_a_playbook_for_the_case_type_wins_over_the_default(world: Any) -> None:
    _playbook("stuck-book", case_type="stuck", steps=3)
    (case,) = stalled_cases(("SO-2", {}))
    assert case.type == "stuck"
    items = ChecklistItem.objects.filter(case=case).order_by("position")
    assert list(items.values_list("name_zh", flat=True)) == [
        "stuck-book-1",
        "stuck-book-2",
        "stuck-book-3",
    ]


def test_setting_a_cause_switches_to_a_more_specific_playbook_and_keeps_ticked_items(
    api: Any, world: Any
) -> None:
    _playbook("inventory-book", cause="inventory", steps=2)
    case = manual_case(team="intake")
    first = api.get("agent", f"/cases/{case.pk}/checklist").json()[0]
    assert api.post("agent", f"/cases/{case.pk}/checklist/{first['id']}/tick").status_code == 200
    api.put("agent", f"/cases/{case.pk}/cause", {"category": "inventory"})
    items = api.get("agent", f"/cases/{case.pk}/checklist").json()
    assert [(item["playbook"], item["title"], bool(item["done_at"])) for item in items] == [
        ("five-step", first["title"], True),
        ("inventory-book", "inventory-book-1", False),
        ("inventory-book", "inventory-book-2", False),
    ]
    assert ChecklistItem.objects.filter(case=case, superseded_at__isnull=False).count() == 4
    entry = Case.objects.get(pk=case.pk).timeline.get(kind="playbook_applied")
    assert entry.data == {"playbook": "inventory-book", "previous": "five-step", "steps": 2}
    # A cause without a more specific playbook changes nothing.
    api.put("agent", f"/cases/{case.pk}/cause", {"category": "external"})
    assert CasePlaybook.objects.get(case=case).playbook.key == "inventory-book"


def test_a_less_specific_playbook_never_replaces_a_more_specific_one(api: Any, world: Any) -> None:
    _playbook("complaint-inventory", case_type="complaint", cause="inventory")
    _playbook("inventory-only", cause="inventory")
    case = manual_case(team="intake")  # a complaint
    api.put("agent", f"/cases/{case.pk}/cause", {"category": "inventory"})
    assert CasePlaybook.objects.get(case=case).playbook.key == "complaint-inventory"


def test_ticking_records_who_and_when_once(api: Any, world: Any) -> None:
    case = manual_case(team="intake")
    item = api.get("agent", f"/cases/{case.pk}/checklist").json()[0]
    ticked = api.post("agent", f"/cases/{case.pk}/checklist/{item['id']}/tick", {"note": "已确认影响 3 单"})
    assert ticked.status_code == 200
    assert ticked.json()["done_by"] == "intake-agent" and ticked.json()["done_at"]
    entry = Case.objects.get(pk=case.pk).timeline.get(kind="checklist_ticked")
    assert entry.actor_label == "intake-agent" and "已确认影响 3 单" in entry.message
    again = api.post("agent", f"/cases/{case.pk}/checklist/{item['id']}/tick")
    assert again.status_code == 409 and again.json()["code"] == "already_done"


def test_a_supervisor_step_needs_a_supervisor_of_the_team(api: Any, world: Any) -> None:
    case = manual_case(team="intake")
    review = api.get("agent", f"/cases/{case.pk}/checklist").json()[4]
    refused = api.post("agent", f"/cases/{case.pk}/checklist/{review['id']}/tick")
    assert refused.status_code == 403 and refused.json()["code"] == "role_required"
    assert api.post("lead", f"/cases/{case.pk}/checklist/{review['id']}/tick").status_code == 200


def test_ticking_is_refused_to_other_teams_auditors_and_for_foreign_items(api: Any, world: Any) -> None:
    case = manual_case(team="intake")
    other = manual_case(team="intake", title="另一单")
    item = api.get("agent", f"/cases/{case.pk}/checklist").json()[0]
    assert api.get("sales_agent", f"/cases/{case.pk}/checklist").status_code == 404
    assert api.post("sales_agent", f"/cases/{case.pk}/checklist/{item['id']}/tick").status_code == 404
    assert api.post("auditor", f"/cases/{case.pk}/checklist/{item['id']}/tick").status_code == 403
    wrong = api.post("agent", f"/cases/{other.pk}/checklist/{item['id']}/tick")
    assert wrong.status_code == 404 and wrong.json()["code"] == "checklist_item_not_found"
    assert not ChecklistItem.objects.filter(done_at__isnull=False).exists()


def test_an_unverified_holiday_year_leaves_due_times_empty_instead_of_guessing(world: Any) -> None:
    from unittest import mock  # only the clock moves: the calendar refuses 2027 for real

    late = datetime(
        2026, 12, 31, 13, 0, tzinfo=ZoneInfo("Asia/Shanghai")
    )  # 1h, 4h fit; the next 4h reach 2027
    with mock.patch("unstuck.casework.services.playbooks.timezone.now", return_value=late):
        case = manual_case(team="intake")
    dues = list(ChecklistItem.objects.filter(case=case).order_by("position").values_list("due_at", flat=True))
    assert dues[0] == late + timedelta(hours=1) and dues[1] == late + timedelta(hours=4 + 1)
    assert dues[2:] == [None, None, None]


def test_the_checklist_endpoint_has_a_bounded_query_count(
    api: Any, world: Any, django_assert_max_num_queries: Any
) -> None:
    case = manual_case(team="intake")
    for item in ChecklistItem.objects.filter(case=case)[:3]:
        api.post("agent", f"/cases/{case.pk}/checklist/{item.pk}/tick")
    with django_assert_max_num_queries(8):
        assert len(api.get("agent", f"/cases/{case.pk}/checklist").json()) == 5
