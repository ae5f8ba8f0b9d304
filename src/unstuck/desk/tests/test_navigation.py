"""The desk's main navigation reaches every screen a role may use, and only those; the incidents list
(open first, keyset pages, child counts) that its "批量事件" link leads to."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from unstuck.cases.models import Case
from unstuck.casework.selectors import incident_page
from unstuck.casework.services import incident_create, incident_status_change
from unstuck.desk.tests.factories import PASSWORD, load_processes, make_user, step_event
from unstuck.portal.tests.factories import worker_round
from unstuck.tracking.services import event_ingest_batch

pytestmark = pytest.mark.django_db

SUPERVISOR_ONLY = ("/wall/", "/casework/incidents/", "/casework/incidents/new/", "/brief/")
EVERYONE = (
    "/queue/",
    "/queue/?scope=team",
    "/",
    "/casework/problems/",
    "/insights/bottlenecks/",
    "/insights/warnings/",
    "/insights/qa/",
    "/messaging/notifications/",
)


def _signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _nav_links(client: Client) -> list[str]:
    html = client.get("/queue/").content.decode()
    nav = re.search(r'<nav class="mainnav"[^>]*>(.*?)</nav>', html, re.S)
    assert nav is not None, "the main navigation"
    return [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', nav.group(1))]


def _incident(title: str, items: list[str], actor: Any, minutes_ago: float = 30) -> Case:
    """Orders of one batch stalled `minutes_ago` and an incident gathering them."""
    at = timezone.now() - timedelta(minutes=minutes_ago)
    attrs = {"batch": title}
    event_ingest_batch(events=[step_event(item, "paid", at=at, attrs=attrs) for item in items])
    worker_round()
    return incident_create(
        actor=actor,
        title=title,
        process="order-delivery",
        step=None,
        team=None,
        attrs=attrs,
        stalled_since=None,
        cause_category=None,
        case_type="emergency",
    )


def test_a_supervisor_reaches_every_screen_of_the_navigation() -> None:
    load_processes()
    make_user("wang", role="supervisor", team="warehouse")
    client = _signed_in("wang")
    links = _nav_links(client)
    assert set(links) >= set(EVERYONE) | {"/wall/", "/casework/incidents/", "/brief/"}
    assert "/settings/" not in links, "settings are for admins"
    for href in links:
        response = client.get(href)
        assert response.status_code == 200, (href, response.status_code)
        assert 'aria-current="page"' in response.content.decode(), f"{href} marks itself in the nav"


def test_an_admin_gets_the_settings_link_too() -> None:
    load_processes()
    make_user("zhou", role="admin")
    client = _signed_in("zhou")
    links = _nav_links(client)
    assert "/settings/" in links
    assert all(client.get(href).status_code == 200 for href in links)


def test_an_agent_sees_no_supervisor_links_and_is_refused_them() -> None:
    load_processes()
    make_user("li", role="agent", team="warehouse")
    client = _signed_in("li")
    links = _nav_links(client)
    assert set(links) == set(EVERYONE)
    for href in (*SUPERVISOR_ONLY, "/settings/"):
        assert client.get(href).status_code in {403, 404}, href
    for href in EVERYONE:
        assert client.get(href).status_code == 200, href


def test_the_nav_links_are_labelled_in_chinese_and_in_english() -> None:
    load_processes()
    make_user("wang", role="supervisor", team="warehouse")
    client = _signed_in("wang")
    html = client.get("/queue/").content.decode()
    nav = re.search(r'<nav class="mainnav" aria-label="主导航">(.*?)</nav>', html, re.S)
    assert nav is not None
    labels = ["我的队列", "团队队列", "实时监控墙", "批量事件", "问题"]
    labels += ["日报", "瓶颈", "预警", "质检", "通知"]
    for label in labels:
        assert f">{label}</a>" in nav.group(1), label
    client.post("/i18n/setlang/", {"language": "en", "next": "/queue/"})
    english = client.get("/queue/").content.decode()
    for label in ("Incidents", "Morning brief", "Bottlenecks", "Early warnings", "Quality checks"):
        assert f">{label}</a>" in english, label


def test_the_incidents_list_shows_open_ones_first_with_child_counts_in_keyset_pages() -> None:
    load_processes()
    lead = make_user("wang", role="supervisor", team="warehouse")
    first = _incident("批次一", ["SO-A1", "SO-A2"], lead)
    second = _incident("批次二", ["SO-B1", "SO-B2", "SO-B3"], lead)
    third = _incident("批次三", ["SO-C1"], lead)
    incident_status_change(incident_id=second.incident.pk, actor=lead, status="resolved", reason="已处理")
    pk = {case.pk: case.incident.pk for case in (first, second, third)}

    page = incident_page(user=lead, size=2)
    assert [i.pk for i in page.incidents] == [pk[third.pk], pk[first.pk]], "open ones first, newest first"
    counts = [(getattr(i, "children"), getattr(i, "open_children")) for i in page.incidents]  # noqa: B009
    assert counts == [(1, 1), (2, 2)]
    assert page.next_cursor is not None
    rest = incident_page(user=lead, size=2, after=page.next_cursor)
    rows = [(i.pk, getattr(i, "children"), getattr(i, "open_children")) for i in rest.incidents]  # noqa: B009
    assert rows == [(pk[second.pk], 3, 0)]
    assert rest.next_cursor is None

    client = _signed_in("wang")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/casework/incidents/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("批次三") < html.index("批次一") < html.index("批次二")
    assert len(queries) <= 14, [q["sql"] for q in queries.captured_queries]
    refused = client.get("/casework/incidents/?after=x9")
    assert refused.status_code == 400 and "翻页标记" in refused.content.decode()


def test_an_agent_cannot_list_incidents_even_of_their_own_cases() -> None:
    load_processes()
    lead = make_user("wang", role="supervisor", team="warehouse")
    make_user("li", role="agent", team="warehouse")
    _incident("批次一", ["SO-A1"], lead)
    assert _signed_in("li").get("/casework/incidents/").status_code == 403


@pytest.mark.parametrize(
    ("role", "team_role"),
    [
        ("admin", None),
        ("auditor", None),
        ("supervisor", None),
        ("supervisor", "agent"),
        ("agent", None),
        ("agent", "supervisor"),
        ("agent", "agent"),
    ],
)
def test_the_nav_offers_exactly_what_each_screen_allows(role: str, team_role: str | None) -> None:
    """nav_roles answers in one query what the screens' own permission checks answer one by one."""
    from unstuck.accounts.models import Membership, Team
    from unstuck.accounts.selectors import user_is_supervisor
    from unstuck.desk.admin_access import settings_may_read
    from unstuck.desk.templatetags.desk import nav_roles
    from unstuck.desk.wall import wall_allowed
    from unstuck.insights.brief import brief_teams_for

    load_processes()
    user = make_user("x", role=role)
    if team_role is not None:
        Membership.objects.create(user=user, team=Team.objects.get(key="warehouse"), role=team_role)
    user = type(user).objects.select_related("profile").get(pk=user.pk)
    teams = brief_teams_for(user=user)
    expected = {
        "wall": wall_allowed(user),
        "incidents": user_is_supervisor(user),
        "brief": teams is None or bool(teams),
        "admin": settings_may_read(user),  # admins change the settings, auditors read them
    }
    with CaptureQueriesContext(connection) as queries:
        assert nav_roles(user) == expected
    assert len(queries) <= 1
