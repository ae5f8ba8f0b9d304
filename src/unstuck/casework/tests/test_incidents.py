"""Incidents: a filter gathers open stall-opened cases under a parent; bulk status, remedies and
notices; resolving the parent resolves every child, each with its own timeline entry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from unstuck.cases.models import Case
from unstuck.casework.models import CaseCause, Incident, IncidentCase, Remedy
from unstuck.casework.services import incident_create
from unstuck.casework.tests.factories import event, kinds, manual_case, push, stalled_cases, worker_pass
from unstuck.tracking.tests.factories import T0

pytestmark = pytest.mark.django_db

SHANGHAI = {"warehouse": "上海仓"}
BEIJING = {"warehouse": "北京仓"}


@pytest.fixture
def stalled(world: Any) -> list[Case]:
    """Three Shanghai orders and one Beijing order stuck in step `new` (team intake)."""
    return stalled_cases(("SO-1", SHANGHAI), ("SO-2", SHANGHAI), ("SO-3", BEIJING), ("SO-4", SHANGHAI))


def _create(api: Any, who: str = "lead", **body: Any) -> Any:
    return api.post(who, "/incidents", {"title": "上海仓 WMS 故障", **body})


def test_the_preview_counts_what_a_filter_gathers(api: Any, stalled: list[Case]) -> None:
    preview = api.post("lead", "/incidents/preview", {"attrs": SHANGHAI})
    assert preview.status_code == 200
    assert preview.json() == {"count": 3, "sample": [stalled[0].number, stalled[1].number, stalled[3].number]}
    assert api.post("lead", "/incidents/preview", {"attrs": BEIJING, "step": "new"}).json()["count"] == 1
    assert api.post("lead", "/incidents/preview", {"step": "working"}).json()["count"] == 0
    assert (
        api.post("lead", "/incidents/preview", {"process": "simple", "team": "intake"}).json()["count"] == 4
    )


def test_stalled_since_keeps_only_cases_stuck_from_then_on(api: Any, world: Any) -> None:
    stalled_cases(("SO-1", SHANGHAI))
    push(event("SO-9", "new", 30, attrs=SHANGHAI))
    worker_pass(120)
    since = (T0 + timedelta(minutes=80)).isoformat()  # SO-1 stalled at 60 min, SO-9 at 90
    body = api.post("lead", "/incidents/preview", {"attrs": SHANGHAI, "stalled_since": since}).json()
    assert body["count"] == 1 and body["sample"] == [Case.objects.get(item__external_id="SO-9").number]


def test_creating_an_incident_gathers_the_matching_cases_under_a_parent(
    api: Any, stalled: list[Case]
) -> None:
    response = _create(api, attrs=SHANGHAI, cause_category="system_failure")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["count"] == 3 and [c["id"] for c in body["children"]] == [stalled[i].pk for i in (0, 1, 3)]
    parent = Case.objects.get(pk=body["parent"]["id"])
    assert parent.owner is not None and parent.team is not None and parent.type == "emergency"
    assert parent.owner.username == "intake-lead" and parent.team.key == "intake"
    assert body["filter"] == {"attrs": SHANGHAI} and body["cause_category"] == "system_failure"
    for child in (stalled[0], stalled[1], stalled[3]):
        entry = Case.objects.get(pk=child.pk).timeline.get(kind="incident_joined")
        assert entry.data["parent"] == parent.number and "系统故障" in entry.message
        assert CaseCause.objects.get(case=child).category.key == "system_failure"
    assert "incident_joined" not in kinds(stalled[2])
    # A case in an open incident is not gathered again.
    assert api.post("lead", "/incidents/preview", {"attrs": SHANGHAI}).json()["count"] == 0


def test_a_child_keeps_a_cause_it_already_had(api: Any, stalled: list[Case]) -> None:
    api.put("agent", f"/cases/{stalled[0].pk}/cause", {"category": "inventory"})
    _create(api, attrs=SHANGHAI, cause_category="system_failure")
    assert CaseCause.objects.get(case=stalled[0]).category.key == "inventory"


def test_resolving_the_parent_resolves_every_child_each_with_its_own_entry(
    api: Any, stalled: list[Case]
) -> None:
    incident = _create(api, attrs=SHANGHAI).json()
    parent_id = incident["parent"]["id"]
    resolved = api.post("lead", f"/cases/{parent_id}/status", {"status": "resolved", "reason": "WMS 已恢复"})
    assert resolved.status_code == 200
    parent = Case.objects.get(pk=parent_id)
    for child_id in (stalled[0].pk, stalled[1].pk, stalled[3].pk):
        child = Case.objects.get(pk=child_id)
        assert child.status == "resolved" and child.resolved_at is not None
        entry = child.timeline.order_by("-seq").first()
        assert (
            entry is not None and entry.kind == "status_changed" and entry.data["incident"] == incident["id"]
        )
        assert parent.number is not None and parent.number in entry.message and "WMS 已恢复" in entry.message
    assert Case.objects.get(pk=stalled[2].pk).status == "new"  # not in the incident


def test_bulk_status_moves_the_children_and_reports_what_it_skipped(api: Any, stalled: list[Case]) -> None:
    incident = _create(api, attrs=SHANGHAI).json()
    api.post("agent", f"/cases/{stalled[1].pk}/status", {"status": "resolved"})  # one child resolves alone
    moved = api.post(
        "lead", f"/incidents/{incident['id']}/status", {"status": "in_progress", "reason": "排查中"}
    )
    assert moved.status_code == 200, moved.json()
    assert moved.json() == {"parent_status": "in_progress", "changed": 2, "skipped": []}
    waiting = api.post("lead", f"/incidents/{incident['id']}/status", {"status": "waiting_internal"}).json()
    assert waiting["changed"] == 2
    assert Case.objects.get(pk=stalled[0].pk).status == "waiting_internal"
    bad = api.post("lead", f"/incidents/{incident['id']}/status", {"status": "closed"})
    assert bad.status_code == 409 and bad.json()["code"] == "invalid_transition"
    done = api.post(
        "lead", f"/incidents/{incident['id']}/status", {"status": "resolved", "reason": "恢复"}
    ).json()
    assert done == {"parent_status": "resolved", "changed": 2, "skipped": []}
    assert set(Case.objects.filter(pk__in=[c.pk for c in stalled]).values_list("status", flat=True)) == {
        "resolved",
        "new",
    }


def test_a_new_child_skips_a_move_its_lifecycle_forbids(api: Any, stalled: list[Case]) -> None:
    incident = _create(api, attrs=SHANGHAI).json()
    api.post("lead", f"/cases/{incident['parent']['id']}/status", {"status": "in_progress"})
    api.post("agent", f"/cases/{stalled[0].pk}/status", {"status": "in_progress"})
    result = api.post("lead", f"/incidents/{incident['id']}/status", {"status": "waiting_customer"}).json()
    assert result["changed"] == 1
    assert sorted(row["case"] for row in result["skipped"]) == sorted(
        [str(stalled[1].number), str(stalled[3].number)]
    )


def test_bulk_remedy_gives_every_open_child_one_subject_to_approval(api: Any, stalled: list[Case]) -> None:
    incident = _create(api, attrs=SHANGHAI).json()
    response = api.post("lead", f"/incidents/{incident['id']}/remedies", {"kind": "coupon", "amount": 300})
    assert response.status_code == 201 and response.json()["changed"] == 3
    remedies = Remedy.objects.filter(incident_id=incident["id"])
    assert remedies.count() == 3 and set(remedies.values_list("status", flat=True)) == {"pending"}
    small = api.post("lead", f"/incidents/{incident['id']}/remedies", {"kind": "coupon", "amount": 20}).json()
    assert small["changed"] == 3
    assert Remedy.objects.filter(incident_id=incident["id"], status="approved").count() == 3


def test_only_supervisors_and_admins_run_incidents(api: Any, stalled: list[Case]) -> None:
    for who in ("agent", "auditor"):
        response = _create(api, who, attrs=SHANGHAI)
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
        assert api.post(who, "/incidents/preview", {"attrs": SHANGHAI}).status_code == 403
    incident = _create(api, "admin", attrs=SHANGHAI).json()
    assert (
        api.post("agent", f"/incidents/{incident['id']}/status", {"status": "in_progress"}).status_code == 403
    )
    assert api.get("sales_lead", f"/incidents/{incident['id']}").status_code == 404
    assert (
        api.post("sales_lead", f"/incidents/{incident['id']}/status", {"status": "in_progress"}).status_code
        == 404
    )
    assert api.get("auditor", f"/incidents/{incident['id']}").status_code == 200
    assert Incident.objects.count() == 1


def test_a_supervisor_gathers_only_the_cases_they_may_see(api: Any, stalled: list[Case]) -> None:
    response = _create(api, "sales_lead", attrs=SHANGHAI)
    assert response.status_code == 409 and response.json()["code"] == "no_cases_match"
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "empty_filter"),
        ({"attrs": {"bad key!": "x"}}, 400, "invalid_attribute"),
        ({"attrs": SHANGHAI, "cause_category": "weather"}, 400, "unknown_cause_category"),
        ({"attrs": SHANGHAI, "stalled_since": "2026-03-02T08:00:00"}, 400, "timestamp_without_offset"),
        ({"attrs": SHANGHAI, "type": "flood"}, 400, "invalid_type"),
    ],
)
def test_bad_incident_filters_are_refused_clearly(
    api: Any, stalled: list[Case], body: dict[str, Any], status: int, code: str
) -> None:
    response = _create(api, **body)
    assert response.status_code == status and response.json()["code"] == code, response.json()
    assert not Incident.objects.exists() and not IncidentCase.objects.exists()


def test_the_service_opens_an_incident_with_its_cause_for_the_matching_cases(
    stalled: list[Case], world: Any
) -> None:
    parent = incident_create(
        actor=world["admin"], title="北京仓停电", attrs=BEIJING, cause_category="external"
    )
    assert parent.incident.links.get().case_id == stalled[2].pk
    assert CaseCause.objects.get(case=parent).category.key == "external"


def test_reading_an_incident_has_a_bounded_query_count(
    api: Any, world: Any, django_assert_max_num_queries: Any
) -> None:
    stalled_cases(*[(f"SO-{n}", SHANGHAI) for n in range(12)])
    incident = _create(api, attrs=SHANGHAI).json()
    assert incident["count"] == 12
    with django_assert_max_num_queries(10):
        assert len(api.get("lead", f"/incidents/{incident['id']}").json()["children"]) == 12


def test_a_manual_case_is_never_gathered(api: Any, stalled: list[Case]) -> None:
    manual_case(team="intake")
    assert api.post("lead", "/incidents/preview", {"team": "intake"}).json()["count"] == 4
