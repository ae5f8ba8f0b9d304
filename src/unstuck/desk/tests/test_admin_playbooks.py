"""The desk's playbook settings: scope, steps added, changed, reordered and removed; admins change,
auditors read."""

import pytest
from django.test import Client

from unstuck.casework.models import Playbook
from unstuck.desk.tests.factories import signed_in

pytestmark = pytest.mark.django_db

NEW = {
    "action": "playbook",
    "key": "late-parcel",
    "name_zh": "包裹延误",
    "name_en": "Late parcel",
    "case_type": "",
    "cause_category": "",
    "active": "1",
}


def _client(username: str, role: str) -> Client:
    return signed_in(username, role)


def _step(**change: str) -> dict:
    return {
        "action": "step_save",
        "name_zh": "联系客户",
        "name_en": "Call the customer",
        "role": "agent",
        "time_limit": "2h",
        "message_template": "stall_update",
        **change,
    }


def _names(playbook: Playbook) -> list[str]:
    return list(playbook.steps.order_by("position").values_list("name_zh", flat=True))


def test_a_playbook_is_created_and_its_steps_added_reordered_and_removed(admin):
    assert admin.get("/settings/playbooks/").status_code == 200
    assert admin.get("/settings/playbooks/new/").status_code == 200
    assert admin.post("/settings/playbooks/new/", NEW).status_code == 302
    playbook = Playbook.objects.get(key="late-parcel")
    url = "/settings/playbooks/late-parcel/"
    for name in ("一", "二", "三"):
        assert admin.post(url, _step(name_zh=name)).status_code == 302
    assert _names(playbook) == ["一", "二", "三"]
    second = playbook.steps.get(name_zh="二")
    assert (second.role, second.time_limit, second.message_template) == ("agent", "2h", "stall_update")
    assert admin.post(url, {"action": "step_up", "step": second.pk}).status_code == 302
    assert _names(playbook) == ["二", "一", "三"]
    assert admin.post(url, {"action": "step_down", "step": second.pk}).status_code == 302
    assert admin.post(url, {"action": "step_down", "step": second.pk}).status_code == 302
    assert _names(playbook) == ["一", "三", "二"]
    assert (
        admin.post(
            url, _step(step=str(second.pk), name_zh="二改", role="supervisor", time_limit="1d")
        ).status_code
        == 302
    )
    second.refresh_from_db()
    assert (second.name_zh, second.role, second.time_limit) == ("二改", "supervisor", "1d")
    assert (
        admin.post(url, {"action": "step_delete", "step": playbook.steps.get(name_zh="一").pk}).status_code
        == 302
    )
    assert list(playbook.steps.order_by("position").values_list("position", "name_zh")) == [
        (1, "三"),
        (2, "二改"),
    ]
    page = admin.get(url).content.decode()
    assert "三" in page and 'name="time_limit"' in page


@pytest.mark.parametrize(
    ("change", "error_id"),
    [
        ({"time_limit": "soon"}, "st-limit-error"),
        ({"role": "boss"}, "st-role-error"),
        ({"message_template": "nope"}, "st-tpl-error"),
        ({"name_zh": " "}, "st-zh-error"),
    ],
)
def test_an_invalid_step_names_the_field_and_changes_nothing(admin, change, error_id):
    admin.post("/settings/playbooks/new/", NEW)
    playbook = Playbook.objects.get(key="late-parcel")
    admin.post("/settings/playbooks/late-parcel/", _step())
    step = playbook.steps.get()
    response = admin.post("/settings/playbooks/late-parcel/", _step(step=str(step.pk), **change))
    assert response.status_code == 400 and f'id="{error_id}"' in response.content.decode()
    step.refresh_from_db()
    assert (step.name_zh, step.role, step.time_limit, step.message_template) == (
        "联系客户",
        "agent",
        "2h",
        "stall_update",
    )


def test_an_invalid_playbook_is_refused_by_field(admin):
    count = Playbook.objects.count()
    for change, error_id in (
        ({"key": "bad key"}, "pb-key-error"),
        ({"name_zh": ""}, "pb-zh-error"),
        ({"case_type": "x"}, "pb-type-error"),
        ({"cause_category": "x"}, "pb-cause-error"),
    ):
        response = admin.post("/settings/playbooks/new/", {**NEW, **change})
        assert response.status_code == 400 and f'id="{error_id}"' in response.content.decode(), change
    assert Playbook.objects.count() == count


def test_non_admins_get_403_and_auditors_read_only(processes):
    Playbook.objects.create(key="pb", name_zh="预案")
    for role in ("agent", "supervisor"):
        client = _client(f"u-{role}", role)
        assert client.get("/settings/playbooks/").status_code == 403
        assert client.post("/settings/playbooks/pb/", _step()).status_code == 403
    auditor = _client("audit", "auditor")
    assert auditor.get("/settings/playbooks/pb/").status_code == 200
    assert auditor.post("/settings/playbooks/pb/", _step()).status_code == 403
    assert not Playbook.objects.get(key="pb").steps.exists()
