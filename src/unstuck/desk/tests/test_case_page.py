from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from unstuck.cases.models import Case, TimelineEntry
from unstuck.cases.services import case_note_add
from unstuck.desk import panels
from unstuck.desk.tests.factories import (
    PASSWORD,
    WORKDAY_MORNING,
    make_user,
    route_cases,
    sla,
    stalled_cases,
    step_event,
    worker_pass,
)
from unstuck.tracking.services import event_ingest_batch

# SLA due moments are business time: every test here runs on the same working morning.
pytestmark = [pytest.mark.django_db, pytest.mark.clock, pytest.mark.time_machine(WORKDAY_MORNING, tick=False)]


def _signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _htmx(client: Client, url: str, data: dict[str, str]) -> str:
    return client.post(url, data, headers={"HX-Request": "true"}).content.decode()


def test_the_case_page_shows_header_events_customer_history_and_timeline(processes):
    agent = make_user("li", role="agent", team="warehouse")
    now = timezone.now()
    customer = ("C-77", "周女士")
    event_ingest_batch(
        events=[
            step_event("SO-OLD", "delivered", at=now - timedelta(days=9), customer=customer),
            step_event("SO-77", "paid", at=now - timedelta(hours=6), customer=customer),
            step_event(
                "SO-77", "picking", at=now - timedelta(hours=5), customer=customer, attrs={"仓库": "嘉兴仓"}
            ),
        ]
    )
    worker_pass(now)
    route_cases()
    case = Case.objects.get(item__external_id="SO-77")
    assert sla(case, due_in=timedelta(hours=8)) == "ok"
    case_note_add(case_id=case.pk, actor=agent, text="已联系仓库")
    page = _signed_in(agent).get(f"/cases/{case.pk}/").content.decode()
    for text in (
        case.number,
        "停滞",
        "处理人",
        "li",
        "仓储组",
        "新建",
        "P3 中",
        "拣货中",
        "已付款",
        "嘉兴仓",
    ):
        assert str(text) in page, text
    assert "周女士" in page and "SO-OLD" in page  # the customer's other item
    assert "已联系仓库" in page and "工单时间线" in page
    entry = TimelineEntry.objects.filter(case=case).order_by("seq").last()
    assert entry is not None and f'title="哈希 {entry.hash}"' in page
    assert 'class="countdown countdown-calm"' in page


def test_another_teams_case_is_a_404_and_so_are_its_actions(processes):
    make_user("li", role="agent", team="warehouse")
    (case,) = stalled_cases(1)
    outsider = _signed_in(make_user("zhao", role="agent", team="carrier"))
    assert outsider.get(f"/cases/{case.pk}/").status_code == 404
    assert outsider.post(f"/cases/{case.pk}/status/", {"status": "in_progress"}).status_code == 404
    assert outsider.post(f"/cases/{case.pk}/notes/", {"text": "x"}).status_code == 404
    assert outsider.get("/cases/999999/").status_code == 404


def test_move_to_in_progress_add_a_note_and_resolve_through_htmx(processes):
    agent = make_user("li", role="agent", team="warehouse")
    (case,) = stalled_cases(1)
    client = _signed_in(agent)
    url = f"/cases/{case.pk}"
    fragment = _htmx(client, f"{url}/status/", {"status": "in_progress"})
    assert fragment.lstrip().startswith('<div id="case-work"') and "<html" not in fragment
    assert "状态已改为“处理中”" in fragment and 'id="case-status">处理中' in fragment
    fragment = _htmx(client, f"{url}/notes/", {"text": "客户改约周五"})
    assert "备注已添加" in fragment and "客户改约周五" in fragment
    fragment = _htmx(client, f"{url}/status/", {"status": "resolved"})
    assert 'id="case-status">已解决' in fragment
    case.refresh_from_db()
    assert case.status == "resolved" and case.resolved_at is not None
    kinds = list(TimelineEntry.objects.filter(case=case).order_by("seq").values_list("kind", flat=True))
    assert kinds[-3:] == ["status_changed", "note", "status_changed"]
    assert f'id="case-row-{case.pk}"' not in client.get("/queue/").content.decode()


