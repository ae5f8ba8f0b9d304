"""Problems: a recurring root cause linking many cases, with an owner, a fix plan, a status and
action items tracked to done; `GET /action-items?owner=me&open=1`."""

from __future__ import annotations

from typing import Any

import pytest

from unstuck.cases.models import Case
from unstuck.casework.models import ActionItem, Problem, ProblemCase
from unstuck.casework.tests.factories import kinds, manual_case

pytestmark = pytest.mark.django_db


def _problem(api: Any, who: str = "lead", **body: Any) -> Any:
    return api.post(
        who,
        "/problems",
        {
            "title": "改址信息未同步到仓库",
            "owner": "intake-lead",
            "cause_category": "information_flow",
            **body,
        },
    )


def test_a_supervisor_opens_a_problem_with_an_owner_and_a_fix_plan(api: Any, world: Any) -> None:
    response = _problem(api, fix_plan="改址走系统，WMS 实时同步")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("P-") and body["status"] == "open" and body["owner"] == "intake-lead"
    assert body["cause_category"] == "information_flow" and body["fix_plan"] == "改址走系统，WMS 实时同步"
    assert body["cases"] == [] and body["action_items"] == [] and body["case_count"] == 0


@pytest.mark.parametrize(
    ("who", "body", "status", "code"),
    [
        ("agent", {}, 403, "forbidden"),
        ("auditor", {}, 403, "forbidden"),
        ("lead", {"owner": "nobody"}, 404, "user_not_found"),
        ("lead", {"cause_category": "weather"}, 400, "unknown_cause_category"),
        ("lead", {"title": "   "}, 400, "missing_field"),
    ],
)
def test_bad_or_forbidden_problems_are_refused(
    api: Any, world: Any, who: str, body: Any, status: int, code: str
) -> None:
    response = _problem(api, who, **body)
    assert response.status_code == status and response.json()["code"] == code
    assert not Problem.objects.exists()


def test_linking_cases_puts_the_problem_on_their_timelines(api: Any, world: Any) -> None:
    problem = _problem(api).json()
    first, second = manual_case(team="intake"), manual_case(team="intake", title="又一单")
    for case in (first, second):
        linked = api.post("agent", f"/problems/{problem['id']}/cases", {"case": case.pk})
        assert linked.status_code == 201, linked.json()
    body = api.get("agent", f"/problems/{problem['id']}").json()
    assert body["cases"] == [first.pk, second.pk] and body["case_count"] == 2
    assert kinds(Case.objects.get(pk=first.pk))[-1] == "problem_linked"
    # Linking again changes nothing; another team's agent cannot link a case they cannot see.
    api.post("agent", f"/problems/{problem['id']}/cases", {"case": first.pk})
    assert Case.objects.get(pk=first.pk).timeline.filter(kind="problem_linked").count() == 1
    assert api.post("sales_agent", f"/problems/{problem['id']}/cases", {"case": first.pk}).status_code == 404
    # Another team sees the problem, but not the cases it cannot see.
    assert api.get("sales_agent", f"/problems/{problem['id']}").json()["cases"] == []


def test_relinking_moves_a_case_to_another_problem(api: Any, world: Any) -> None:
    one, two = _problem(api).json(), _problem(api, title="WMS 接口超时").json()
    case = manual_case(team="intake")
    api.post("agent", f"/problems/{one['id']}/cases", {"case": case.pk})
    api.post("agent", f"/problems/{two['id']}/cases", {"case": case.pk})
    assert ProblemCase.objects.get(case=case).problem_id == two["id"]
    entry = Case.objects.get(pk=case.pk).timeline.filter(kind="problem_linked").order_by("seq").last()
    assert entry is not None and entry.data["previous"] == one["number"]


