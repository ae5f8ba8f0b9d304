from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from unstuck.cases.models import Case
from unstuck.cases.services import case_note_add, case_status_change
from unstuck.cases.sla_models import SlaPolicy
from unstuck.desk.countdown import CalendarCache, case_countdown
from unstuck.desk.models import SavedView
from unstuck.desk.queue import cursor_decode, queue_page
from unstuck.desk.queue_filters import QueueFilter
from unstuck.desk.tests.factories import PASSWORD, WORKDAY_MORNING, make_user, sla, stalled_cases

# SLA due moments are business time: every test here runs on the same working morning.
pytestmark = [pytest.mark.django_db, pytest.mark.clock, pytest.mark.time_machine(WORKDAY_MORNING, tick=False)]


def _signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _row_order(page: str, cases: list[Case]) -> list[str]:
    positions = {str(case.number): page.find(f'id="case-row-{case.pk}"') for case in cases}
    return [number for number, at in sorted(positions.items(), key=lambda kv: kv[1]) if at >= 0]


def test_my_queue_sorts_by_sla_due_then_priority_then_age_in_chinese(processes):
    agent = make_user("li", role="agent", team="warehouse")
    a, b = stalled_cases(2, prefix="A")
    SlaPolicy.objects.update(active=False)  # opened while no policy is active, c and d get no SLA
    c, d = stalled_cases(2, prefix="N")
    SlaPolicy.objects.update(active=True)
    (e,) = stalled_cases(1, prefix="E")
    assert sla(a, due_in=timedelta(hours=6)) == "ok"
    assert sla(b, due_in=timedelta(hours=1)) == "warning"
    assert sla(e, due_in=timedelta(hours=-1)) == "breached"
    Case.objects.filter(pk=d.pk).update(priority="P1")  # no SLA: P1 before P3, both after any SLA
    page = _signed_in(agent).get("/queue/").content.decode()
    assert '<html lang="zh-Hans">' in page and "我的队列" in page and "5 个未完成工单" in page
    assert _row_order(page, [a, b, c, d, e]) == [e.number, b.number, a.number, d.number, c.number]
    assert "停滞" in page and "仓储组" in page and "客户0" in page


def test_the_countdown_is_business_time_in_the_team_calendar_and_turns_amber_then_red(processes):
    from unstuck.accounts.models import Team

    make_user("li", role="agent", team="warehouse")
    (case,) = stalled_cases(1)
    Team.objects.filter(key="warehouse").update(calendar_key="cn-workdays")
    case.refresh_from_db()
    case = Case.objects.select_related("team").get(pk=case.pk)
    # Tuesday 2026-11-24 17:00 Shanghai; due Wednesday 10:00: 1 h today + 1 h tomorrow = 2 business hours.
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    case.opened_at = now - timedelta(hours=20)
    case.sla_due_at = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    case.sla_state = "ok"
    countdown = case_countdown(case, now=now, calendars=CalendarCache())
    assert countdown.remaining == 2 * 3600 and countdown.ticking and countdown.business
    # opened 20 wall hours before = Monday 21:00: the budget is 9 h (Tue) + 1 h (Wed) = 10 h; 2 h < 25 %.
    assert countdown.tone == "amber"
    case.opened_at = now - timedelta(minutes=10)
    assert case_countdown(case, now=now, calendars=CalendarCache()).tone == "calm"
    case.sla_state = "warning"
    assert case_countdown(case, now=now, calendars=CalendarCache()).tone == "amber"
    evening = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # 20:00 Shanghai: closed, the clock stands still
    case.sla_state = "ok"
    still = case_countdown(case, now=evening, calendars=CalendarCache())
    assert still.remaining == 3600 and not still.ticking
    case.sla_state = "breached"
    assert case_countdown(case, now=now, calendars=CalendarCache()).tone == "red"
    case.sla_state, case.sla_due_at = "ok", now - timedelta(minutes=1)
    assert case_countdown(case, now=now, calendars=CalendarCache()).tone == "red"
    case.sla_state = "paused"
    assert case_countdown(case, now=now, calendars=CalendarCache()).tone == "paused"


def test_the_queue_shows_countdowns_with_their_tone(processes):
    from unstuck.accounts.models import Team

    agent = make_user("li", role="agent", team="warehouse")
    # A team that works around the clock, so "5 minutes overdue" holds at any hour the suite runs.
    Team.objects.filter(key="warehouse").update(calendar_key="always")
    calm, late = stalled_cases(2)
    assert sla(calm, due_in=timedelta(hours=20)) == "ok"
    assert sla(late, due_in=timedelta(minutes=-5)) == "breached"
    page = _signed_in(agent).get("/queue/").content.decode()
    assert 'class="countdown countdown-calm" data-remaining=' in page
    assert 'class="countdown countdown-red" data-remaining="-' in page
    assert "超时 0:0" in page  # 5 minutes overdue (the team calendar here is "always")
    assert 'data-countdown-formats="{&quot;day&quot;: &quot;{days}天 {hh}:{mm}&quot;' in page


