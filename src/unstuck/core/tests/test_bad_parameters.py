"""Every date or number taken from a URL, a form or the command line is checked: a clear 400/422
naming the field (API) or a form error (desk), never a 500 (issue 11, section 2)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from unstuck.calendars.models import Calendar
from unstuck.casework.tests.factories import bearer, person, stalled_cases

#: Moments a live system cannot mean: impossible days, and years at the edges of what Python and the
#: databases hold (converting them to UTC overflows).
BAD_MOMENTS = [
    "2026-02-30",
    "2026-02-30T10:00",
    "2026-13-01T10:00:00+08:00",
    "0001-01-01T00:00:00+08:00",
    "9999-12-31T23:00:00-08:00",
    "9999-12-31",
    "0001-01-01",
    "tomorrow",
]


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


BAD_CURSORS = [
    "!!!",
    "²",
    "99999999999999999999999",
    _cursor("2026-01-01T00:00:00+00:00|x"),
    _cursor("2026-01-01T00:00:00+00:00|99999999999999999999999"),
    _cursor("0001-01-01T00:00:00+08:00|1"),
    _cursor("9999-12-31T23:59:59-08:00|1"),
    _cursor('[null, "p1", "0001-01-01T00:00:00+08:00", 1]'),
    _cursor('[null, "p1", "2026-01-01T00:00:00+00:00", 99999999999999999999999]'),
]


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    admin = person("bp-admin", "admin")
    lead = person("bp-lead", "supervisor", "intake")
    cases = stalled_cases(("bp-1", {"warehouse": "上海仓"}))
    return {"admin": bearer(admin), "lead": bearer(lead), "case": cases[0], "admin_user": admin}


def _refused(response: Any, field: str) -> None:
    assert response.status_code in (400, 422), (response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] and body["message"]
    assert field in str(body), body


@pytest.mark.parametrize("value", BAD_MOMENTS)
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/processes/simple/stalled?as_of={}", "as_of"),
        ("/api/v1/processes/simple/log.csv?since={}", "since"),
        ("/api/v1/processes/simple/log.xes?until={}", "until"),
        ("/api/v1/insights/bottlenecks?process=simple&since={}", "since"),
        ("/api/v1/insights/bottlenecks?process=simple&until={}", "until"),
        ("/api/v1/csat?since={}&until=2026-12-01T00:00:00Z", "since"),
    ],
)
def test_api_refuses_impossible_moments_in_the_url(
    client: Client, world: dict[str, Any], path: str, field: str, value: str
) -> None:
    response = client.get(path.format(value), headers=world["admin"])
    _refused(response, field)


@pytest.mark.parametrize("cursor", BAD_CURSORS)
@pytest.mark.parametrize(
    "path",
    ["/api/v1/stalls", "/api/v1/cases", "/api/v1/absences", "/api/v1/problems", "/api/v1/action-items"],
)
def test_api_refuses_cursors_it_did_not_give_out(
    client: Client, world: dict[str, Any], path: str, cursor: str
) -> None:
    response = client.get(path, {"after": cursor}, headers=world["admin"])
    _refused(response, "after")


@pytest.mark.parametrize("limit", ["0", "-1", "100001", "99999999999999999999999", "x"])
@pytest.mark.parametrize("path", ["/api/v1/stalls", "/api/v1/cases", "/api/v1/processes/simple/stalled"])
def test_api_refuses_page_sizes_out_of_range(
    client: Client, world: dict[str, Any], path: str, limit: str
) -> None:
    _refused(client.get(path, {"limit": limit}, headers=world["admin"]), "limit")


@pytest.mark.parametrize("value", BAD_MOMENTS)
@pytest.mark.parametrize("field", ["starts", "ends"])
def test_api_refuses_impossible_absences(
    client: Client, world: dict[str, Any], field: str, value: str
) -> None:
    body = {"starts": "2026-10-01", "ends": "2026-10-08", field: value}
    response = client.post("/api/v1/absences", body, content_type="application/json", headers=world["lead"])
    _refused(response, field)


@pytest.mark.parametrize("value", BAD_MOMENTS)
def test_api_refuses_an_impossible_eta(client: Client, world: dict[str, Any], value: str) -> None:
    response = client.post(
        f"/api/v1/cases/{world['case'].pk}/customer-update",
        {"reason": "仓库停电", "eta": value},
        content_type="application/json",
        headers=world["admin"],
    )
    _refused(response, "eta")


@pytest.mark.parametrize("value", BAD_MOMENTS)
def test_api_refuses_an_impossible_incident_filter(client: Client, world: dict[str, Any], value: str) -> None:
    response = client.post(
        "/api/v1/incidents/preview",
        {"process": "simple", "stalled_since": value},
        content_type="application/json",
        headers=world["admin"],
    )
    _refused(response, "stalled_since")


@pytest.mark.parametrize("value", BAD_MOMENTS)
def test_streamed_exports_refuse_before_they_start(client: Client, world: dict[str, Any], value: str) -> None:
    for fmt in ("csv", "xes"):
        response = client.get(
            f"/api/v1/processes/simple/log.{fmt}",
            {"since": "2026-01-01", "until": value},
            headers=world["admin"],
        )
        assert not response.streaming
        _refused(response, "until")


# ---- the desk: a form error or a 400 page, never a 500


@pytest.fixture
def desk(client: Client, world: dict[str, Any]) -> Client:
    client.force_login(world["admin_user"])
    return client


@pytest.mark.parametrize("value", [*BAD_MOMENTS, "²"])
@pytest.mark.parametrize(
    "url",
    [
        "/brief/?date={}",
        "/brief/?days={}",
        "/insights/bottlenecks/?process=simple&since={}",
        "/insights/bottlenecks/?process=simple&until={}",
        "/settings/teams/intake/absences/?from={}",
        "/casework/incidents/?after={}",
    ],
)
def test_desk_pages_answer_bad_dates_without_a_server_error(desk: Client, url: str, value: str) -> None:
    response = desk.get(url.format(value))
    assert response.status_code in (200, 400), response.status_code


@pytest.mark.parametrize("value", ["²", "99999999999999999999999", "-1"])
def test_the_timeline_refuses_a_bad_entry_number(desk: Client, world: dict[str, Any], value: str) -> None:
    response = desk.get(f"/cases/{world['case'].pk}/timeline/", {"before": value})
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("value", BAD_MOMENTS)
def test_the_desk_refuses_an_impossible_eta(desk: Client, world: dict[str, Any], value: str) -> None:
    response = desk.post(
        f"/p/cases/{world['case'].pk}/customer-update/", {"reason": "仓库停电", "eta": value}
    )
    assert response.status_code in (200, 400), response.status_code
    assert "ETA" in response.content.decode() or "eta" in response.content.decode()


@pytest.mark.parametrize("value", ["2026-02-30", "0001-01-01", "9999-12-31"])
def test_the_brief_command_refuses_an_impossible_date(world: dict[str, Any], value: str) -> None:
    with pytest.raises(CommandError, match="--date"):
        call_command("brief", "--date", value)


# ---- NUL (U+0000): PostgreSQL cannot hold it in text, so it is refused on every engine


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/cases?team=a%00b", "team"),
        ("/api/v1/stalls?process=%00", "process"),
        ("/api/v1/absences?user=%00", "user"),
        ("/api/v1/insights/bottlenecks?process=%00", "process"),
        ("/api/v1/processes/simple/log.csv?attr=k:%00", "attr"),
    ],
)
def test_api_refuses_nul_in_the_url(client: Client, world: dict[str, Any], url: str, field: str) -> None:
    response = client.get(url, headers=world["admin"])
    _refused(response, field)
    assert response.json()["code"] == "invalid_character"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/cases", {"type": "complaint", "title": "客户\x00投诉", "team": "intake"}, "title"),
        (
            "/api/v1/incidents/preview",
            {"process": "simple", "attrs": {"warehouse": "上海\x00仓"}},
            "attrs.warehouse",
        ),
        ("/api/v1/absences", {"starts": "2026-10-01", "ends": "2026-10-02", "note": "\x00"}, "note"),
    ],
)
def test_api_refuses_nul_in_a_json_body(
    client: Client, world: dict[str, Any], path: str, body: dict[str, Any], field: str
) -> None:
    response = client.post(path, body, content_type="application/json", headers=world["admin"])
    _refused(response, field)
    assert response.json()["code"] == "invalid_character"


@pytest.mark.parametrize(
    "url", ["/api/v1/processes/si%00mple/log.xes", "/api/v1/processes/%00", "/api/v1/cases/1/notes%00"]
)
def test_an_api_path_holding_nul_names_nothing(client: Client, world: dict[str, Any], url: str) -> None:
    response = client.get(url, headers=world["admin"])
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_the_desk_refuses_nul_in_a_filter_or_form(desk: Client, world: dict[str, Any]) -> None:
    assert desk.get("/casework/incidents/", {"status": "\x00"}).status_code == 400
    note = desk.post(f"/cases/{world['case'].pk}/notes/", {"text": "a\x00"})
    assert note.status_code == 400
    assert "NUL" in note.content.decode()


def test_a_process_file_with_a_control_character_is_refused(client: Client, world: dict[str, Any]) -> None:
    response = client.post(
        "/api/v1/processes", {"source": "\x8fkey: x"}, content_type="application/json", headers=world["admin"]
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_process"


@pytest.mark.parametrize("path", ["/api/v1/processes/a%0A/items/b%0A", "/api/v1/no-such%0A/thing"])
def test_an_api_path_no_route_matches_is_a_json_404(client: Client, world: dict[str, Any], path: str) -> None:
    response = client.get(path, headers=world["admin"])
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_desk_path_no_route_matches_is_still_a_page(desk: Client) -> None:
    response = desk.get("/no/such/page%0A")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("value", ["²", "99999999999999999999999"])
def test_desk_ids_and_numbers_from_urls_and_forms_are_checked(
    desk: Client, world: dict[str, Any], value: str
) -> None:
    case = world["case"]
    calendar = Calendar.objects.order_by("key").first()
    assert calendar is not None
    answers = [
        desk.get("/casework/incidents/", {"after": f"o{value}"}),
        desk.get("/settings/processes/simple/", {"v": value}),
        desk.post(f"/casework/cases/{case.pk}/problem/", {"problem": value}),
        desk.post(f"/settings/calendars/{calendar.key}/", {"action": "verify", "year": value}),
    ]
    assert [answer.status_code for answer in answers if answer.status_code >= 500] == []


def test_the_brief_command_refuses_a_period_past_a_year(world: dict[str, Any]) -> None:
    with pytest.raises(CommandError, match="--days"):
        call_command("brief", "--date", "2026-11-30", "--days", "99999999")


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:00:00-08:00"])
def test_the_calendar_command_refuses_a_moment_at_the_calendars_edge(db: None, value: str) -> None:
    with pytest.raises(CommandError, match="1900"):
        call_command("calendar", "due", "always", value, "1h")
