"""Where a confirmation moves an item: `confirmation.then` in the process file (checked at load),
else the next listed step; and what the customer is told while a colleague has to confirm."""

from __future__ import annotations

import pytest
from django.utils import timezone

from unstuck.portal.customer_words import honest_update
from unstuck.portal.services import confirmation_target
from unstuck.portal.tests.factories import (
    DISPATCH,
    ago,
    case_of,
    load_dispatch,
    push,
    stalled_item,
    worker_round,
)
from unstuck.processes.definition import ProcessDefinitionError, parse_process_definition
from unstuck.tracking.models import Item

pytestmark = pytest.mark.django_db


def test_then_must_name_a_step_of_the_process() -> None:
    with pytest.raises(ProcessDefinitionError) as error:
        parse_process_definition(DISPATCH.replace("then: done", "then: nowhere"))
    assert error.value.path == "steps[3].confirmation.then"
    assert error.value.line == 13 and "'nowhere' is not a step" in error.value.message
    definition = parse_process_definition(DISPATCH)
    assert definition.steps[3].confirmation is not None and definition.steps[3].confirmation.then == "done"


def test_the_target_is_then_else_the_next_step() -> None:
    load_dispatch()
    item = stalled_item()
    assert confirmation_target(item, "awaiting_confirmation") == "confirmed"
    assert confirmation_target(item, "qa_check") == "done"


def test_a_colleague_s_confirmation_is_not_the_customer_s() -> None:
    load_dispatch()
    push("B-7", "qa_check", ago(3), customer={"id": "C-7", "name": "李先生"})
    worker_round()
    item = Item.objects.get(external_id="B-7")
    update = honest_update(item=item, case=case_of(item), now=timezone.now())
    assert "等待您的确认" not in update.reason and "质检确认" in update.reason
