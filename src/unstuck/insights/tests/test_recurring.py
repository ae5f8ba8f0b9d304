"""Recurring cause detection: the same cause at the same step on items sharing an attribute value,
in at least K cases in the window, not covered by an open problem — proposed once, then turned into
a Problem linking those cases, or dismissed."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from unstuck.cases.models import Case
from unstuck.casework.models import Problem, ProblemCase
from unstuck.casework.services import cause_set, problem_case_link, problem_create
from unstuck.casework.tests.factories import intake_world, stalled_cases
from unstuck.core.errors import DomainError
from unstuck.core.worker import JOBS
from unstuck.insights.brief_work import recurring_proposals
from unstuck.insights.models import CauseProposal
from unstuck.insights.recurring import (
    RecurringConfig,
    proposal_accept,
    proposal_dismiss,
    recurring_causes_scan,
)

CONFIG = RecurringConfig(min_cases=4, window=timedelta(days=7), attributes=("warehouse", "carrier"))


def _world_with_cases(*, guangzhou: int = 5, beijing: int = 2) -> tuple[dict, list[Case]]:
    world = intake_world()
    items = [(f"GZ-{i}", {"warehouse": "广州仓", "carrier": f"c{i}"}) for i in range(guangzhou)]
    items += [(f"BJ-{i}", {"warehouse": "北京仓", "carrier": f"d{i}"}) for i in range(beijing)]
    cases = stalled_cases(*items)
    for case in cases:
        cause_set(case_id=case.pk, actor=world["lead"], category_key="inventory", text="缺货")
    return world, cases


def _now(cases: list[Case]):
    return max(case.opened_at for case in Case.objects.filter(pk__in=[c.pk for c in cases])) + timedelta(
        minutes=1
    )


@pytest.mark.django_db
def test_a_recurring_cause_is_proposed_once_with_its_cases():
    _world, cases = _world_with_cases()
    now = _now(cases)
    assert recurring_causes_scan(now=now, config=CONFIG) == 1
    proposal = CauseProposal.objects.get()
    assert (proposal.category.key, proposal.step, proposal.attribute, proposal.value) == (
        "inventory",
        "new",
        "warehouse",
        "广州仓",
    )
    assert proposal.case_ids == sorted(c.pk for c in cases[:5])
    assert recurring_causes_scan(now=now, config=CONFIG) == 0  # idempotent
    # The brief's list: a team sees the proposals with its cases.
    shown = recurring_proposals(team="intake")
    assert [(r.cause, r.attribute, r.value, r.cases) for r in shown] == [
        ("inventory", "warehouse", "广州仓", 5)
    ]
    assert recurring_proposals(team="sales") == []
    assert CauseProposal.objects.count() == 1
    # Outside the window nothing recurs; below K nothing is proposed (北京仓 has 2, each carrier 1).
    assert recurring_causes_scan(now=now + timedelta(days=8), config=CONFIG) == 0
    # The constraint is what keeps a second worker from recording the same open proposal.
    with pytest.raises(IntegrityError), transaction.atomic():
        CauseProposal.objects.create(
            **{f: getattr(proposal, f) for f in ("category", "process", "step", "attribute", "value")},
            case_ids=[],
            window_start=now,
            window_end=now,
            found_at=now,
        )
    assert "unstuck.insights.tasks.recurring_causes_job" in JOBS


@pytest.mark.django_db
def test_accepting_creates_the_problem_linking_the_cases_and_stops_the_recurrence():
    world, cases = _world_with_cases()
    now = _now(cases)
    recurring_causes_scan(now=now, config=CONFIG)
    proposal = CauseProposal.objects.get()
    with pytest.raises(DomainError) as refused:
        proposal_accept(proposal_id=proposal.pk, actor=world["agent"])
    assert refused.value.status == 403
    problem = proposal_accept(proposal_id=proposal.pk, actor=world["lead"])
    assert problem.cause_category is not None and problem.cause_category.key == "inventory"
    assert "广州仓" in problem.title and problem.owner == world["lead"]
    assert set(ProblemCase.objects.filter(problem=problem).values_list("case_id", flat=True)) == set(
        proposal.case_ids
    )
    assert "problem_linked" in Case.objects.get(pk=cases[0].pk).timeline.values_list("kind", flat=True)
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and proposal.problem == problem
    with pytest.raises(DomainError) as twice:
        proposal_accept(proposal_id=proposal.pk, actor=world["lead"])
    assert twice.value.status == 409
    # Its cases are covered by an open problem now: nothing to propose again.
    assert recurring_causes_scan(now=now, config=CONFIG) == 0


@pytest.mark.django_db
def test_cases_already_under_an_open_problem_do_not_count():
    world, cases = _world_with_cases(guangzhou=5)
    problem = problem_create(actor=world["lead"], title="广州仓缺货", owner_username="intake-lead")
    for case in cases[:2]:
        problem_case_link(problem_id=problem.pk, case_id=case.pk, actor=world["lead"])
    assert recurring_causes_scan(now=_now(cases), config=CONFIG) == 0  # 3 left < K=4
    assert Problem.objects.count() == 1


@pytest.mark.django_db
def test_a_dismissed_proposal_returns_only_with_newer_cases():
    world, cases = _world_with_cases()
    now = _now(cases)
    recurring_causes_scan(now=now, config=CONFIG)
    proposal = CauseProposal.objects.get()
    proposal_dismiss(proposal_id=proposal.pk, actor=world["lead"])
    assert recurring_causes_scan(now=now + timedelta(minutes=5), config=CONFIG) == 0
    assert recurring_proposals(team=None) == []


@pytest.mark.django_db
def test_supervisors_decide_on_the_problems_page(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world, cases = _world_with_cases()
    recurring_causes_scan(now=_now(cases), config=CONFIG)
    proposal = CauseProposal.objects.get()
    lead, agent = Client(), Client()
    lead.force_login(world["lead"])
    agent.force_login(world["agent"])
    page = lead.get("/casework/problems/").content.decode()
    assert 'id="recurring-proposals"' in page and "广州仓" in page
    assert 'id="recurring-proposals"' not in agent.get("/casework/problems/").content.decode()
    url = f"/insights/recurring/{proposal.pk}/"
    assert agent.post(url, {"decision": "accept"}).status_code == 403
    assert lead.post(url, {"decision": "maybe"}).status_code == 302  # a message, nothing decided
    assert CauseProposal.objects.get().status == "open"
    assert lead.post("/insights/recurring/999999/", {"decision": "dismiss"}).status_code == 404
    created = lead.post(url, {"decision": "accept"})
    problem = Problem.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/casework/problems/{problem.pk}/"
    assert problem.links.count() == 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_scanning_at_once_record_one_proposal():
    _world, cases = _world_with_cases()
    now = _now(cases)
    start = threading.Barrier(2)
    created: list[int] = []
    errors: list[BaseException] = []

    def scan() -> None:
        try:
            start.wait()
            created.append(recurring_causes_scan(now=now, config=CONFIG))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(created) == 1 and CauseProposal.objects.count() == 1


@pytest.mark.django_db
def test_the_api_lists_and_decides_proposals_within_the_teams_one_supervises():
    from unstuck.accounts.services import api_token_create

    def client(user) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)[1]}")

    world, cases = _world_with_cases()
    recurring_causes_scan(now=_now(cases), config=CONFIG)
    proposal = CauseProposal.objects.get()
    lead, sales_lead = client(world["lead"]), client(world["sales_lead"])
    url = "/api/v1/insights/recurring-causes"

    listed = lead.get(url).json()["items"]
    assert [(p["id"], p["value"], p["cases"]) for p in listed] == [(proposal.pk, "广州仓", 5)]
    assert client(world["auditor"]).get(url).json()["items"][0]["id"] == proposal.pk
    assert sales_lead.get(url).json()["items"] == []  # none of its cases is the sales team's
    refused = client(world["agent"]).get(url)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"

    # Another team's supervisor cannot decide it, an auditor may not write; neither changes anything.
    assert sales_lead.post(f"{url}/{proposal.pk}/accept").status_code == 404
    assert client(world["auditor"]).post(f"{url}/{proposal.pk}/dismiss").status_code == 403
    assert lead.post(f"{url}/999999/accept").json()["code"] == "proposal_not_found"
    assert CauseProposal.objects.get().status == "open" and not Problem.objects.exists()

    accepted = lead.post(f"{url}/{proposal.pk}/accept")
    problem = Problem.objects.get()
    assert accepted.status_code == 200
    assert accepted.json() == {
        "id": proposal.pk,
        "status": "accepted",
        "problem_id": problem.pk,
        "problem_number": problem.number,
    }
    assert problem.links.count() == 5
    again = lead.post(f"{url}/{proposal.pk}/dismiss")
    assert again.status_code == 409 and again.json()["code"] == "proposal_decided"
    assert lead.get(url).json()["items"] == []
