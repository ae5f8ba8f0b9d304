"""Cases opened by the worker from stalls: one open case per item and rule, team from the step,
auto-assignment, and auto-resolution when the item recovers."""

from __future__ import annotations

import pytest

from unstuck.accounts.models import Team
from unstuck.cases.models import Case, TimelineEntry
from unstuck.cases.routing import cases_route_stalls
from unstuck.cases.tests.factories import event, load_simple_process, person, push, worker_pass
from unstuck.stalls.models import Stall

pytestmark = pytest.mark.django_db


def kinds(case: Case) -> list[str]:
    return list(case.timeline.order_by("seq").values_list("kind", flat=True))


def test_a_stall_opens_one_case_with_type_team_priority_and_owner() -> None:
    load_simple_process()
    agent = person("xiaoli", "agent", "intake")
    push(event("A", "new", 0))
    worker_pass(61)
    case = Case.objects.get()
    assert (case.type, case.rule, case.status, case.origin) == ("stuck", "dwell", "new", "stall")
    assert case.team == Team.objects.get(key="intake")
    assert (case.impact, case.urgency, case.priority) == ("medium", "medium", "P3")
    assert case.owner == agent
    assert case.number == f"C-{case.pk:06d}"
    assert kinds(case) == ["opened", "assigned"]
    assert Stall.objects.get().case_routing == "routed"
    worker_pass(62)  # nothing new: running again changes nothing
    assert Case.objects.count() == 1 and TimelineEntry.objects.count() == 2


def test_the_rules_open_their_types() -> None:
    load_simple_process(promise="30m")
    push(event("A", "failed", 0), event("B", "waiting", 0))
    worker_pass(200)
    types = dict(Case.objects.values_list("rule", "type"))
    assert types == {"interruption": "interrupted", "promise": "overdue", "confirmation": "unconfirmed"}
    assert Case.objects.get(item__external_id="A", rule="interruption").team is None


def test_a_second_stall_of_the_same_item_and_rule_joins_the_open_case() -> None:
    load_simple_process()
    push(event("A", "new", 0))
    worker_pass(61)
    push(event("A", "working", 90))  # the first dwell stall resolves ...
    # ... and before the resolution pass runs, the item is stuck again in the next step.
    worker_pass(90 + 241)
    case = Case.objects.get()
    assert case.status == "new", "still stuck, in another step: the case stays open"
    assert kinds(case) == ["opened", "stall_added"]
    assert case.case_stalls.count() == 2
    assert case.step == "working", "the case is about the step it is stuck in now"
    push(event("A", "done", 400))
    worker_pass(401)
    case.refresh_from_db()
    assert case.status == "resolved" and case.resolved_at is not None
    last = case.timeline.order_by("-seq").first()
    assert last is not None and last.kind == "resolved_auto"
    # In the default language, with the step's name (the test process names its steps by their keys).
    assert "跟踪项已恢复：已进入“done”" in last.message and last.actor_label == "worker"


def test_a_different_rule_opens_another_case() -> None:
    load_simple_process()
    push(event("A", "new", 0))
    worker_pass(61)
    push(event("A", "failed", 70))
    worker_pass(71)
    cases = dict(Case.objects.values_list("rule", "status"))
    assert cases == {"dwell": "resolved", "interruption": "new"}


def test_the_item_s_next_event_resolves_the_case_by_itself() -> None:
    load_simple_process()
    push(event("A", "new", 0))
    worker_pass(61)
    push(event("A", "working", 75))
    worker_pass(76)
    case = Case.objects.get()
    assert case.status == "resolved"
    entry = case.timeline.get(kind="resolved_auto")
    assert entry.data["resolution"] == "moved on to working"
    assert Stall.objects.get().case_routing == "done"
    worker_pass(77)
    assert case.timeline.count() == 2  # opened, resolved_auto; nothing repeated


def test_a_case_resolved_by_hand_is_left_alone_when_the_item_recovers() -> None:
    from unstuck.cases.services import case_status_change

    load_simple_process()
    push(event("A", "new", 0))
    worker_pass(61)
    case = Case.objects.get()
    case_status_change(case_id=case.pk, actor=person("boss", "admin"), status="resolved")
    push(event("A", "working", 75))
    worker_pass(76)
    assert list(case.timeline.values_list("kind", flat=True).order_by("seq")) == ["opened", "status_changed"]


