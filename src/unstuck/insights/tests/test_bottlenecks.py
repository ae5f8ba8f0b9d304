"""Bottlenecks from the database: equal to `unstuck analyze` on the exported log, rework, ping-pong,
previous period, permissions, the API and the page (with its server-drawn process map)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from unstuck.accounts.services import api_token_create, user_ensure, user_password_set
from unstuck.insights.bottlenecks import bottlenecks_compute, bottlenecks_filter_parse
from unstuck.insights.log_file import log_analyze
from unstuck.insights.tests.log_factories import (
    english,  # noqa: F401 (a fixture)
    load_orders,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
PERIOD = {"since": "2026-11-02", "until": "2026-11-03"}  # Shanghai days; covers every path


def compute(user: Any, **changes: Any) -> Any:
    params: dict[str, Any] = {"process": "orders", "days": 7, "team": "", "attrs": [], **PERIOD, **changes}
    return bottlenecks_compute(user=user, log_filter=bottlenecks_filter_parse(user=user, **params))


def admin() -> Any:
    return user_ensure(username="ops", role="admin")


@pytest.mark.parametrize(
    ("args", "changes"),
    [
        ([], {}),
        (["--team", "service"], {"team": "service"}),
        (["--attr", "warehouse:嘉兴仓"], {"attrs": ["warehouse:嘉兴仓"]}),
    ],
)
def test_figures_equal_unstuck_analyze_on_the_exported_log(
    tmp_path: Path, args: list[str], changes: dict[str, Any]
) -> None:
    load_orders()
    result = compute(admin(), **changes)
    path = tmp_path / "orders.xes"
    period = ["--since", PERIOD["since"], "--until", PERIOD["until"]]
    call_command("export-log", str(path), "--process", "orders", *period, *args, stdout=StringIO())
    offline = log_analyze(path).as_json()
    online = result.current.insights.as_json()
    assert online["events"] > 0
    for key in ("cases", "events", "activities", "edges", "steps", "variants", "start_activities"):
        assert online[key] == offline[key], key


def test_rework_and_ping_pong_between_steps_and_teams() -> None:
    load_orders()
    result = compute(admin())
    rework = {row["step"]: (row["items"], row["repeat_visits"]) for row in result.rework()}
    # SO-2 comes back to picking once, SO-3 twice (and to address_check once); SO-4's repeated
    # "paid" event is one visit, not rework.
    assert rework == {"picking": (2, 3), "address_check": (1, 1)}
    assert [(r["a"], r["b"], r["items"]) for r in result.pingpong("steps")] == [
        ("address_check", "picking", 1)
    ]
    assert [(r["a"], r["b"], r["items"]) for r in result.pingpong("teams")] == [("service", "warehouse", 1)]
    summary = result.summary()
    assert (summary["cases"], summary["rework_items"], summary["pingpong_items"]) == (5, 2, 1)


def test_previous_period_of_the_same_length_is_compared() -> None:
    load_orders()
    load_orders(shift=-timedelta(days=2), prefix="X-")  # the same paths two days earlier
    result = compute(admin())
    summary = result.summary()
    assert summary["previous_cases"] == summary["cases"] == 5
    steps = {row["activity"]: row for row in result.steps()}
    assert steps["picking"]["previous_count"] == steps["picking"]["count"]
    assert steps["picking"]["sojourn_mean_change"] == pytest.approx(0.0)
    data = result.as_json()
    # two Shanghai days, so the previous period starts two days before 2026-11-02 00:00+08:00
    assert datetime.fromisoformat(data["previous_since"]) == datetime(2026, 10, 30, 16, tzinfo=UTC)


def test_agents_see_only_processes_their_teams_work_on() -> None:
    load_orders()
    outsider = user_ensure(username="billing-agent", role="agent", team_key="billing")
    with pytest.raises(Exception, match="No process you may see"):
        compute(outsider, process="")
    carrier = user_ensure(username="carrier-agent", role="agent", team_key="carrier")
    assert compute(carrier).summary()["cases"] == 5


def _token_client(user: Any) -> Client:
    _token, raw = api_token_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_api_returns_the_figures_with_the_analyze_names() -> None:
    load_orders()
    client = _token_client(admin())
    response = client.get(
        "/api/v1/insights/bottlenecks", {"process": "orders", **PERIOD, "attr": "warehouse:上海仓"}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["summary"]["cases"] == 3 and data["attrs"] == [{"key": "warehouse", "value": "上海仓"}]
    edge = next(e for e in data["edges"] if (e["from"], e["to"]) == ("paid", "picking"))
    assert edge["count"] == 3 and edge["median_seconds"] == 600.0
    assert {s["activity"] for s in data["steps"]} >= {"paid", "picking", "shipped"}
    bad = client.get(
        "/api/v1/insights/bottlenecks", {"process": "orders", "since": "2026-11-05", "until": "2026-11-01"}
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_period"
    outsider = _token_client(user_ensure(username="x", role="agent", team_key="billing"))
    missing = outsider.get("/api/v1/insights/bottlenecks", {"process": "orders"})
    assert missing.status_code == 404 and missing.json()["code"] == "process_not_found"


def test_page_draws_the_process_map_with_a_bounded_number_of_queries(
    settings: Any, django_assert_max_num_queries: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_orders()
    user = user_ensure(username="zhuguan", role="supervisor", team_key="warehouse")
    user_password_set(user=user, password="correct horse battery staple")
    client = Client()
    assert client.login(username="zhuguan", password="correct horse battery staple")
    with django_assert_max_num_queries(25):
        response = client.get("/insights/bottlenecks/", {"process": "orders", **PERIOD})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and 'class="process-map"' in html
    assert "拣货中" in html and "地址核对" in html  # step names from the process file
    edges = compute(user).current.insights.edges
    assert html.count('class="pm-edge"') == len(edges) == 7  # every directly-follows edge is drawn
    assert "marker-end" in html and "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    empty = client.get(
        "/insights/bottlenecks/", {"process": "orders", "since": "2025-01-01", "until": "2025-01-02"}
    )
    assert "该时段没有事件" in empty.content.decode()  # zh-Hans by default
    bad = client.get(
        "/insights/bottlenecks/", {"process": "orders", "attr": "nocolon"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert bad.status_code == 400 and "key:value" in bad.content.decode()


def test_page_without_any_visible_process_says_so(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = user_ensure(username="newbie", role="agent", team_key="billing")
    user_password_set(user=user, password="correct horse battery staple")
    client = Client()
    assert client.login(username="newbie", password="correct horse battery staple")
    response = client.get("/insights/bottlenecks/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "No process your teams work on" in response.content.decode()
