from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from unstuck.core.keyset import cursor_decode
from unstuck.desk.filters import StallFilter
from unstuck.desk.selectors import stall_board
from unstuck.desk.tests.factories import (
    PASSWORD,
    load_scenes,
    make_admin,
    make_user,
    stall_items,
    step_event,
    worker_pass,
)
from unstuck.processes.selectors import board_names
from unstuck.stalls.models import Stall
from unstuck.tracking.services import event_ingest_batch

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_board_shows_a_stall_the_worker_just_recorded_in_chinese(admin_desk: Client):
    now = timezone.now()
    event_ingest_batch(
        events=[step_event("SO-1", "paid", at=now - timedelta(minutes=20), customer=("C1", "王女士"))]
    )
    assert worker_pass(now) == 1
    page = admin_desk.get("/").content.decode()
    assert '<html lang="zh-Hans">' in page
    for text in (
        "卡点看板",
        "SO-1",
        "王女士",
        "订单交付",
        "已付款",
        "停留超时",
        "仓储组",
        "1 个未解决卡点",
        ">筛选<",
    ):
        assert text in page, text
    assert "5分钟" in page  # stuck for: 20 min in a 15 min step
    local_since = timezone.localtime(Stall.objects.get().since).strftime("%Y-%m-%d %H:%M")
    assert local_since in page  # shown in Asia/Shanghai time


def test_the_board_speaks_english_when_the_browser_asks(admin_desk: Client):
    stall_items(1)
    page = admin_desk.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert '<html lang="en">' in page
    for text in ("Stalls board", "Dwell overdue", "1 open stall", "1 h 0 min"):
        assert text in page, text


def test_a_profile_language_beats_the_browser_and_the_switcher_beats_both(processes):
    user = make_user("li", role="supervisor", team="warehouse")
    user.profile.language = "en"
    user.profile.save()
    client = _signed_in(user)
    assert "Stalls board" in client.get("/", headers={"Accept-Language": "zh-CN"}).content.decode()
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    assert "卡点看板" in client.get("/", headers={"Accept-Language": "en"}).content.decode()


def test_stuck_for_turns_amber_after_an_hour_and_red_after_a_day(admin_desk: Client):
    stall_items(1, prefix="CALM", hours_ago=4.5)  # picking allows 4 h: stuck 30 min
    stall_items(1, prefix="AMBER", hours_ago=7)
    stall_items(1, prefix="RED", hours_ago=30)
    page = admin_desk.get("/").content.decode()
    assert 'stuck stuck-calm">30分钟' in page
    assert 'stuck stuck-amber">3小时0分' in page
    assert 'stuck stuck-red">1天2小时' in page


def test_the_htmx_poll_gets_only_the_live_fragment(admin_desk: Client):
    stall_items(2)
    response = admin_desk.get("/?rule=dwell", headers={"HX-Request": "true"})
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section id="board-live"')
    assert "<html" not in fragment and "<form" not in fragment
    assert 'hx-get="/?rule=dwell"' in fragment and 'hx-trigger="every 5s' in fragment
    assert "SO00001" in fragment
    assert "HX-Request" in response["Vary"]
    page = admin_desk.get("/?rule=dwell").content.decode()
    assert "<html" in page and 'id="board-live"' in page and 'class="filters"' in page


def test_an_agent_sees_their_teams_stalls_and_unowned_ones_only(processes):
    load_scenes()
    warehouse_agent = _signed_in(make_user("zhang", role="agent", team="warehouse"))
    page = warehouse_agent.get("/").content.decode()
    assert "SO20261121-0930" in page  # picking: warehouse
    # dispatch_failed has no team, but b-dispatch is the service team's process: not warehouse's.
    assert "BT-87760" not in page
    assert warehouse_agent.get("/items/b-dispatch/BT-87760/").status_code == 404
    assert "SO20261119-0208" not in page  # shipped: carrier
    assert "BT-88123" not in page  # awaiting confirmation: service
    assert warehouse_agent.get("/items/order-delivery/SO20261119-0208/").status_code == 200
    carrier_page = warehouse_agent.get("/items/order-delivery/SO20261119-0208/").content.decode()
    assert "此跟踪项没有出现过卡点" in carrier_page  # the item is visible, the other team's stall is not


def test_filters_narrow_the_summary_and_the_table(admin_desk: Client):
    load_scenes()
    page = admin_desk.get("/?process=b-dispatch").content.decode()
    assert "BT-88123" in page and "SO20261119-0208" not in page
    assert "3 个未解决卡点" in page
    page = admin_desk.get("/?rule=interruption").content.decode()
    assert "SO20261123-0042" in page and "BT-87760" in page and "SO20261119-0208" not in page
    page = admin_desk.get("/?team=carrier").content.decode()
    assert "SO20261119-0208" in page and "BT-88123" not in page
    page = admin_desk.get("/?q=SO20261122").content.decode()
    assert "SO20261122-0107" in page and "SO20261122-0311" in page and "SO20261121-0930" not in page
    page = admin_desk.get("/?process=nope&rule=bogus&after=garbage").content.decode()
    assert "SO20261119-0208" in page  # values that fit no field are ignored


def test_summary_groups_by_process_step_and_rule_with_links(admin_desk: Client):
    load_scenes()
    page = admin_desk.get("/").content.decode()
    assert 'href="?process=b-dispatch&amp;step=awaiting_confirmation&amp;rule=confirmation"' in page
    assert "拣货中" in page


def test_the_board_costs_the_same_queries_for_3_or_50_stalls(processes):
    client = _signed_in(make_user("zhang", role="agent", team="warehouse"))
    stall_items(3, prefix="A")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/").status_code == 200
    stall_items(47, prefix="B")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/").content.decode()
    assert "50 个未解决卡点" in page and page.count('<tr id="stall-') == 50
    assert len(few) == len(many), [q["sql"] for q in many.captured_queries]
    assert len(many) <= 11  # 10 + the navigation's role check (live wall for team supervisors)


def test_keyset_pages_walk_every_open_stall_once_newest_first(processes):
    for index in range(7):
        stall_items(1, prefix=f"P{index}-", hours_ago=5 + index)
    user = make_admin()
    names = board_names()
    seen: list[str] = []
    filters = StallFilter()
    while True:
        board = stall_board(user=user, filters=filters, names=names, now=timezone.now(), page_size=3)
        seen += [row.item for row in board.rows]
        if board.next_cursor is None:
            break
        assert cursor_decode(board.next_cursor) is not None
        filters = StallFilter(after=board.next_cursor)
    assert seen == [f"P{index}-00000" for index in range(7)]


def test_the_next_page_link_keeps_the_filters(admin_desk: Client):
    stall_items(51)
    page = admin_desk.get("/?rule=dwell").content.decode()
    assert page.count('<tr id="stall-') == 50
    assert 'href="?rule=dwell&amp;after=' in page


def test_teams_named_only_by_a_process_can_still_be_filtered_on(admin_desk: Client):
    from unstuck.accounts.models import Team

    Team.objects.filter(key="dispatch").delete()
    assert ("dispatch", "dispatch") in board_names().teams.items()
    assert '<option value="dispatch">dispatch</option>' in admin_desk.get("/").content.decode()