def test_an_invalid_transition_gets_a_clear_inline_message_and_changes_nothing(processes):
    agent = make_user("li", role="agent", team="warehouse")
    (case,) = stalled_cases(1)
    client = _signed_in(agent)
    fragment = _htmx(client, f"/cases/{case.pk}/status/", {"status": "waiting_customer"})
    assert 'role="alert"' in fragment
    assert "这个工单不能从“新建”直接变为“等待客户”" in fragment
    plain = client.post(f"/cases/{case.pk}/status/", {"status": "waiting_customer"})
    assert plain.status_code == 409 and "这个工单不能从“新建”" in plain.content.decode()
    empty_note = client.post(f"/cases/{case.pk}/notes/", {"text": "  "})
    assert empty_note.status_code == 400 and "备注不能为空" in empty_note.content.decode()
    case.refresh_from_db()
    assert case.status == "new"


def test_assign_to_me_and_agents_cannot_give_cases_to_others(processes):
    li = make_user("li", role="agent", team="warehouse")
    wu = make_user("wu", role="agent", team="warehouse")
    cases = stalled_cases(2)
    theirs = next(case for case in cases if case.owner_id == wu.pk)
    client = _signed_in(li)
    page = client.get(f"/cases/{theirs.pk}/").content.decode()
    assert 'data-shortcut="a"' in page and 'id="assign-owner"' not in page  # agents only take cases
    fragment = _htmx(client, f"/cases/{theirs.pk}/assign/", {})
    assert 'id="case-owner">li' in fragment
    refused = _htmx(client, f"/cases/{theirs.pk}/assign/", {"owner": "wu"})
    assert "你无权对这个工单执行此操作" in refused
    supervisor = _signed_in(make_user("wang", role="supervisor", team="warehouse"))
    fragment = _htmx(supervisor, f"/cases/{theirs.pk}/assign/", {"owner": "wu"})
    assert 'id="case-owner">wu' in fragment


def test_auditors_read_cases_but_get_no_actions_and_writes_are_refused(processes):
    make_user("li", role="agent", team="warehouse")
    (case,) = stalled_cases(1)
    auditor = _signed_in(make_user("shen", role="auditor"))
    page = auditor.get(f"/cases/{case.pk}/").content.decode()
    assert case.number in page and 'id="note-text"' not in page
    assert auditor.post(f"/cases/{case.pk}/status/", {"status": "in_progress"}).status_code == 403


def test_next_and_previous_follow_the_queue_the_user_came_from(processes):
    agent = make_user("li", role="agent", team="warehouse")
    first, second, third = stalled_cases(3)
    sla(first, due_in=timedelta(hours=1))
    sla(second, due_in=timedelta(hours=2))
    sla(third, due_in=timedelta(hours=3))
    client = _signed_in(agent)
    origin = urlencode({"from": "priority=P3"})
    queue = client.get("/queue/?priority=P3").content.decode()
    assert f'href="/cases/{first.pk}/?{origin}"' in queue
    page = client.get(f"/cases/{second.pk}/?{origin}").content.decode()
    assert f'rel="prev" data-shortcut="k" href="/cases/{first.pk}/?{origin}"' in page
    assert f'rel="next" data-shortcut="j" href="/cases/{third.pk}/?{origin}"' in page
    page = client.get(f"/cases/{first.pk}/?{origin}").content.decode()
    assert 'rel="prev"' not in page and f'href="/cases/{second.pk}/?{origin}"' in page
    # Resolved, the case leaves the queue, but its page still knows what comes next.
    _htmx(client, f"/cases/{second.pk}/status/", {"status": "resolved", "from": "priority=P3"})
    page = client.get(f"/cases/{second.pk}/?{origin}").content.decode()
    assert f'href="/cases/{third.pk}/?{origin}"' in page


def test_panels_render_in_registry_order_and_missing_modules_are_skipped(processes, monkeypatch):
    agent = make_user("li", role="agent", team="warehouse")
    (case,) = stalled_cases(1)
    monkeypatch.setattr(
        panels,
        "CASE_PANELS",
        [
            "unstuck.nowhere.panels",
            "unstuck.desk.tests.panel_example",
            "unstuck.desk.panels_missing_too",
        ],
    )
    page = _signed_in(agent).get(f"/cases/{case.pk}/").content.decode()
    assert f'<section class="card example-panel">示例面板 {case.number}</section>' in page
    assert panels.CASE_PANELS[0] not in page


