"""Absences: windows entered as dates or times, deputy chains, and who may record them (API)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from unstuck.accounts.models import Absence
from unstuck.accounts.selectors import user_absent, user_deputy
from unstuck.accounts.services import absence_create, api_token_create, user_ensure
from unstuck.core.errors import DomainError

pytestmark = pytest.mark.django_db

SHANGHAI = timedelta(hours=8)


def person(name: str, role: str = "agent", team: str | None = "ops") -> Any:
    return user_ensure(username=name, role=role, team_key=team)


def away(user: Any, starts: Any, ends: Any, deputy: Any = None) -> Absence:
    return absence_create(actor=user, user=user, starts=starts, ends=ends, deputy=deputy)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_date_window_covers_whole_days_in_shanghai_time() -> None:
    lina = person("lina")
    absence = away(lina, date(2026, 10, 1), date(2026, 10, 8))
    assert absence.all_day
    assert absence.starts_at == at("2026-10-01T00:00:00+08:00")
    assert absence.ends_at == at("2026-10-09T00:00:00+08:00")  # the whole last day is included
    assert not user_absent(user_id=lina.pk, at=at("2026-09-30T23:59:59+08:00"))
    assert user_absent(user_id=lina.pk, at=at("2026-10-01T00:00:00+08:00"))
    assert user_absent(user_id=lina.pk, at=at("2026-10-08T23:59:59+08:00"))
    assert not user_absent(user_id=lina.pk, at=at("2026-10-09T00:00:00+08:00"))


def test_a_time_window_is_half_open() -> None:
    lina = person("lina")
    away(lina, at("2026-10-12T13:00:00+08:00"), at("2026-10-12T17:30:00+08:00"))
    assert not user_absent(user_id=lina.pk, at=at("2026-10-12T12:59:59+08:00"))
    assert user_absent(user_id=lina.pk, at=at("2026-10-12T05:00:00+00:00"))  # 13:00 in Shanghai
    assert not user_absent(user_id=lina.pk, at=at("2026-10-12T17:30:00+08:00"))
    assert not user_absent(user_id=person("other").pk, at=at("2026-10-12T14:00:00+08:00"))


def test_the_deputy_chain_skips_deputies_who_are_away_too_and_stops_on_loops() -> None:
    a, b, c, d = (person(name) for name in "abcd")
    noon = at("2026-10-05T12:00:00+08:00")
    assert user_deputy(user_id=a.pk, at=noon) is None  # not away: nobody needs to stand in
    away(a, date(2026, 10, 1), date(2026, 10, 8), deputy=b)
    assert user_deputy(user_id=a.pk, at=noon) == b
    away(b, date(2026, 10, 3), date(2026, 10, 6), deputy=c)
    away(c, date(2026, 10, 5), date(2026, 10, 5), deputy=d)
    assert user_deputy(user_id=a.pk, at=noon) == d  # b and c are away too
    assert user_deputy(user_id=a.pk, at=at("2026-10-04T12:00:00+08:00")) == c  # c is back
    assert user_deputy(user_id=a.pk, at=at("2026-10-07T12:00:00+08:00")) == b  # b is back
    away(d, date(2026, 10, 5), date(2026, 10, 5), deputy=a)  # d hands back to a: a loop
    assert user_deputy(user_id=a.pk, at=noon) is None
    assert user_deputy(user_id=c.pk, at=noon) is None


def test_a_chain_ending_with_nobody_or_an_inactive_deputy_gives_none() -> None:
    a, b = person("a"), person("b")
    noon = at("2026-10-05T12:00:00+08:00")
    away(a, date(2026, 10, 1), date(2026, 10, 8), deputy=b)
    away(b, date(2026, 10, 1), date(2026, 10, 8))
    assert user_deputy(user_id=a.pk, at=noon) is None
    c, d = person("c"), person("d")
    away(c, date(2026, 10, 1), date(2026, 10, 8), deputy=d)
    d.is_active = False
    d.save()
    assert user_deputy(user_id=c.pk, at=noon) is None


@pytest.mark.parametrize(
    ("starts", "ends", "deputy", "code"),
    [
        (date(2026, 10, 8), date(2026, 10, 1), None, "invalid_window"),
        (date(2026, 1, 1), date(2027, 6, 1), None, "invalid_window"),
        (datetime(2026, 10, 1, 9), datetime(2026, 10, 1, 18), None, "timestamp_without_offset"),  # noqa: DTZ001  (naive on purpose: refused)
        (date(2026, 10, 1), date(2026, 10, 2), "self", "invalid_deputy"),
        (date(2026, 10, 1), date(2026, 10, 2), "stranger", "deputy_not_in_team"),
    ],
)
def test_bad_windows_and_deputies_are_refused_with_a_code(
    starts: Any, ends: Any, deputy: Any, code: str
) -> None:
    lina = person("lina")
    deputies = {None: None, "self": lina, "stranger": person("stranger", team="sales")}
    with pytest.raises(DomainError) as refused:
        away(lina, starts, ends, deputy=deputies[deputy])
    assert refused.value.code == code
    assert Absence.objects.count() == 0


def test_overlapping_absences_are_refused() -> None:
    lina = person("lina")
    away(lina, date(2026, 10, 1), date(2026, 10, 8))
    with pytest.raises(DomainError) as refused:
        away(lina, at("2026-10-08T17:00:00+08:00"), at("2026-10-09T10:00:00+08:00"))
    assert refused.value.code == "absence_overlap" and refused.value.status == 409
    away(lina, date(2026, 10, 9), date(2026, 10, 9))  # the next day touches but does not overlap


# --- the API ---------------------------------------------------------------------------------------


def token(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token_create(user=user)[1]}"}


@pytest.fixture
def people() -> dict[str, Any]:
    users = {
        "lina": person("lina"),
        "wang": person("wang"),
        "lead": person("lead", "supervisor"),
        "sales": person("sales-agent", team="sales"),
        "sales_lead": person("sales-lead", "supervisor", team="sales"),
        "admin": person("boss", "admin", team=None),
        "auditor": person("auditor", "auditor", team=None),
    }
    return {name: {"user": user, "auth": token(user)} for name, user in users.items()}


def post(client: Client, who: dict[str, Any], **body: Any) -> Any:
    return client.post("/api/v1/absences", body, content_type="application/json", headers=who["auth"])


def listed(client: Client, who: dict[str, Any], query: str = "") -> list[str]:
    response = client.get(f"/api/v1/absences{query}", headers=who["auth"])
    assert response.status_code == 200, response.content
    return [row["user"] for row in response.json()["items"]]


def soon(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def test_agents_record_their_own_absence_with_a_deputy(client: Client, people: dict[str, Any]) -> None:
    created = post(client, people["lina"], starts=soon(1), ends=soon(3), deputy="wang", note="年假")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["user"], body["deputy"], body["kind"], body["all_day"], body["created_by"]) == (
        "lina",
        "wang",
        "leave",
        True,
        "lina",
    )
    for_someone_else = post(client, people["lina"], user="wang", starts=soon(1), ends=soon(2))
    assert for_someone_else.status_code == 403 and for_someone_else.json()["code"] == "forbidden"


def test_supervisors_record_for_their_team_only(client: Client, people: dict[str, Any]) -> None:
    ok = post(
        client,
        people["lead"],
        user="lina",
        starts=soon(1) + "T09:00:00+08:00",
        ends=soon(1) + "T12:00:00+08:00",
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["created_by"] == "lead" and ok.json()["all_day"] is False
    other_team = post(client, people["lead"], user="sales-agent", starts=soon(1), ends=soon(2))
    assert other_team.status_code == 403
    assert post(client, people["admin"], user="sales-agent", starts=soon(1), ends=soon(2)).status_code == 201
    assert post(client, people["auditor"], starts=soon(1), ends=soon(2)).status_code == 403


def test_who_sees_which_absences(client: Client, people: dict[str, Any]) -> None:
    for name in ["lina", "wang", "sales"]:
        assert post(client, people[name], starts=soon(1), ends=soon(2)).status_code == 201
    assert listed(client, people["lina"]) == ["lina"]
    assert sorted(listed(client, people["lead"])) == ["lina", "wang"]
    assert listed(client, people["sales_lead"]) == ["sales-agent"]
    assert sorted(listed(client, people["auditor"])) == ["lina", "sales-agent", "wang"]
    assert listed(client, people["admin"], "?team=sales") == ["sales-agent"]
    assert listed(client, people["admin"], "?user=wang") == ["wang"]


def test_past_absences_only_when_asked_and_keyset_pages(client: Client, people: dict[str, Any]) -> None:
    lina = people["lina"]
    assert post(client, lina, starts=soon(-10), ends=soon(-8)).status_code == 201
    for day in range(1, 6):
        assert post(client, lina, starts=soon(day * 2), ends=soon(day * 2)).status_code == 201
    assert len(listed(client, lina)) == 5
    assert len(listed(client, lina, "?include_past=true")) == 6
    first = client.get("/api/v1/absences?limit=2", headers=lina["auth"]).json()
    second = client.get(f"/api/v1/absences?limit=2&after={first['next']}", headers=lina["auth"]).json()
    starts = [row["starts_at"] for row in first["items"] + second["items"]]
    assert starts == sorted(starts) and len(set(starts)) == 4
    bad = client.get("/api/v1/absences?after=nonsense", headers=lina["auth"])
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_cursor"


def test_bad_input_gets_a_specific_error(client: Client, people: dict[str, Any]) -> None:
    lina = people["lina"]
    cases = [
        ({"starts": "next monday", "ends": soon(2)}, 400, "invalid_timestamp", "`starts`"),
        ({"starts": soon(1), "ends": "2026-10-08T09:00:00"}, 400, "timestamp_without_offset", "`ends`"),
        ({"starts": soon(3), "ends": soon(1)}, 400, "invalid_window", "`ends`"),
        ({"starts": soon(1), "ends": soon(2), "deputy": "nobody"}, 404, "user_not_found", "`deputy`"),
        ({"starts": soon(1), "ends": soon(2), "kind": "holiday"}, 400, "invalid_kind", "holiday"),
    ]
    for body, status, code, mentioned in cases:
        response = post(client, lina, **body)
        assert (response.status_code, response.json()["code"]) == (status, code), body
        assert mentioned in response.json()["message"]
    assert Absence.objects.count() == 0


def test_delete_needs_the_right_to_manage(client: Client, people: dict[str, Any]) -> None:
    absence_id = post(client, people["lina"], starts=soon(1), ends=soon(2)).json()["id"]
    url = f"/api/v1/absences/{absence_id}"
    assert client.delete(url, headers=people["sales"]["auth"]).status_code == 404  # cannot even see it
    assert client.delete(url, headers=people["auditor"]["auth"]).status_code == 403
    assert client.delete(url, headers=people["lead"]["auth"]).status_code == 204
    assert client.delete(url, headers=people["lead"]["auth"]).json()["code"] == "absence_not_found"
    assert Absence.objects.count() == 0
