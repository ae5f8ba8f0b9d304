"""SLA in the API (case fields, `?sla_state=`, `/sla/policies`), the case-page panel, and the admin."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from unstuck.cases.escalation import sla_timers_fire
from unstuck.cases.models import Case, EscalationLevel, SlaPolicy
from unstuck.cases.panels import case_panel_html
from unstuck.cases.services import case_status_change
from unstuck.cases.tests.factories import bearer, manual_case, person
from unstuck.cases.tests.sla_helpers import at, policy, team_on

pytestmark = pytest.mark.django_db

T = at(2026, 11, 2, 9)


def night_case(priority: str = "P2") -> Case:
    with time_machine.travel(T, tick=False):
        return manual_case(team="night", priority=priority)


@pytest.fixture
def night() -> dict[str, str]:
    agent = team_on("night", "always", "night-agent")[0]
    return bearer(agent)


def test_a_case_carries_its_sla_due_state_and_per_target_times(client: Client, night: dict[str, str]) -> None:
    case = night_case()  # seeded P2: 1h / 4h / 1d (24h on the always calendar)
    body = client.get(f"/api/v1/cases/{case.pk}", headers=night).json()
    assert datetime.fromisoformat(body["sla_due_at"]) == T + timedelta(hours=1)
    assert body["sla_state"] == "ok"
    targets = {clock["target"]: clock for clock in body["sla"]}
    assert [clock["target"] for clock in body["sla"]] == ["first_response", "next_update", "resolution"]
    assert datetime.fromisoformat(targets["resolution"]["due_at"]) == T + timedelta(days=1)
    assert targets["resolution"]["calendar"] == "always" and targets["resolution"]["allowed_seconds"] == 86400
    assert targets["next_update"]["started_at"] is None
    sla_timers_fire(now=T + timedelta(hours=2))
    body = client.get(f"/api/v1/cases/{case.pk}", headers=night).json()
    targets = {clock["target"]: clock for clock in body["sla"]}
    assert datetime.fromisoformat(targets["first_response"]["breached_at"]) == T + timedelta(hours=1)
    assert targets["first_response"]["warned"] == [0.5, 0.75]
    assert body["sla_state"] == "breached"
    listed = client.get("/api/v1/cases", headers=night).json()["items"][0]
    assert listed["sla_state"] == "breached" and len(listed["sla"]) == 3


def test_the_list_filters_by_sla_state(client: Client, night: dict[str, str]) -> None:
    late, waiting, fine = night_case(), night_case(), night_case("P4")
    agent = waiting.owner
    with time_machine.travel(T + timedelta(minutes=5), tick=False):
        case_status_change(case_id=waiting.pk, actor=agent, status="in_progress")  # type: ignore[arg-type]
        case_status_change(case_id=waiting.pk, actor=agent, status="waiting_customer")  # type: ignore[arg-type]
    sla_timers_fire(now=T + timedelta(hours=1, minutes=30))  # P2's first response (1h) is breached

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/cases?sla_state={query}", headers=night)
        assert response.status_code == 200, response.json()
        return sorted(item["id"] for item in response.json()["items"])

    assert ids("breached") == [late.pk]
    assert ids("paused") == [waiting.pk]
    assert ids("ok,warning") == [fine.pk]
    refused = client.get("/api/v1/cases?sla_state=late", headers=night)
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_sla_state" and "late" in refused.json()["message"]


def test_listing_with_sla_times_costs_the_same_queries_for_one_or_many_cases(
    client: Client, night: dict[str, str]
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/cases?limit=100", headers=night).status_code == 200
        return len(queries)

    night_case()
    count()  # the token's first use records `last_used_at` once
    one = count()
    for _ in range(5):
        night_case()
    assert count() == one


def test_sla_policies_are_readable_with_their_ladder(client: Client, night: dict[str, str]) -> None:
    response = client.get("/api/v1/sla/policies", headers=night)
    assert response.status_code == 200
    policies = {row["priority"]: row for row in response.json()}
    assert sorted(policies) == ["P1", "P2", "P3", "P4"]
    assert (
        policies["P1"]["first_response"],
        policies["P1"]["next_update"],
        policies["P1"]["resolution"],
    ) == (
        "30m",
        "2h",
        "4h",
    )
    assert (policies["P4"]["first_response"], policies["P4"]["resolution"]) == ("8h", "10d")
    assert policies["P3"]["pause_statuses"] == ["waiting_customer"]
    assert policies["P3"]["warn_fractions"] == [0.5, 0.75]
    ladder = [
        (level["at_fraction"], level["delay"], level["notify"]) for level in policies["P3"]["escalation"]
    ]
    assert ladder == [(0.75, "", "owner"), (1.0, "", "team_lead"), (1.0, "2h", "team_supervisors")]
    assert client.get("/api/v1/sla/policies").status_code == 401


def test_the_panel_shows_due_times_remaining_business_time_warnings_and_escalations(
    night: dict[str, str],
) -> None:
    lead = person("night-lead", "supervisor", "night")
    from unstuck.accounts.models import Team

    Team.objects.filter(key="night").update(lead=lead)
    case = night_case()
    request = RequestFactory().get(f"/cases/{case.pk}/")
    request.user = lead
    with time_machine.travel(T + timedelta(minutes=30), tick=False), translation.override("en"):
        html = case_panel_html(request=request, case=case)
    assert 'data-target="resolution"' in html and "2026-11-03 09:00" in html  # 1d on always
    assert ">30 min<" in html  # first response: 30 of 60 minutes of business time left
    assert ">23 h 30 min<" in html  # resolution
    sla_timers_fire(now=T + timedelta(days=1, hours=2))
    fresh = Case.objects.get(pk=case.pk)
    with (
        CaptureQueriesContext(connection) as queries,
        time_machine.travel(T + timedelta(days=1, hours=3)),
        translation.override("en"),
    ):
        html = case_panel_html(request=request, case=fresh)
    assert len(queries) <= 6, [query["sql"] for query in queries]
    assert "50%" in html and "75%" in html
    assert "sla-escalations" in html and "night-lead" in html


def test_the_panel_is_empty_for_a_case_without_sla() -> None:
    team_on("ops", "cn-workdays", "ops-agent")
    SlaPolicy.objects.update(active=False)
    case = manual_case(team="ops")
    request = RequestFactory().get("/")
    request.user = case.owner  # type: ignore[assignment]
    assert case_panel_html(request=request, case=case) == ""


def test_the_admin_pages_load_read_only_and_refuse_every_write(admin_client: Client) -> None:
    team_on("night", "always", "night-agent")
    case = night_case()
    sla_timers_fire(now=T + timedelta(days=2))
    p2 = SlaPolicy.objects.get(priority="P2")
    for page in [
        "/admin/cases/slapolicy/",
        f"/admin/cases/slapolicy/{p2.pk}/change/",
        "/admin/cases/slaclock/",
        "/admin/cases/slatimer/",
        "/admin/cases/slaescalation/",
        f"/admin/cases/case/{case.pk}/change/",
    ]:
        assert admin_client.get(page).status_code == 200, page
    levels = list(EscalationLevel.objects.filter(policy=p2).order_by("position"))
    form = {
        "priority": "P2",
        "first_response": "forever",
        "next_update": "4h",
        "resolution": "1d",
        "pause_statuses": '["waiting_customer", "resolved"]',
        "warn_fractions": "[0.5, 1.5]",
        "active": "on",
        "levels-TOTAL_FORMS": str(len(levels)),
        "levels-INITIAL_FORMS": str(len(levels)),
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000",
    }
    for index, level in enumerate(levels):
        form.update(
            {
                f"levels-{index}-id": str(level.pk),
                f"levels-{index}-policy": str(p2.pk),
                f"levels-{index}-position": str(level.position),
                f"levels-{index}-target": level.target,
                f"levels-{index}-at_fraction": str(level.at_fraction),
                f"levels-{index}-delay": level.delay,
                f"levels-{index}-notify": level.notify,
                f"levels-{index}-reassign": "user" if index == 0 else level.reassign,
            }
        )
    # The desk's SLA screen writes policies through `sla_settings` (desk/tests/test_admin_sla.py).
    assert admin_client.get("/admin/cases/slapolicy/add/").status_code == 403
    assert admin_client.post(f"/admin/cases/slapolicy/{p2.pk}/change/", form).status_code == 403
    assert admin_client.post(f"/admin/cases/slapolicy/{p2.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SlaPolicy.objects.get(pk=p2.pk).first_response == "1h"  # nothing saved


def test_an_edited_policy_applies_to_clocks_started_afterwards(client: Client, night: dict[str, str]) -> None:
    before = night_case()
    policy("P2", "1h", "4h", "2d")
    after = night_case()
    due = {
        c["target"]: c["due_at"]
        for c in client.get(f"/api/v1/cases/{before.pk}", headers=night).json()["sla"]
    }
    due_after = {
        c["target"]: c["due_at"] for c in client.get(f"/api/v1/cases/{after.pk}", headers=night).json()["sla"]
    }
    assert datetime.fromisoformat(due["resolution"]) == T + timedelta(days=1)
    assert datetime.fromisoformat(due_after["resolution"]) == T + timedelta(days=2)


def test_the_panel_speaks_chinese_first(night: dict[str, str]) -> None:
    case = night_case()
    request = RequestFactory().get("/")
    request.user = case.owner  # type: ignore[assignment]
    with time_machine.travel(T + timedelta(minutes=30), tick=False), translation.override("zh-hans"):
        html = case_panel_html(request=request, case=case)
    assert "首次响应" in html and "剩余工作时间" in html and ">30 分钟<" in html and ">23 小时 30 分<" in html
