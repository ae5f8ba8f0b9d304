"""The desk's SLA settings: targets per priority and the escalation ladder (admins change, auditors read)."""

import pytest
from django.test import Client

from unstuck.cases.sla_models import EscalationLevel, SlaPolicy
from unstuck.desk.tests.factories import signed_in

pytestmark = pytest.mark.django_db

VALID = {
    "action": "policy",
    "first_response": "45m",
    "next_update": "3h",
    "resolution": "2d",
    "warn_fractions": "0.4, 0.8",
    "pause_statuses": ["waiting_customer"],
    "active": "1",
}


def _client(username: str, role: str) -> Client:
    return signed_in(username, role)


def _snapshot(priority: str = "P2") -> tuple:
    policy = SlaPolicy.objects.get(priority=priority)
    levels = list(
        policy.levels.order_by("position").values_list("position", "target", "at_fraction", "delay")
    )
    return (policy.first_response, policy.next_update, policy.resolution, policy.warn_fractions, levels)


def test_the_list_and_a_policy_render_with_their_ladder(admin):
    page = admin.get("/settings/sla/").content.decode()
    for priority in ("P1", "P2", "P3", "P4"):
        assert f"/settings/sla/{priority.lower()}/" in page
    policy = admin.get("/settings/sla/p2/")
    assert policy.status_code == 200
    assert 'name="first_response"' in policy.content.decode()
    assert admin.get("/settings/sla/p9/").status_code == 404


def test_a_valid_post_changes_the_targets(admin):
    response = admin.post("/settings/sla/p2/", VALID)
    assert response.status_code == 302
    policy = SlaPolicy.objects.get(priority="P2")
    assert (policy.first_response, policy.next_update, policy.resolution) == ("45m", "3h", "2d")
    assert policy.warn_fractions == [0.4, 0.8]
    assert policy.pause_statuses == ["waiting_customer"]


@pytest.mark.parametrize(
    ("change", "field_text"),
    [
        ({"warn_fractions": "0.8, 0.4"}, 'id="sla-warn-error"'),
        ({"warn_fractions": "0.5, 1.5"}, "1.5"),
        ({"warn_fractions": "half"}, 'id="sla-warn-error"'),
        ({"first_response": "0m"}, 'id="sla-first-error"'),
        ({"resolution": "soon"}, 'id="sla-resolution-error"'),
        ({"pause_statuses": ["closed"]}, 'id="sla-pause-error"'),
    ],
)
def test_an_invalid_post_names_the_field_and_changes_nothing(admin, change, field_text):
    before = _snapshot()
    response = admin.post("/settings/sla/p2/", {**VALID, **change})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="field-error"' in page
    assert field_text in page
    assert _snapshot() == before


def test_ladder_levels_are_added_changed_validated_and_removed(admin):
    policy = SlaPolicy.objects.get(priority="P2")
    start = policy.levels.count()
    added = admin.post(
        "/settings/sla/p2/",
        {
            "action": "level_save",
            "target": "resolution",
            "at_fraction": "1",
            "delay": "2h",
            "notify": "team_lead",
            "reassign": "none",
            "user": "",
        },
    )
    assert added.status_code == 302
    level = policy.levels.order_by("-position")[0]
    assert (level.position, level.delay, level.notify) == (start + 1, "2h", "team_lead")

    before = _snapshot()
    refused = admin.post(
        "/settings/sla/p2/",
        {
            "action": "level_save",
            "level": level.pk,
            "target": "resolution",
            "at_fraction": "1",
            "delay": "",
            "notify": "user",
            "reassign": "none",
            "user": "",
        },
    )
    assert refused.status_code == 400
    assert 'id="lv-user-error"' in refused.content.decode()
    assert _snapshot() == before
    assert (
        admin.post(
            "/settings/sla/p2/",
            {
                "action": "level_save",
                "level": level.pk,
                "target": "resolution",
                "at_fraction": "x",
                "delay": "",
                "notify": "owner",
                "reassign": "none",
                "user": "",
            },
        ).status_code
        == 400
    )
    assert _snapshot() == before

    zhou_level = admin.post(
        "/settings/sla/p2/",
        {
            "action": "level_save",
            "level": level.pk,
            "target": "resolution",
            "at_fraction": "1.5",
            "delay": "",
            "notify": "user",
            "reassign": "user",
            "user": "zhou",
        },
    )
    assert zhou_level.status_code == 302
    level.refresh_from_db()
    assert level.user is not None
    assert (level.at_fraction, level.user.username, level.reassign) == (1.5, "zhou", "user")

    assert admin.post("/settings/sla/p2/", {"action": "level_delete", "level": level.pk}).status_code == 302
    assert not EscalationLevel.objects.filter(pk=level.pk).exists()
    assert list(policy.levels.order_by("position").values_list("position", flat=True)) == list(
        range(1, start + 1)
    )


def test_non_admins_get_403_and_auditors_read_only(processes):
    before = _snapshot()
    for role in ("agent", "supervisor"):
        client = _client(f"u-{role}", role)
        assert client.get("/settings/sla/").status_code == 403
        assert client.post("/settings/sla/p2/", VALID).status_code == 403
    auditor = _client("audit", "auditor")
    page = auditor.get("/settings/sla/p2/")
    assert page.status_code == 200
    assert "disabled" in page.content.decode()
    assert auditor.post("/settings/sla/p2/", VALID).status_code == 403
    assert _snapshot() == before
