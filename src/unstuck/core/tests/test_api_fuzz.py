"""Fuzz every documented API operation from our own OpenAPI schema (schemathesis, WSGI in-process).

Each example is sent as one of the roles (admin, supervisor, agent, auditor) or anonymously, and half
of the time with path parameters that name real rows (a process, an item, a case, a problem, an
action item, a remedy, an incident, an absence), so the fuzzer reaches the handlers and not only
their 404s. Every answer must be: no 5xx, a documented status
code, and a body that matches its documented schema and content type.

Examples per operation are capped (`FUZZ_EXAMPLES`) and derandomized, so CI runs the same requests
each time; to search harder locally, set `UNSTUCK_FUZZ_EXAMPLES=60` and `UNSTUCK_FUZZ_RANDOM=1`
(new inputs each run).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from unstuck.accounts.services import absence_create
from unstuck.api import api
from unstuck.casework.models import Incident
from unstuck.casework.services import action_item_add, incident_create, problem_create, remedy_add
from unstuck.casework.tests.factories import bearer, person, stalled_cases

FUZZ_EXAMPLES = int(os.environ.get("UNSTUCK_FUZZ_EXAMPLES", "20"))
ROLES = ["admin", "supervisor", "agent", "auditor", "anonymous"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = WSGIHandler()
# The inbound-mail endpoint takes a raw RFC 822 message: text on the wire.
schemathesis.serializer.alias("message/rfc822", "text/plain")


@pytest.fixture
def in_test_transaction() -> Iterator[None]:
    """Keep the WSGI handler from closing the test's connection (Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(db: None, in_test_transaction: None) -> dict[str, Any]:
    """People of every role with tokens, and real rows the path parameters can name."""
    people = {
        "admin": person("fz-admin", "admin"),
        "supervisor": person("fz-lead", "supervisor", "intake"),
        "agent": person("fz-agent", "agent", "intake"),
        "auditor": person("fz-auditor", "auditor"),
    }
    cases = stalled_cases(("fz-1", {"warehouse": "上海仓"}), ("fz-2", {}), ("fz-3", {}))
    admin, lead = people["admin"], people["supervisor"]
    problem = problem_create(actor=admin, title="上海仓反复断网", owner_username=lead.username)
    action_item = action_item_add(
        actor=admin,
        title="换交换机",
        owner_username=lead.username,
        due_date=date(2026, 12, 31),
        problem_id=problem.pk,
    )
    remedy = remedy_add(case_id=cases[0].pk, actor=lead, kind="refund", amount="20.00")
    parent = incident_create(
        actor=admin, title="上海仓系统故障", process="simple", attrs={"warehouse": "上海仓"}
    )
    absence = absence_create(
        actor=admin, user=people["agent"], starts=date(2026, 12, 24), ends=date(2026, 12, 26)
    )
    real = {
        "key": "simple",
        "process": "simple",
        "item": "fz-1",
        "case_id": cases[1].pk,
        "problem_id": problem.pk,
        "item_id": action_item.pk,
        "remedy_id": remedy.pk,
        "incident_id": Incident.objects.get(parent=parent).pk,
        "absence_id": absence.pk,
    }
    headers = {role: bearer(user) for role, user in people.items()} | {"anonymous": {}}
    return {"headers": headers, "real": real}


@pytest.mark.slow
@schema.parametrize()
@schema.given(role=st.sampled_from(ROLES), use_real_rows=st.booleans())
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("UNSTUCK_FUZZ_RANDOM"),
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_generated_request_as_documented(
    case: Any, role: str, use_real_rows: bool, fuzz_world: dict[str, Any]
) -> None:
    if use_real_rows and case.path_parameters:
        for name in case.path_parameters:
            if name in fuzz_world["real"]:
                case.path_parameters[name] = fuzz_world["real"][name]
    headers = fuzz_world["headers"][role]
    response = case.call(base_url="http://testserver", headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)
