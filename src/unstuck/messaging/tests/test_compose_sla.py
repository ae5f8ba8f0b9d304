"""An agent's message to the customer is a customer update for the case's SLA clocks."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from unstuck.cases.sla_models import SlaClock, SlaTarget
from unstuck.cases.tests.factories import person
from unstuck.messaging.compose import case_message_send
from unstuck.messaging.models import Message
from unstuck.messaging.tests.factories import case_with_customer

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

#: Tuesday 2026-11-24 10:00 in Shanghai: the clocks run in business hours.
MORNING = time_machine.travel("2026-11-24 10:00 +08:00", tick=False)


def _clock(case_id: int, target: str) -> SlaClock:
    return SlaClock.objects.get(case_id=case_id, target=target)


def _send(case_id: int, token: str, channel: str | None = None) -> Message | None:
    from unstuck.cases.models import Case

    return case_message_send(
        case=Case.objects.get(pk=case_id),
        actor=person("li", "agent", "intake"),
        template_key="case_reply",
        extra={"message": "我们已加急处理", "reason": "仓库系统故障", "eta": "明天 18:00"},
        channel=channel,
        token=token,
    )


@MORNING
def test_a_message_that_can_go_meets_the_first_response_and_restarts_the_next_update_clock() -> None:
    case = case_with_customer()
    assert _clock(case.pk, SlaTarget.NEXT_UPDATE).started_at is None  # waits for the first response
    with time_machine.travel("2026-11-24 11:00 +08:00", tick=False):
        assert _send(case.pk, "first") is not None
        first = _clock(case.pk, SlaTarget.FIRST_RESPONSE)
        update = _clock(case.pk, SlaTarget.NEXT_UPDATE)
        assert first.met_at is not None and first.met_at.astimezone(ZoneInfo("Asia/Shanghai")).hour == 11
        assert update.started_at == first.met_at
        cycle = update.cycle
    with time_machine.travel("2026-11-24 15:00 +08:00", tick=False):
        assert _send(case.pk, "second") is not None
        update = _clock(case.pk, SlaTarget.NEXT_UPDATE)
        assert update.cycle == cycle + 1 and update.started_at == first.met_at + timedelta(hours=4)
        assert update.due_at is not None and update.due_at > update.started_at


@MORNING
def test_a_message_that_cannot_reach_the_customer_changes_no_clock() -> None:
    case = case_with_customer(channel="wecom", email="", phone="")
    message = _send(case.pk, "dead")
    assert message is not None and message.status == Message.Status.DEAD
    assert _clock(case.pk, SlaTarget.FIRST_RESPONSE).met_at is None
    assert _clock(case.pk, SlaTarget.NEXT_UPDATE).started_at is None