def test_the_status_moves_open_fix_in_progress_resolved(api: Any, world: Any) -> None:
    problem = _problem(api).json()
    path = f"/problems/{problem['id']}"
    assert api.post("agent", path, {"status": "fix_in_progress"}).status_code == 403  # not the owner
    assert api.post("lead", path, {"status": "fix_in_progress"}).json()["status"] == "fix_in_progress"
    done = api.post("lead", path, {"status": "resolved", "fix_plan": "已上线同步"}).json()
    assert done["status"] == "resolved" and done["resolved_at"] and done["fix_plan"] == "已上线同步"
    bad = api.post("lead", path, {"status": "fix_in_progress"})
    assert bad.status_code == 409 and bad.json()["code"] == "invalid_transition"
    unknown = api.post("lead", path, {"status": "done"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "invalid_status"
    assert api.post("lead", path, {"status": "open"}).json()["resolved_at"] is None


def test_action_items_are_tracked_to_done_and_listed_for_me(api: Any, world: Any) -> None:
    problem = _problem(api).json()
    path = f"/problems/{problem['id']}/action-items"
    mine = api.post(
        "lead", path, {"title": "WMS 增加改址接口", "owner": "intake-agent", "due_date": "2026-12-09"}
    )
    assert mine.status_code == 201, mine.json()
    api.post("lead", path, {"title": "培训", "owner": "intake-agent2", "due_date": "2026-12-11"})
    refused = api.post("agent", path, {"title": "x", "owner": "intake-agent", "due_date": "2026-12-09"})
    assert refused.status_code == 403
    listed = api.get("agent", "/action-items?owner=me&open=1").json()
    assert [item["title"] for item in listed["items"]] == ["WMS 增加改址接口"]
    assert listed["items"][0]["problem"] == problem["number"]
    assert api.post("agent2", f"/action-items/{mine.json()['id']}/complete").status_code == 403
    done = api.post("agent", f"/action-items/{mine.json()['id']}/complete")
    assert done.status_code == 200 and done.json()["done_by"] == "intake-agent" and done.json()["done_at"]
    again = api.post("agent", f"/action-items/{mine.json()['id']}/complete")
    assert again.status_code == 409 and again.json()["code"] == "already_done"
    assert api.get("agent", "/action-items?owner=me&open=1").json()["items"] == []
    assert len(api.get("agent", "/action-items?owner=me").json()["items"]) == 1
    assert api.get("agent", f"/problems/{problem['id']}").json()["open_actions"] == 1


def test_an_action_item_on_a_case_is_on_its_timeline_and_hidden_from_other_teams(
    api: Any, world: Any
) -> None:
    case = manual_case(team="intake")
    created = api.post(
        "agent",
        "/action-items",
        {"title": "回访客户", "owner": "intake-agent", "due_date": "2026-12-03", "case": case.pk},
    )
    assert created.status_code == 201 and created.json()["case"] == case.pk
    assert kinds(Case.objects.get(pk=case.pk))[-1] == "action_item_added"
    assert api.get("sales_agent", "/action-items").json()["items"] == []
    assert api.post("sales_agent", f"/action-items/{created.json()['id']}/complete").status_code == 404
    api.post("agent", f"/action-items/{created.json()['id']}/complete")
    assert kinds(Case.objects.get(pk=case.pk))[-1] == "action_item_done"
    loose = api.post(
        "agent", "/action-items", {"title": "x", "owner": "intake-agent", "due_date": "2026-12-03"}
    )
    assert loose.status_code == 403  # outside a problem or case: supervisors only
    bad_date = api.post("lead", "/action-items", {"title": "x", "owner": "intake-agent", "due_date": "明天"})
    assert bad_date.status_code == 422 and bad_date.json()["code"] == "invalid_request"


def test_list_endpoints_have_bounded_query_counts(
    api: Any, world: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(6):
        problem = _problem(api, title=f"问题 {n}").json()
        api.post(
            "lead",
            f"/problems/{problem['id']}/action-items",
            {"title": f"行动 {n}", "owner": "intake-agent", "due_date": "2026-12-09"},
        )
        api.post("agent", f"/problems/{problem['id']}/cases", {"case": manual_case(team="intake").pk})
    with django_assert_max_num_queries(6):
        assert len(api.get("agent", "/problems").json()["items"]) == 6
    with django_assert_max_num_queries(6):
        assert len(api.get("agent", "/action-items?owner=me&open=1").json()["items"]) == 6
    with django_assert_max_num_queries(10):
        assert len(api.get("agent", f"/problems/{problem['id']}").json()["action_items"]) == 1
    assert ActionItem.objects.count() == 6


def test_pages_of_action_items_follow_the_cursor(api: Any, world: Any) -> None:
    problem = _problem(api).json()
    for n in range(5):
        api.post(
            "lead",
            f"/problems/{problem['id']}/action-items",
            {"title": f"行动 {n}", "owner": "intake-agent", "due_date": "2026-12-09"},
        )
    first = api.get("agent", "/action-items?owner=me&limit=3").json()
    second = api.get("agent", f"/action-items?owner=me&limit=3&after={first['next']}").json()
    assert len(first["items"]) == 3 and len(second["items"]) == 2 and second["next"] is None
    bad = api.get("agent", "/action-items?after=abc")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_cursor"
