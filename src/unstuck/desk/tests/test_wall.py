from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from unstuck.cases.models import Case
from unstuck.desk.tests.factories import (
    PASSWORD,
    WORKDAY_MORNING,
    make_user,
    sla,
    stall_items,
    stalled_cases,
)
from unstuck.desk.wall import wall_read
from unstuck.processes.selectors import board_names

# SLA due moments are business time: every test here runs on the same working morning.
pytestmark = [pytest.mark.django_db, pytest.mark.clock, pytest.mark.time_machine(WORKDAY_MORNING, tick=False)]


def _signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_wall_groups_stalls_and_breaches_by_process_step_and_team_with_workload(processes):
    li = make_user("li", role="agent", team="warehouse")
    make_user("wu", role="agent", team="warehouse")
    cases = stalled_cases(4)
    assert sla(cases[0], due_in=timedelta(minutes=-30)) == "breached"
    assert sla(cases[1], due_in=timedelta(hours=1)) == "warning"
    supervisor = _signed_in(make_user("wang", role="supervisor", team="warehouse"))
    page = supervisor.get("/wall/").content.decode()
    assert "实时监控墙" in page and "4 个未解决卡点 · 1 个 SLA 超时" in page
    assert "订单交付" in page and "拣货中" in page and "仓储组" in page
    assert cases[0].number in page  # latest breaches
    assert "SO00003" in page  # latest stalls
    assert "团队工作量" in page and ">li<" in page and ">wu<" in page
    assert 'hx-trigger="every 5s' in page
    assert li.pk  # both agents carry two cases each (round-robin)
    assert page.count('<td class="num">2</td>') >= 2


def test_agents_do_not_get_the_wall(processes):
    agent = _signed_in(make_user("li", role="agent", team="warehouse"))
    response = agent.get("/wall/")
    assert response.status_code == 403 and "此页面仅供主管和管理员使用" in response.content.decode()
    assert 'href="/wall/"' not in agent.get("/queue/").content.decode()


def test_a_stall_shows_on_the_wall_at_the_next_poll(processes):
    supervisor = _signed_in(make_user("wang", role="supervisor", team="warehouse"))
    fragment = supervisor.get("/wall/", headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<section id="wall-live"') and "SO-NEW" not in fragment
    stall_items(1, prefix="SO-NEW")
    assert "SO-NEW00000" in supervisor.get("/wall/", headers={"HX-Request": "true"}).content.decode()


def test_the_wall_says_whether_each_agent_is_present(processes):
    make_user("li", role="agent", team="warehouse")
    stalled_cases(1)
    page = _signed_in(make_user("wang", role="supervisor", team="warehouse")).get("/wall/").content.decode()
    assert "在岗" in page or "缺勤" in page


def test_the_wall_costs_the_same_queries_for_few_or_many_cases(processes):
    make_user("li", role="agent", team="warehouse")
    client = _signed_in(make_user("wang", role="supervisor", team="warehouse"))
    for case in stalled_cases(2, prefix="A"):
        assert sla(case, due_in=timedelta(minutes=-5)) == "breached"
    assert client.get("/wall/").status_code == 200
    with CaptureQueriesContext(connection) as few:
        assert client.get("/wall/").status_code == 200
    for case in stalled_cases(30, prefix="B"):
        assert sla(case, due_in=timedelta(minutes=-5)) == "breached"
    with CaptureQueriesContext(connection) as many:
        page = client.get("/wall/").content.decode()
    assert "32 个未解决卡点 · 32 个 SLA 超时" in page
    assert len(few) == len(many), [q["sql"] for q in many.captured_queries]


def test_the_wall_costs_the_same_queries_for_few_or_many_agents_and_marks_the_absent(processes):
    from django.utils import timezone

    from unstuck.accounts.models import Absence
    from unstuck.cases.models import Case

    client = _signed_in(make_user("wang", role="supervisor", team="warehouse"))
    cases = stalled_cases(10, prefix="A")
    agents = [make_user(f"agent{n}", role="agent", team="warehouse") for n in range(8)]
    Case.objects.filter(pk__in=[c.pk for c in cases[:2]]).update(owner=agents[0])
    Case.objects.filter(pk__in=[c.pk for c in cases[2:4]]).update(owner=agents[1])
    assert client.get("/wall/").status_code == 200
    with CaptureQueriesContext(connection) as few:
        client.get("/wall/")
    for agent, case in zip(agents[2:], cases[4:], strict=True):
        Case.objects.filter(pk=case.pk).update(owner=agent)
    now = timezone.now()
    Absence.objects.create(
        user=agents[5], starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1)
    )
    with CaptureQueriesContext(connection) as many:
        page = client.get("/wall/").content.decode()
    assert len(few) == len(many), [q["sql"] for q in many.captured_queries]
    assert page.count('class="is-absent"') == 1 and "agent5" in page and "agent7" in page


def test_breaches_are_grouped_by_the_step_the_case_stalled_at(processes):
    """The breach groups read the case's own step (kept from its stall), not a join to the item."""
    picking = stalled_cases(2, step="picking", prefix="SP")
    shipped = stalled_cases(1, step="shipped", hours_ago=60, prefix="SS")
    assert [c.step for c in picking] == ["picking", "picking"] and shipped[0].step == "shipped"
    for case in [*picking, *shipped]:
        assert sla(case, due_in=timedelta(minutes=-10)) == "breached"
    admin = make_user("zhou", role="admin", team="warehouse")
    wall = wall_read(user=admin, names=board_names(), now=timezone.now())
    breaches = {(g.process, g.step, g.team): g.breaches for g in wall.groups if g.breaches}
    assert breaches == {("订单交付", "拣货中", "仓储组"): 2, ("订单交付", "已发货", "物流组"): 1}
    assert wall.totals["breaches"] == 3
    # The migration that added the column fills it the same way for the cases already stored.
    Case.objects.update(step="")
    import_module("unstuck.cases.migrations.0009_case_step").steps_fill(apps, None)
    assert dict(Case.objects.values_list("item__external_id", "step")) == {
        "SP00000": "picking",
        "SP00001": "picking",
        "SS00000": "shipped",
    }
