"""The desk's people settings: users (role, team, channel, skills, deactivation), absences with a
deputy, teams (lead, calendar, routing mode, case types) and a team's absence calendar."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from unstuck.accounts.models import Absence, Skill, Team
from unstuck.cases.models import TeamRouting
from unstuck.cases.routing_models import TypeTeam
from unstuck.casework.models import Playbook
from unstuck.desk.tests.factories import make_user, signed_in

pytestmark = pytest.mark.django_db
User = get_user_model()


def _client(username: str, role: str) -> Client:
    return signed_in(username, role)


def _user_post(**change: object) -> dict:
    return {
        "action": "save",
        "username": "wangfang",
        "display_name": "王芳",
        "email": "wf@example.cn",
        "role": "agent",
        "team": "warehouse",
        "notify_channel": "email",
        "skills": ["en"],
        "active": "1",
        **change,
    }


def test_a_user_is_created_edited_and_deactivated_keeping_history(admin):
    Skill.objects.create(key="en", name="English")
    assert admin.get("/settings/users/").status_code == 200
    assert admin.get("/settings/users/new/").status_code == 200
    created = admin.post("/settings/users/new/", _user_post())
    assert created.status_code == 302
    person = User.objects.get(username="wangfang")
    assert (person.first_name, person.profile.role, person.profile.notify_channel) == (
        "王芳",
        "agent",
        "email",
    )
    assert list(person.profile.skills.values_list("key", flat=True)) == ["en"]
    assert person.memberships.get().team.key == "warehouse"
    Absence.objects.create(user=person, starts_at=timezone.now(), ends_at=timezone.now() + timedelta(days=1))

    changed = admin.post("/settings/users/wangfang/", _user_post(role="supervisor", active="", skills=[]))
    assert changed.status_code == 302
    person.refresh_from_db()
    assert not person.is_active and person.profile.role == "supervisor"
    assert person.absences.count() == 1 and person.memberships.count() == 1  # history stays
    assert "wangfang" in admin.get("/settings/users/").content.decode()


@pytest.mark.parametrize(
    ("change", "error_id"),
    [
        ({"username": "bad name!"}, "us-username-error"),
        ({"username": "zhou"}, "us-username-error"),
        ({"role": "king"}, "us-role-error"),
        ({"email": "not-mail"}, "us-email-error"),
        ({"email": "", "notify_channel": "email"}, "us-email-error"),
        ({"team": "nope"}, "us-team-error"),
    ],
)
def test_an_invalid_user_post_names_the_field_and_changes_nothing(admin, change, error_id):
    count = User.objects.count()
    response = admin.post("/settings/users/new/", _user_post(**change))
    assert response.status_code == 400
    assert f'id="{error_id}"' in response.content.decode()
    assert User.objects.count() == count


def test_absences_with_a_deputy_are_added_refused_and_removed_and_shown_on_the_team_calendar(admin):
    make_user("li", role="agent", team="warehouse")
    make_user("chen", role="agent", team="warehouse")
    first = timezone.localdate() + timedelta(days=1)
    post = {
        "action": "absence_add",
        "kind": "leave",
        "starts": first.isoformat(),
        "ends": (first + timedelta(days=2)).isoformat(),
        "deputy": "chen",
        "note": "年假",
    }
    assert admin.post("/settings/users/li/", post).status_code == 302
    absence = Absence.objects.get(user__username="li")
    assert absence.deputy is not None and absence.deputy.username == "chen" and absence.all_day

    for bad, error_id in (
        ({"starts": "tomorrow"}, "ab-starts-error"),
        ({"deputy": "li"}, "ab-deputy-error"),
        ({"deputy": "ghost"}, "ab-deputy-error"),
        ({}, "ab-starts-error"),  # overlaps the one just added
    ):
        refused = admin.post("/settings/users/li/", {**post, **bad})
        assert refused.status_code == 400 and f'id="{error_id}"' in refused.content.decode(), bad
    assert Absence.objects.filter(user__username="li").count() == 1

    calendar = admin.get(f"/settings/teams/warehouse/absences/?from={first.isoformat()}").content.decode()
    assert calendar.count(f'data-absence="{absence.pk}"') == 3
    assert (
        admin.post("/settings/users/li/", {"action": "absence_delete", "absence": absence.pk}).status_code
        == 302
    )
    assert not Absence.objects.filter(user__username="li").exists()


def test_a_team_gets_lead_calendar_routing_mode_and_case_types(admin):
    make_user("lead", role="supervisor", team="warehouse")
    assert admin.get("/settings/teams/").status_code == 200
    assert admin.get("/settings/teams/warehouse/").status_code == 200
    post = {
        "name": "仓库组",
        "lead": "lead",
        "calendar_key": "cn-workdays",
        "strategy": "least_loaded",
        "case_types": ["complaint"],
    }
    assert admin.post("/settings/teams/warehouse/", post).status_code == 302
    team = Team.objects.get(key="warehouse")
    assert team.name == "仓库组" and team.lead is not None and team.lead.username == "lead"
    assert TeamRouting.objects.get(team=team).strategy == "least_loaded"
    assert TypeTeam.objects.get(case_type="complaint").team == team

    for bad, error_id in (
        ({"calendar_key": "mars"}, "tm-calendar-error"),
        ({"strategy": "random"}, "tm-strategy-error"),
        ({"lead": "ghost"}, "tm-lead-error"),
        ({"name": " "}, "tm-name-error"),
    ):
        refused = admin.post("/settings/teams/warehouse/", {**post, **bad, "name": bad.get("name", "改名")})
        assert refused.status_code == 400 and f'id="{error_id}"' in refused.content.decode(), bad
    team.refresh_from_db()
    assert team.name == "仓库组" and team.calendar_key == "cn-workdays"


def test_non_admins_get_403_and_auditors_read_only(processes):
    make_user("li", role="agent", team="warehouse")
    urls = (
        "/settings/users/",
        "/settings/users/li/",
        "/settings/teams/warehouse/",
        "/settings/teams/warehouse/absences/",
    )
    for role in ("agent", "supervisor"):
        client = _client(f"u-{role}", role)
        for url in urls:
            assert client.get(url).status_code == 403, (role, url)
    auditor = _client("audit", "auditor")
    for url in urls:
        assert auditor.get(url).status_code == 200, url
    assert auditor.post("/settings/users/li/", _user_post(username="li", active="")).status_code == 403
    assert auditor.post("/settings/teams/warehouse/", {"name": "x"}).status_code == 403
    assert User.objects.get(username="li").is_active
    assert Team.objects.get(key="warehouse").name != "x"


def test_list_pages_use_the_same_number_of_queries_for_more_rows(admin):
    """Users, SLA policies, templates, channels and playbooks: no query per row."""

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(url).status_code == 200
        return len(queries)

    skill = Skill.objects.create(key="en", name="English")
    urls = [
        "/settings/users/",
        "/settings/sla/",
        "/settings/templates/",
        "/settings/playbooks/",
        "/settings/teams/",
    ]
    before = {url: count(url) for url in urls}
    for n in range(8):
        person = make_user(f"extra{n}", role="agent", team="warehouse")
        person.profile.skills.add(skill)
    for n in range(5):
        Playbook.objects.create(key=f"pb{n}", name_zh=f"预案{n}")
    after = {url: count(url) for url in urls}
    assert after == before