def test_team_queue_shows_colleagues_cases_my_queue_only_mine(processes):
    li = make_user("li", role="agent", team="warehouse")
    make_user("wu", role="agent", team="warehouse")
    cases = stalled_cases(4)
    mine = [case for case in cases if case.owner_id == li.pk]
    assert 0 < len(mine) < 4  # round-robin shared them
    client = _signed_in(li)
    page = client.get("/queue/").content.decode()
    assert page.count('id="case-row-') == len(mine)
    team_page = client.get("/queue/?scope=team").content.decode()
    assert team_page.count('id="case-row-') == 4 and "wu" in team_page and "团队队列" in team_page


def test_another_teams_cases_never_show_even_in_the_team_queue(processes):
    make_user("li", role="agent", team="warehouse")
    stalled_cases(2)
    carrier = make_user("zhao", role="agent", team="carrier")
    page = _signed_in(carrier).get("/queue/?scope=team").content.decode()
    assert 'id="case-row-' not in page


def test_filters_narrow_and_values_that_fit_no_field_are_ignored(processes):
    agent = make_user("li", role="agent", team="warehouse")
    # The default policies (cases migration 0004) would give every case an SLA; without an active
    # policy the cases open with none, so "no SLA" has cases to find (a and c stay without one).
    SlaPolicy.objects.update(active=False)
    a, c = stalled_cases(2)
    Case.objects.filter(pk=a.pk).update(priority="P1")
    case_status_change(case_id=c.pk, actor=agent, status="in_progress")
    SlaPolicy.objects.update(active=True)
    (b,) = stalled_cases(1, prefix="B")
    assert sla(b, due_in=timedelta(hours=1)) == "warning"
    assert sorted(Case.objects.values_list("sla_state", flat=True)) == ["", "", "warning"]
    client = _signed_in(agent)

    def rows(query: str) -> int:
        return client.get(f"/queue/{query}").content.decode().count('id="case-row-')

    assert rows("?priority=P1") == 1
    assert rows("?sla=warning") == 1
    assert rows("?sla=none") == 2
    assert rows("?status=in_progress") == 1
    assert rows("?type=stuck&process=order-delivery&team=warehouse") == 3
    assert rows("?type=complaint") == 0
    assert rows("?status=resolved&priority=P9&sla=bogus&after=garbage") == 3


def test_search_by_item_id_case_number_customer_phone_and_note_text(processes):
    agent = make_user("li", role="agent", team="warehouse")
    a, b, c = stalled_cases(3)
    case_note_add(case_id=c.pk, actor=agent, text="客户说周五在家")
    client = _signed_in(agent)

    def found(q: str) -> list[int]:
        page = client.get("/queue/", {"q": q}).content.decode()
        return [case.pk for case in (a, b, c) if f'id="case-row-{case.pk}"' in page]

    assert found("SO00001") == [b.pk]
    assert found(a.number) == [a.pk]
    assert found("客户2") == [c.pk]
    assert found("C0") == [a.pk]  # the customer's id
    assert found("0013 8000") == [a.pk, b.pk, c.pk]  # every test customer has this phone
    assert found("周五") == [c.pk]
    assert found("没有这种") == []


def test_keyset_pages_walk_the_queue_once_in_order(processes):
    agent = make_user("li", role="agent", team="warehouse")
    cases = stalled_cases(7)
    for index, case in enumerate(cases[:4]):  # before the others' first response (4 h after opening)
        sla(case, due_in=timedelta(hours=3.5 - index))
    expected = [case.pk for case in reversed(cases[:4])] + [case.pk for case in cases[4:]]
    seen: list[int] = []
    filters = QueueFilter()
    while True:
        page, count = queue_page(user=agent, filters=filters, page_size=3)
        assert count.value == 7 and count.exact
        seen += [case.pk for case in page.cases]
        if page.next_cursor is None:
            break
        assert cursor_decode(page.next_cursor) is not None
        filters = QueueFilter(after=page.next_cursor)
    assert seen == expected


def test_counts_are_exact_below_the_threshold_and_estimated_above(processes, monkeypatch):
    from unstuck.desk import queue

    agent = make_user("li", role="agent", team="warehouse")
    stalled_cases(5)
    monkeypatch.setattr(queue, "EXACT_COUNT_LIMIT", 3)
    _, count = queue.queue_page(user=agent, filters=QueueFilter())
    assert not count.exact and count.value >= 4
    page = _signed_in(agent).get("/queue/").content.decode()
    assert "约" in page and "个未完成工单" in page


def test_the_htmx_poll_gets_only_the_live_fragment(processes):
    agent = make_user("li", role="agent", team="warehouse")
    stalled_cases(2)
    client = _signed_in(agent)
    response = client.get("/queue/?priority=P3", headers={"HX-Request": "true"})
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section id="queue-live"')
    assert "<html" not in fragment and 'hx-get="/queue/?priority=P3"' in fragment
    assert 'hx-trigger="every 15s' in fragment and 'aria-live="polite"' in fragment
    assert "HX-Request" in response["Vary"]


