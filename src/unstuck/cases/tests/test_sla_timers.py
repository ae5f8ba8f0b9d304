"""Warnings, breaches and the escalation ladder: fired by the worker's pass once each, in order,
recorded on the timeline and as rows; a level reassigns when configured."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from unstuck.accounts.models import Team
from unstuck.cases.escalation import sla_timers_fire
from unstuck.cases.models import Case, EscalationLevel, SlaEscalation, SlaTimer, TimelineEntry
from unstuck.cases.notify import case_notify
from unstuck.cases.services import case_note_add, case_status_change
from unstuck.cases.tasks import sla_timers_job
from unstuck.cases.tests.factories import manual_case, person
from unstuck.cases.tests.sla_helpers import at, clocks, kinds, policy, team_on
from unstuck.cases.timeline import timeline_verify
from unstuck.core.worker import JOBS

pytestmark = pytest.mark.django_db

T = at(2026, 11, 2, 9)


def opened_case(**policy_overrides: str) -> Case:
    """A P2 case of team `night` (24x7 calendar) opened at T; its first response met a minute later."""
    team_on("night", "always", "night-agent")
    targets = {"first": "1h", "update": "10d", "resolution": "8h", **policy_overrides}
    policy("P2", targets["first"], targets["update"], targets["resolution"], ladder=True)
    with time_machine.travel(T, tick=False):
        case = manual_case(team="night", priority="P2")
    with time_machine.travel(T + timedelta(minutes=1), tick=False):
        case_note_add(case_id=case.pk, actor=case.owner, text="已受理")  # type: ignore[arg-type]
    return case


def fire(moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return sla_timers_fire(now=moment, batch=500)


def sla_kinds(case: Case) -> list[str]:
    return [kind for kind in kinds(case) if kind.startswith("sla_")]


def test_the_job_is_registered() -> None:
    assert "unstuck.cases.tasks.sla_timers_job" in JOBS
    assert sla_timers_job() == 0


def test_warnings_at_half_and_three_quarters_and_the_breach_fire_once_each() -> None:
    EscalationLevel.objects.all().delete()
    case = opened_case()
    assert fire(T + timedelta(hours=3, minutes=59)) == 0
    assert fire(T + timedelta(hours=4)) == 1  # 50% of 8h
    assert fire(T + timedelta(hours=4)) == 0  # again: nothing
    case.refresh_from_db()
    assert case.sla_state == "warning"
    assert fire(T + timedelta(hours=6, minutes=30)) == 1  # 75%
    assert fire(T + timedelta(hours=8)) == 1  # the breach
    assert fire(T + timedelta(days=2)) == 0
    resolution = clocks(case)["resolution"]
    assert resolution.warned == [0.5, 0.75]
    assert resolution.breached_at == T + timedelta(hours=8)
    assert sla_kinds(case) == ["sla_warning", "sla_warning", "sla_breached"]
    entries = TimelineEntry.objects.filter(case=case, kind__startswith="sla_").order_by("seq")
    assert [entry.data["fraction"] for entry in entries[:2]] == [0.5, 0.75]
    assert datetime.fromisoformat(entries[2].data["at"]) == T + timedelta(hours=8)
    assert SlaTimer.objects.filter(clock=resolution, fired_at__isnull=False).count() == 3
    case.refresh_from_db()
    assert (case.sla_state, case.sla_due_at) == ("breached", T + timedelta(hours=8))
    assert timeline_verify().broken is None


def test_a_late_worker_records_everything_due_once_in_order() -> None:
    EscalationLevel.objects.all().delete()
    case = opened_case()
    assert fire(T + timedelta(hours=9)) == 3
    assert fire(T + timedelta(hours=9)) == 0
    assert sla_kinds(case) == ["sla_warning", "sla_warning", "sla_breached"]


def test_no_warning_fires_while_the_case_waits_on_the_customer() -> None:
    EscalationLevel.objects.all().delete()
    case = opened_case()
    agent = case.owner
    with time_machine.travel(T + timedelta(hours=1), tick=False):
        case_status_change(case_id=case.pk, actor=agent, status="in_progress")  # type: ignore[arg-type]
        case_status_change(case_id=case.pk, actor=agent, status="waiting_customer")  # type: ignore[arg-type]
    assert fire(T + timedelta(hours=20)) == 0
    with time_machine.travel(T + timedelta(hours=21), tick=False):
        case_status_change(case_id=case.pk, actor=agent, status="in_progress")  # type: ignore[arg-type]
    assert fire(T + timedelta(hours=21, minutes=30)) == 0  # only 1h of 8h counted so far
    assert fire(T + timedelta(hours=24)) == 1  # 50% = 4h of running time: 1h before + 3h after
    assert clocks(case)["resolution"].due_at == T + timedelta(hours=28)


def test_resolving_stops_the_timers() -> None:
    EscalationLevel.objects.all().delete()
    case = opened_case()
    with time_machine.travel(T + timedelta(hours=2), tick=False):
        case_status_change(case_id=case.pk, actor=case.owner, status="resolved")  # type: ignore[arg-type]
    assert fire(T + timedelta(days=30)) == 0
    assert sla_kinds(case) == []


def ladder(lead_reassign: str = "team_lead") -> dict[str, object]:
    """Owner at 75% → team lead at breach (reassigning) → team supervisors 2h after the breach."""
    lead = person("night-lead", "supervisor", "night")
    sup = person("night-sup", "supervisor", "night")
    Team.objects.filter(key="night").update(lead=lead)
    p2 = policy("P2", "1h", "10d", "8h")
    EscalationLevel.objects.create(policy=p2, position=1, at_fraction=0.75, notify="owner")
    EscalationLevel.objects.create(
        policy=p2, position=2, at_fraction=1, notify="team_lead", reassign=lead_reassign
    )
    EscalationLevel.objects.create(
        policy=p2, position=3, at_fraction=1, delay="2h", notify="team_supervisors"
    )
    return {"lead": lead, "sup": sup}


def test_the_escalation_ladder_fires_in_order_and_reassigns_when_configured() -> None:
    team_on("night", "always", "night-agent")
    people = ladder()
    with time_machine.travel(T, tick=False):
        case = manual_case(team="night", priority="P2")
    assert case.owner is not None and case.owner.username == "night-agent"
    # Nobody answered: first response 50/75% and breach (1h); resolution 50%, 75% and level 1 (6h).
    assert fire(T + timedelta(hours=6)) == 6
    levels = list(SlaEscalation.objects.filter(case=case).values_list("position", "notified"))
    assert levels == [(1, ["night-agent"])]
    assert fire(T + timedelta(hours=8)) == 2  # resolution breach, then level 2
    case.refresh_from_db()
    assert case.owner == people["lead"]
    assert fire(T + timedelta(hours=9, minutes=59)) == 0
    assert fire(T + timedelta(hours=10)) == 1  # level 3, 2h after the breach
    rows = list(SlaEscalation.objects.filter(case=case).order_by("at", "pk"))
    assert [(row.position, row.notified) for row in rows] == [
        (1, ["night-agent"]),
        (2, ["night-lead"]),
        (3, ["night-lead", "night-sup"]),
    ]
    assert rows[1].previous_owner is not None and rows[1].previous_owner.username == "night-agent"
    assert rows[1].reassigned_to == people["lead"] and rows[2].reassigned_to is None
    escalated = TimelineEntry.objects.filter(case=case, kind="escalated").order_by("seq")
    assert [entry.data["level"] for entry in escalated] == [1, 2, 3]
    assert escalated[1].data["reassigned_to"] == "night-lead"
    notified = TimelineEntry.objects.filter(case=case, kind="notified").order_by("seq")
    assert [entry.data["users"] for entry in notified] == [
        ["night-agent"],
        ["night-lead"],
        ["night-lead", "night-sup"],
    ]
    assert all(entry.data["template_key"] == "case_escalation" for entry in notified)
    assert fire(T + timedelta(days=3)) == 0
    assert SlaEscalation.objects.filter(case=case).count() == 3
    assert timeline_verify().broken is None


def test_a_level_without_reassignment_leaves_the_owner() -> None:
    team_on("night", "always", "night-agent")
    ladder(lead_reassign="none")
    with time_machine.travel(T, tick=False):
        case = manual_case(team="night", priority="P2")
    fire(T + timedelta(hours=11))
    case.refresh_from_db()
    assert case.owner is not None and case.owner.username == "night-agent"
    assert list(SlaEscalation.objects.filter(case=case).values_list("position", flat=True)) == [1, 2, 3]


def test_case_notify_enqueues_through_the_outbox() -> None:
    team_on("night", "always", "night-agent")
    case = manual_case(team="night")
    with_owner = Case.objects.select_related("owner").get(pk=case.pk)
    from django.db import transaction

    with transaction.atomic():
        entry = case_notify(
            case=with_owner,
            users=[with_owner.owner, with_owner.owner],  # type: ignore[list-item]
            subject="升级",
            body="已超时",
            dedupe_key="t:2",
            template_key="case_escalation",
        )
    assert entry.data["delivery"] == "outbox" and entry.data["queued"] == ["night-agent"]