def test_a_stall_resolved_before_routing_opens_no_case() -> None:
    from unstuck.stalls.services import deadlines_process_due
    from unstuck.tracking.tests.factories import T0

    load_simple_process()
    push(event("A", "new", 0))
    from datetime import timedelta

    deadlines_process_due(now=T0 + timedelta(minutes=61))
    push(event("A", "working", 62))
    assert cases_route_stalls().stalls == 1
    assert Case.objects.count() == 0
    assert Stall.objects.get().case_routing == "done"


def test_after_auto_resolution_a_new_stall_opens_a_new_case() -> None:
    load_simple_process()
    push(event("A", "new", 0))
    worker_pass(61)
    push(event("A", "working", 70))
    worker_pass(71)
    worker_pass(70 + 241)
    assert list(Case.objects.order_by("pk").values_list("status", "team__key")) == [
        ("resolved", "intake"),
        ("new", "ops"),
    ]


def test_the_database_refuses_a_second_open_case_for_an_item_and_rule() -> None:
    from django.db import IntegrityError, transaction

    load_simple_process()
    push(event("A", "new", 0))
    worker_pass(61)
    case = Case.objects.get()
    duplicate = {
        f: getattr(case, f) for f in ["type", "priority", "impact", "urgency", "origin", "rule", "title"]
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(item=case.item, opened_at=case.opened_at, **duplicate)
    Case.objects.filter(pk=case.pk).update(status="resolved")
    Case.objects.create(
        item=case.item, opened_at=case.opened_at, **duplicate
    )  # a finished one does not count


def test_a_batch_of_new_cases_gets_the_clocks_timers_and_checklists_of_the_one_by_one_path() -> None:
    """The routing batch starts SLA clocks and lays out checklists for all its cases in a few
    statements; what it writes must be what `sla_case_changed` and the checklist hook write."""
    from datetime import UTC, datetime

    import time_machine

    from unstuck.cases.models import SlaClock, SlaTimer
    from unstuck.cases.sla import sla_case_changed
    from unstuck.casework.models import CasePlaybook, ChecklistItem
    from unstuck.casework.services import checklist_for_new_case

    def written(case: Case) -> tuple[object, ...]:
        case.refresh_from_db()
        clocks = SlaClock.objects.filter(case=case).order_by("target")
        timers = SlaTimer.objects.filter(case=case).order_by("clock__target", "key")
        checklist = ChecklistItem.objects.filter(case=case).order_by("position")
        return (
            case.sla_due_at,
            case.sla_state,
            [
                (c.target, c.policy_id, c.budget_seconds, c.started_at, c.due_at, c.calendar_key)
                for c in clocks
            ],
            [
                (t.clock.target, t.kind, t.key, t.fraction, t.level_id, t.offset_seconds, t.due_at)
                for t in timers
            ],
            [(i.name_zh, i.role, i.due_at, i.playbook_id) for i in checklist],
            list(CasePlaybook.objects.filter(case=case).values_list("playbook_id", "applied_at")),
        )

    load_simple_process(promise="30m")
    person("xiaoli", "agent", "intake")
    with time_machine.travel(datetime(2026, 9, 30, 10, 0, tzinfo=UTC), tick=False):
        push(event("A", "failed", 0), event("B", "waiting", 0), event("C", "new", 0))
        worker_pass(200)
        cases = list(Case.objects.order_by("pk"))
        assert len(cases) >= 3
        batch = {case.pk: written(case) for case in cases}
        assert all(row[2] and row[4] for row in batch.values()), "clocks and checklists were written"
        for case in cases:  # now the one-by-one path, from nothing, for the same cases
            SlaTimer.objects.filter(case=case).delete()
            SlaClock.objects.filter(case=case).delete()
            ChecklistItem.objects.filter(case=case).delete()
            CasePlaybook.objects.filter(case=case).delete()
            Case.objects.filter(pk=case.pk).update(sla_due_at=None, sla_state="")
            case.refresh_from_db()
            sla_case_changed(case=case, at=case.opened_at)
            checklist_for_new_case(case=case)
            assert written(case) == batch[case.pk]