def test_saved_views_are_kept_shared_with_the_team_and_only_their_owner_deletes_them(processes):
    li = make_user("li", role="agent", team="warehouse")
    wu = make_user("wu", role="agent", team="warehouse")
    zhao = make_user("zhao", role="agent", team="carrier")
    stalled_cases(2)
    client = _signed_in(li)
    response = client.post(
        "/queue/views/", {"name": "P1急单", "priority": "P1", "scope": "team", "share_team": "warehouse"}
    )
    assert response.status_code == 302 and response["Location"].startswith("/queue/?scope=team&priority=P1")
    view = SavedView.objects.get()
    assert (
        view.filters == {"scope": "team", "priority": "P1"}
        and view.team is not None
        and view.team.key == "warehouse"
    )
    assert "P1急单" in _signed_in(wu).get("/queue/").content.decode()
    assert "P1急单" not in _signed_in(zhao).get("/queue/").content.decode()
    assert _signed_in(wu).post(f"/queue/views/{view.pk}/delete/").status_code == 404
    refused = client.post("/queue/views/", {"name": " ", "priority": "P1"})
    assert refused.status_code == 400 and "请给视图起个名字" in refused.content.decode()
    shared_elsewhere = client.post("/queue/views/", {"name": "x", "share_team": "carrier"})
    assert shared_elsewhere.status_code == 403
    assert client.post(f"/queue/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()


def _predict(cases) -> None:
    """Stored predictions for the cases' items, as the insights scoring job leaves them."""
    from django.utils import timezone

    from unstuck.insights.models import ItemPrediction, TrainedModel

    model = TrainedModel.objects.first() or TrainedModel.objects.create(
        kind="item_outcome",
        trained_at=timezone.now(),
        sample_size=0,
        payload=b"",
        library_version="-",
        train_seconds=0.0,
    )
    for case in cases:
        ItemPrediction.objects.create(
            item_id=case.item_id,
            model=model,
            p_miss=0.73,
            expected_remaining_seconds=36 * 3600,
            at=timezone.now(),
        )


@pytest.mark.parametrize("scope", ["", "?scope=team"])
def test_the_queue_costs_the_same_queries_for_3_or_40_cases(processes, scope):
    agent = make_user("li", role="agent", team="warehouse")
    client = _signed_in(agent)
    for case in stalled_cases(3, prefix="A"):
        sla(case, due_in=timedelta(hours=2))
    _predict(Case.objects.filter(item__external_id__startswith="A"))
    assert client.get(f"/queue/{scope}").status_code == 200  # warm the calendar cache
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/queue/{scope}").status_code == 200
    for case in stalled_cases(37, prefix="B"):
        sla(case, due_in=timedelta(hours=3))
    # Every other new case's item has a stored prediction: rows with and without one cost nothing extra.
    _predict(Case.objects.filter(item__external_id__startswith="B").order_by("id")[::2])
    with CaptureQueriesContext(connection) as many:
        page = client.get(f"/queue/{scope}").content.decode()
    assert page.count('id="case-row-') == 40
    assert page.count('class="risk risk-high">73%</span> · 1天12小时') == 3 + 19
    assert len(few) == len(many), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 16


def test_a_supervisors_team_queue_merges_their_teams_and_the_unassigned_in_queue_order(processes):
    from unstuck.accounts.services import team_ensure

    other = team_ensure(key="returns", name="退货组")
    lead = make_user("wang", role="supervisor", team="warehouse")
    make_user("wang", role="supervisor", team="returns")
    make_user("zhao", role="agent", team="warehouse")
    cases = stalled_cases(7)
    Case.objects.filter(pk__in=[cases[1].pk, cases[4].pk]).update(team=other)
    Case.objects.filter(pk__in=[cases[2].pk, cases[5].pk]).update(team=None)
    # Interleaved SLA due moments across the buckets, before the others' first response (4 h after opening).
    for index, case in enumerate(cases[:5]):
        sla(case, due_in=timedelta(minutes=210 - 30 * index))
    expected = [case.pk for case in reversed(cases[:5])] + [case.pk for case in cases[5:]]
    seen: list[int] = []
    filters = QueueFilter(scope="team")
    while True:
        page, _count = queue_page(user=lead, filters=filters, page_size=2)
        seen += [case.pk for case in page.cases]
        if page.next_cursor is None:
            break
        filters = QueueFilter(scope="team", after=page.next_cursor)
    assert seen == expected
    client = _signed_in(lead)
    client.get("/queue/?scope=team&type=stuck")
    with CaptureQueriesContext(connection) as few:
        first = client.get("/queue/?scope=team&type=stuck").content.decode()
    stalled_cases(20, prefix="B")
    with CaptureQueriesContext(connection) as many:
        client.get("/queue/?scope=team&type=stuck")
    assert len(few) == len(many), [q["sql"] for q in many.captured_queries]
    assert _row_order(first, cases) == [Case.objects.get(pk=pk).number for pk in expected]