def test_the_registry_lists_the_contract_modules():
    assert panels.CASE_PANELS == [
        "unstuck.cases.panels",
        "unstuck.casework.panels",
        "unstuck.messaging.panels",
        "unstuck.portal.panels",
        "unstuck.insights.panels",
    ]


def test_the_customer_history_lists_the_messages_they_were_sent(processes):
    from unstuck.desk.case_page import customer_history
    from unstuck.messaging.services import message_enqueue

    agent = make_user("li", role="agent", team="warehouse")
    (case,) = stalled_cases(1)
    message_enqueue(
        template_key="stall_update",
        context={"reason": "仓库系统故障", "eta": "明天"},
        dedupe_key="h:1",
        case=case,
    )
    history = customer_history(user=agent, case=Case.objects.select_related("item__customer").get(pk=case.pk))
    assert [row.kind for row in history.messages] == ["message"] and history.surveys == []


def test_the_case_page_costs_the_same_queries_with_a_long_or_short_history(processes):
    agent = make_user("li", role="agent", team="warehouse")
    client = _signed_in(agent)
    (case,) = stalled_cases(1, prefix="X")
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/cases/{case.pk}/").status_code == 200
    for index in range(15):
        case_note_add(case_id=case.pk, actor=agent, text=f"备注 {index}")
    now = timezone.now()
    event_ingest_batch(
        events=[
            step_event(f"Y{index}", "delivered", at=now - timedelta(days=2), customer=("C0", "客户0"))
            for index in range(12)
        ]
    )
    stalled_cases(6, prefix="Z")  # more cases of the same customers, in the same team
    with CaptureQueriesContext(connection) as many:
        page = client.get(f"/cases/{case.pk}/").content.decode()
    assert page.count("备注 ") >= 15 and "Y11" in page
    assert len(few) == len(many), [q["sql"] for q in many.captured_queries]
    # Constant, not growing with the history (the line above). Measured 43 with all five panels
    # merged: the desk's own page 21 (session, user and teams, the case, its events, customer, items,
    # cases, messages, surveys, timeline, filters, neighbours), then one query per thing each panel
    # shows: cases SLA 3 (clocks, timers, escalations), casework 8, messaging 2, portal 4,
    # insights 5. A little headroom so one more panel field does not fail this; a loop would.
    assert len(many) <= 45


def test_a_long_timeline_shows_its_latest_entries_and_loads_the_earlier_ones_on_request(processes):
    from unstuck.desk.case_page import TIMELINE_PAGE

    agent = make_user("li", role="agent", team="warehouse")
    client = _signed_in(agent)
    (case,) = stalled_cases(1)
    for index in range(TIMELINE_PAGE + 10):
        case_note_add(case_id=case.pk, actor=agent, text=f"备注 {index:03d}")
    total = TimelineEntry.objects.filter(case=case).count()
    earlier = total - TIMELINE_PAGE
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert page.count("data-seq=") == TIMELINE_PAGE and f"备注 {TIMELINE_PAGE + 9:03d}" in page
    assert "备注 000" not in page and f"显示更早的 {earlier} 条记录" in page
    first_shown = earlier + 1
    assert f"?before={first_shown}" in page
    rows = client.get(
        f"/cases/{case.pk}/timeline/", {"before": first_shown}, headers={"HX-Request": "true"}
    ).content.decode()
    assert rows.count("data-seq=") == earlier and "备注 000" in rows and "更早的" not in rows
    assert [int(s.split('"')[1]) for s in rows.split("data-seq=")[1:]] == list(range(1, first_shown))
    # Without JavaScript the link opens a page of those entries.
    plain = client.get(f"/cases/{case.pk}/timeline/", {"before": first_shown}).content.decode()
    assert "<html" in plain and plain.count("data-seq=") == earlier
    assert client.get(f"/cases/{case.pk}/timeline/", {"before": "x"}).status_code == 400
    outsider = _signed_in(make_user("zhao", role="agent", team="carrier"))
    assert outsider.get(f"/cases/{case.pk}/timeline/", {"before": 5}).status_code == 404
