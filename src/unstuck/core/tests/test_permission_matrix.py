"""The permission matrix: every API endpoint (from the OpenAPI schema) and every page (from a walk of
the URL configuration), requested as every role, as a member of another team and anonymously.

Every route must have a row in `EXPECTED` (or be a Django admin route, checked by its own rule): a new
endpoint or page without one fails `test_every_route_has_an_expectation`, so nothing is forgotten.
The objects in the URLs belong to team `a` (process `alpha`); `other_*` are members of team `b`.
Writes are made inside a savepoint that is rolled back, so every request sees the same world.
The rules the table encodes are in docs/permissions.md.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from unstuck.accounts.services import api_token_create, integration_token_create, user_ensure
from unstuck.cases.models import Case
from unstuck.cases.routing import cases_route_stalls
from unstuck.casework.models import ChecklistItem
from unstuck.processes.services import process_load
from unstuck.stalls.services import deadlines_process_due
from unstuck.tracking.services import event_ingest_batch
from unstuck.tracking.tests.factories import T0

pytestmark = pytest.mark.django_db

PRINCIPALS = (
    "admin",
    "auditor",
    "supervisor",
    "agent",
    "integration",
    "other_supervisor",
    "other_agent",
    "anonymous",
)

PROCESS = """\
key: {key}
name: {key}
calendar: always
terminal: [done]
steps:
  - {{key: new, max_dwell: 1h, team: {team}}}
  - {{key: done}}
"""


#: Columns: admin, auditor, supervisor of team a, agent of team a, integration token for `alpha`,
#: supervisor of team b, agent of team b, anonymous. The objects in the paths are team a's (process
#: `alpha`): team b gets 404 for every one of them. Read down a column to see what a role may do.
#: Problems are shared across teams (their linked cases are filtered); ids of objects the world does
#: not hold answer 404 to everybody. `405` rows: the page takes only the other method.
#: A new endpoint or page fails `test_every_route_has_an_expectation` until it has a row here.
#: To draft rows, run this test with UNSTUCK_MATRIX_DISCOVER=/tmp/observed.txt and review the result.
TABLE = """
# method path                                                     adm aud sup agt int osu oag ano
DELETE   /api/v1/absences/{absence_id}                            404 404 404 404 403 404 404 401
GET      /                                                        200 200 200 200 302 200 200 302
GET      /api/v1/                                                 404 404 404 404 404 404 404 404
GET      /api/v1/absences                                         200 200 200 200 403 200 200 401
GET      /api/v1/action-items                                     200 200 200 200 403 200 200 401
GET      /api/v1/cases                                            200 200 200 200 403 200 200 401
GET      /api/v1/cases/{case_id}                                  200 200 200 200 403 404 404 401
GET      /api/v1/cases/{case_id}/cause                            404 404 404 404 403 404 404 401
GET      /api/v1/cases/{case_id}/checklist                        200 200 200 200 403 404 404 401
GET      /api/v1/cases/{case_id}/messages                         200 200 200 200 403 404 404 401
GET      /api/v1/cases/{case_id}/remedies                         200 200 200 200 403 404 404 401
GET      /api/v1/cases/{case_id}/survey                           404 404 404 404 403 404 404 401
GET      /api/v1/cases/{case_id}/updates                          404 404 404 404 403 404 404 401
GET      /api/v1/cause-categories                                 200 200 200 200 403 200 200 401
GET      /api/v1/csat                                             422 422 422 422 403 422 422 401
GET      /api/v1/docs                                             200 200 200 200 200 200 200 302
GET      /api/v1/health                                           200 200 200 200 200 200 200 200
GET      /api/v1/incidents/{incident_id}                          200 200 200 200 403 404 404 401
GET      /api/v1/insights/bottlenecks                             200 200 200 200 403 200 200 401
GET      /api/v1/insights/cases/{case_id}/outlook                 200 200 200 200 403 404 404 401
GET      /api/v1/insights/models                                  200 200 200 403 403 200 403 401
GET      /api/v1/insights/recurring-causes                        200 200 200 403 403 200 403 401
GET      /api/v1/me                                               200 200 200 200 200 200 200 401
GET      /api/v1/openapi.json                                     200 200 200 200 200 200 200 302
GET      /api/v1/problems                                         200 200 200 200 403 200 200 401
GET      /api/v1/problems/{problem_id}                            200 200 200 200 403 200 200 401
GET      /api/v1/processes                                        200 200 200 200 200 200 200 401
GET      /api/v1/processes/{key}                                  200 200 200 200 200 404 404 401
GET      /api/v1/processes/{key}/log.csv                          200 200 200 200 200 404 404 401
GET      /api/v1/processes/{key}/log.xes                          200 200 200 200 200 404 404 401
GET      /api/v1/processes/{key}/stalled                          200 200 200 200 200 404 404 401
GET      /api/v1/processes/{process}/items/{item}                 200 200 200 200 200 404 404 401
GET      /api/v1/sla/policies                                     200 200 200 200 403 200 200 401
GET      /api/v1/stalls                                           200 200 200 200 200 200 200 401
GET      /api/v1/{path}                                           404 404 404 404 404 404 404 404
GET      /brief/                                                  200 200 200 403 302 200 403 302
GET      /brief/subscribe/                                        405 405 405 405 302 405 405 302
GET      /cases/{case_id}/                                        200 200 200 200 302 404 404 302
GET      /cases/{case_id}/assign/                                 405 405 405 405 405 405 405 405
GET      /cases/{case_id}/notes/                                  405 405 405 405 405 405 405 405
GET      /cases/{case_id}/status/                                 405 405 405 405 405 405 405 405
GET      /cases/{case_id}/timeline/                               400 400 400 400 302 404 404 302
GET      /casework/cases/{case_id}/cause/                         405 405 405 405 302 405 405 302
GET      /casework/cases/{case_id}/checklist/{item_id}/tick/      405 405 405 405 302 405 405 302
GET      /casework/cases/{case_id}/panel/                         200 200 200 200 302 404 404 302
GET      /casework/cases/{case_id}/problem/                       405 405 405 405 302 405 405 302
GET      /casework/cases/{case_id}/remedies/                      405 405 405 405 302 405 405 302
GET      /casework/cases/{case_id}/review/                        405 405 405 405 302 405 405 302
GET      /casework/incidents/                                     200 403 200 403 302 200 403 302
GET      /casework/incidents/new/                                 200 403 200 403 302 200 403 302
GET      /casework/incidents/preview/                             405 405 405 405 302 405 405 302
GET      /casework/incidents/{incident_id}/                       200 200 200 200 302 404 404 302
GET      /casework/problems/                                      200 200 200 200 302 200 200 302
GET      /casework/problems/{problem_id}/                         200 200 200 200 302 200 200 302
GET      /casework/remedies/{remedy_id}/decide/                   405 405 405 405 302 405 405 302
GET      /i18n/setlang/                                           302 302 302 302 302 302 302 302
GET      /insights/bottlenecks/                                   200 200 200 200 302 200 200 302
GET      /insights/qa/                                            200 200 200 200 302 200 200 302
GET      /insights/qa/agents/{agent_id}/                          404 404 404 404 302 404 404 302
GET      /insights/qa/samples/{sample_id}/                        404 404 404 404 302 404 404 302
GET      /insights/recurring/{proposal_id}/                       405 405 405 405 405 405 405 405
GET      /insights/warnings/                                      200 200 200 200 302 200 200 302
GET      /insights/warnings/{warning_id}/incident/                405 405 405 405 405 405 405 405
GET      /items/{process}/{item}/                                 200 200 200 200 302 404 404 302
GET      /login/                                                  302 302 302 302 200 302 302 200
GET      /logout/                                                 405 405 405 405 405 405 405 405
GET      /messaging/cases/{case_id}/preview/                      405 405 405 405 302 405 405 302
GET      /messaging/cases/{case_id}/send/                         405 405 405 405 302 405 405 302
GET      /messaging/notifications/                                200 200 200 200 302 200 200 302
GET      /messaging/quarantine/                                   200 200 200 403 302 200 403 302
GET      /messaging/quarantine/{quarantine_id}/attach/            405 405 405 405 302 405 405 302
GET      /messaging/quarantine/{quarantine_id}/discard/           405 405 405 405 302 405 405 302
GET      /p/c/{token}/                                            400 400 400 400 400 400 400 400
GET      /p/cases/{case_id}/customer-update/                      405 405 405 405 302 405 405 302
GET      /p/cases/{case_id}/updates/pause/                        405 405 405 405 302 405 405 302
GET      /p/cases/{case_id}/updates/resume/                       405 405 405 405 302 405 405 302
GET      /p/q/{token}/                                            400 400 400 400 400 400 400 400
GET      /p/s/{token}/                                            400 400 400 400 400 400 400 400
GET      /queue/                                                  200 200 200 200 302 200 200 302
GET      /queue/views/                                            405 405 405 405 405 405 405 405
GET      /queue/views/{view_id}/delete/                           405 405 405 405 405 405 405 405
GET      /settings/                                               200 200 403 403 302 403 403 302
GET      /settings/calendars/                                     200 200 403 403 302 403 403 302
GET      /settings/calendars/{key}/                               404 404 403 403 302 403 403 302
GET      /settings/channels/                                      200 200 403 403 302 403 403 302
GET      /settings/channels/{key}/                                404 404 403 403 302 403 403 302
GET      /settings/channels/{key}/test/                           405 405 405 405 405 405 405 405
GET      /settings/messages/{message_id}/status/                  404 404 403 403 302 403 403 302
GET      /settings/playbooks/                                     200 200 403 403 302 403 403 302
GET      /settings/playbooks/new/                                 200 200 403 403 302 403 403 302
GET      /settings/playbooks/{key}/                               404 404 403 403 302 403 403 302
GET      /settings/processes/                                     200 403 403 403 302 403 403 302
GET      /settings/processes/new/                                 200 403 403 403 302 403 403 302
GET      /settings/processes/{key}/                               200 403 403 403 302 403 403 302
GET      /settings/sla/                                           200 200 403 403 302 403 403 302
GET      /settings/sla/{priority}/                                200 200 403 403 302 403 403 302
GET      /settings/teams/                                         200 200 403 403 302 403 403 302
GET      /settings/teams/{key}/                                   404 404 403 403 302 403 403 302
GET      /settings/teams/{key}/absences/                          404 404 403 403 302 403 403 302
GET      /settings/templates/                                     200 200 403 403 302 403 403 302
GET      /settings/templates/new/                                 200 200 403 403 302 403 403 302
GET      /settings/templates/preview/                             405 405 405 405 405 405 405 405
GET      /settings/templates/{template_id}/                       404 404 403 403 302 403 403 302
GET      /settings/tokens/                                        200 403 403 403 302 403 403 302
GET      /settings/tokens/{token_id}/revoke/                      405 405 405 405 405 405 405 405
GET      /settings/users/                                         200 200 403 403 302 403 403 302
GET      /settings/users/new/                                     200 200 403 403 302 403 403 302
GET      /settings/users/{username}/                              200 200 403 403 302 403 403 302
GET      /wall/                                                   200 200 200 403 302 200 403 302
POST     /                                                        200 200 200 200 302 200 200 302
POST     /api/v1/absences                                         201 403 201 201 403 201 201 401
POST     /api/v1/action-items                                     201 403 201 201 403 404 404 401
POST     /api/v1/action-items/{item_id}/complete                  200 403 200 200 403 404 404 401
POST     /api/v1/cases                                            201 403 201 201 403 404 404 401
POST     /api/v1/cases/{case_id}/assign                           200 403 200 200 403 404 404 401
POST     /api/v1/cases/{case_id}/checklist/{item_id}/tick         200 403 200 200 403 404 404 401
POST     /api/v1/cases/{case_id}/customer-update                  201 403 201 201 403 404 404 401
POST     /api/v1/cases/{case_id}/notes                            201 403 201 201 403 404 404 401
POST     /api/v1/cases/{case_id}/remedies                         201 403 201 201 403 404 404 401
POST     /api/v1/cases/{case_id}/review                           409 403 409 409 403 404 404 401
POST     /api/v1/cases/{case_id}/status                           200 403 200 200 403 404 404 401
POST     /api/v1/cases/{case_id}/updates/pause                    404 403 404 403 403 404 404 401
POST     /api/v1/cases/{case_id}/updates/resume                   404 403 404 403 403 404 404 401
POST     /api/v1/events                                           200 403 200 403 200 200 403 401
POST     /api/v1/inbound/email                                    400 403 400 403 403 400 403 401
POST     /api/v1/incidents                                        409 403 409 403 403 409 403 401
POST     /api/v1/incidents/preview                                200 403 200 403 403 200 403 401
POST     /api/v1/incidents/{incident_id}/notices                  422 422 422 422 403 422 422 401
POST     /api/v1/incidents/{incident_id}/remedies                 422 422 422 422 403 422 422 401
POST     /api/v1/incidents/{incident_id}/status                   422 422 422 422 403 422 422 401
POST     /api/v1/insights/recurring-causes/{proposal_id}/accept   404 403 404 403 403 404 403 401
POST     /api/v1/insights/recurring-causes/{proposal_id}/dismiss  404 403 404 403 403 404 403 401
POST     /api/v1/problems                                         201 403 201 403 403 201 403 401
POST     /api/v1/problems/{problem_id}                            200 403 200 403 403 200 403 401
POST     /api/v1/problems/{problem_id}/action-items               422 422 422 422 403 422 422 401
POST     /api/v1/problems/{problem_id}/cases                      201 403 201 201 403 404 404 401
POST     /api/v1/processes                                        200 403 403 403 403 403 403 401
POST     /api/v1/remedies/{remedy_id}/approve                     409 403 409 409 403 404 404 401
POST     /api/v1/remedies/{remedy_id}/reject                      409 403 409 409 403 404 404 401
POST     /brief/                                                  200 200 200 403 302 200 403 302
POST     /brief/subscribe/                                        302 302 302 302 302 302 302 302
POST     /cases/{case_id}/                                        200 200 200 200 302 404 404 302
POST     /cases/{case_id}/assign/                                 400 403 302 302 302 404 404 302
POST     /cases/{case_id}/notes/                                  400 403 400 400 302 404 404 302
POST     /cases/{case_id}/status/                                 400 403 400 400 302 404 404 302
POST     /cases/{case_id}/timeline/                               400 400 400 400 302 404 404 302
POST     /casework/cases/{case_id}/cause/                         302 403 302 302 302 404 404 302
POST     /casework/cases/{case_id}/checklist/{item_id}/tick/      302 403 302 302 302 404 404 302
POST     /casework/cases/{case_id}/panel/                         405 405 405 405 302 405 405 302
POST     /casework/cases/{case_id}/problem/                       302 403 302 302 302 404 404 302
POST     /casework/cases/{case_id}/remedies/                      302 403 302 302 302 404 404 302
POST     /casework/cases/{case_id}/review/                        302 403 302 302 302 404 404 302
POST     /casework/incidents/                                     405 405 405 405 302 405 405 302
POST     /casework/incidents/new/                                 200 403 200 403 302 200 403 302
POST     /casework/incidents/preview/                             200 403 200 403 302 200 403 302
POST     /casework/incidents/{incident_id}/                       302 302 302 302 302 404 404 302
POST     /casework/problems/                                      302 403 302 403 302 302 403 302
POST     /casework/problems/{problem_id}/                         302 302 302 302 302 302 302 302
POST     /casework/remedies/{remedy_id}/decide/                   302 403 302 302 302 404 404 302
POST     /i18n/setlang/                                           302 302 302 302 302 302 302 302
POST     /insights/bottlenecks/                                   200 200 200 200 302 200 200 302
POST     /insights/qa/                                            200 200 200 200 302 200 200 302
POST     /insights/qa/agents/{agent_id}/                          404 404 404 404 302 404 404 302
POST     /insights/qa/samples/{sample_id}/                        404 404 404 404 302 404 404 302
POST     /insights/recurring/{proposal_id}/                       302 302 302 302 302 302 302 302
POST     /insights/warnings/                                      200 200 200 200 302 200 200 302
POST     /insights/warnings/{warning_id}/incident/                404 404 404 404 302 404 404 302
POST     /items/{process}/{item}/                                 200 200 200 200 302 404 404 302
POST     /login/                                                  302 302 302 302 200 302 302 200
POST     /logout/                                                 302 302 302 302 302 302 302 302
POST     /messaging/cases/{case_id}/preview/                      200 200 200 200 302 404 404 302
POST     /messaging/cases/{case_id}/send/                         400 403 400 400 302 404 404 302
POST     /messaging/notifications/                                302 302 302 302 302 302 302 302
POST     /messaging/quarantine/                                   200 200 200 403 302 200 403 302
POST     /messaging/quarantine/{quarantine_id}/attach/            404 403 404 403 302 404 403 302
POST     /messaging/quarantine/{quarantine_id}/discard/           404 403 404 403 302 404 403 302
POST     /p/c/{token}/                                            400 400 400 400 400 400 400 400
POST     /p/cases/{case_id}/customer-update/                      400 403 400 400 302 404 404 302
POST     /p/cases/{case_id}/updates/pause/                        400 403 400 403 302 404 404 302
POST     /p/cases/{case_id}/updates/resume/                       404 403 404 403 302 404 404 302
POST     /p/q/{token}/                                            400 400 400 400 400 400 400 400
POST     /p/s/{token}/                                            405 405 405 405 405 405 405 405
POST     /queue/                                                  200 200 200 200 302 200 200 302
POST     /queue/views/                                            400 400 400 400 302 400 400 302
POST     /queue/views/{view_id}/delete/                           404 404 404 404 302 404 404 302
POST     /settings/                                               200 403 403 403 302 403 403 302
POST     /settings/calendars/                                     200 403 403 403 302 403 403 302
POST     /settings/calendars/{key}/                               404 403 403 403 302 403 403 302
POST     /settings/channels/                                      200 403 403 403 302 403 403 302
POST     /settings/channels/{key}/                                404 403 403 403 302 403 403 302
POST     /settings/channels/{key}/test/                           404 403 403 403 302 403 403 302
POST     /settings/messages/{message_id}/status/                  404 403 403 403 302 403 403 302
POST     /settings/playbooks/                                     200 403 403 403 302 403 403 302
POST     /settings/playbooks/new/                                 400 403 403 403 302 403 403 302
POST     /settings/playbooks/{key}/                               404 403 403 403 302 403 403 302
POST     /settings/processes/                                     200 403 403 403 302 403 403 302
POST     /settings/processes/new/                                 400 403 403 403 302 403 403 302
POST     /settings/processes/{key}/                               400 403 403 403 302 403 403 302
POST     /settings/sla/                                           200 403 403 403 302 403 403 302
POST     /settings/sla/{priority}/                                400 403 403 403 302 403 403 302
POST     /settings/teams/                                         200 403 403 403 302 403 403 302
POST     /settings/teams/{key}/                                   404 403 403 403 302 403 403 302
POST     /settings/teams/{key}/absences/                          404 403 403 403 302 403 403 302
POST     /settings/templates/                                     200 403 403 403 302 403 403 302
POST     /settings/templates/new/                                 400 403 403 403 302 403 403 302
POST     /settings/templates/preview/                             200 403 403 403 302 403 403 302
POST     /settings/templates/{template_id}/                       404 403 403 403 302 403 403 302
POST     /settings/tokens/                                        400 403 403 403 302 403 403 302
POST     /settings/tokens/{token_id}/revoke/                      404 403 403 403 302 403 403 302
POST     /settings/users/                                         200 403 403 403 302 403 403 302
POST     /settings/users/new/                                     400 403 403 403 302 403 403 302
POST     /settings/users/{username}/                              400 403 403 403 302 403 403 302
POST     /wall/                                                   200 200 200 403 302 200 403 302
PUT      /api/v1/cases/{case_id}/cause                            200 403 200 200 403 404 404 401
"""


def _expectations() -> dict[tuple[str, str], dict[str, frozenset[int]]]:
    expected = {}
    for line in TABLE.strip().splitlines():
        if line.startswith("#"):
            continue
        method, path, *statuses = line.split()
        assert len(statuses) == len(PRINCIPALS), line
        expected[method, path] = {
            principal: frozenset(int(code) for code in cell.split("|"))
            for principal, cell in zip(PRINCIPALS, statuses, strict=True)
        }
    return expected


EXPECTED = _expectations()


def _route_to_path(route: str) -> str:
    """`cases/<int:case_id>/` -> `/cases/{case_id}/` (the OpenAPI form)."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def _walk(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, route)
        else:
            yield route, entry


def url_routes() -> dict[str, URLPattern]:
    """Every route of the URL configuration, as `/path/{param}/`, except the Django admin's."""
    routes = {}
    for route, pattern in _walk(get_resolver()):
        if route.startswith("admin/"):
            continue
        routes[_route_to_path(route.removeprefix("^").removesuffix("$"))] = pattern
    return routes


def api_operations(client: Client) -> set[tuple[str, str]]:
    with override_settings(UNSTUCK_API_DOCS_PUBLIC=True):  # the schema needs sign-in otherwise
        schema = client.get("/api/v1/openapi.json").json()
    return {(method.upper(), path) for path, item in schema["paths"].items() for method in item}


@dataclass
class World:
    clients: dict[str, Client]
    headers: dict[str, dict[str, Any]]
    params: dict[str, str]
    bodies: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


def build_world() -> World:
    process_load(source=PROCESS.format(key="alpha", team="a"))
    process_load(source=PROCESS.format(key="beta", team="b"))
    customer = {"id": "C-A", "name": "王女士", "phone": "13800000000", "email": "wang@example.com"}
    event_ingest_batch(
        events=[
            {"process": "alpha", "item": "A1", "step": "new", "at": T0.isoformat(), "customer": customer},
            {"process": "beta", "item": "B1", "step": "new", "at": T0.isoformat()},
        ]
    )
    now = T0 + timedelta(hours=3)
    while deadlines_process_due(now=now, batch=50).items:
        pass
    while cases_route_stalls(batch=50).stalls:
        pass
    users = {
        "admin": user_ensure(username="m-admin", role="admin"),
        "auditor": user_ensure(username="m-auditor", role="auditor"),
        "supervisor": user_ensure(username="m-sup-a", role="supervisor", team_key="a"),
        "agent": user_ensure(username="m-agent-a", role="agent", team_key="a"),
        "other_supervisor": user_ensure(username="m-sup-b", role="supervisor", team_key="b"),
        "other_agent": user_ensure(username="m-agent-b", role="agent", team_key="b"),
    }
    headers: dict[str, dict[str, Any]] = {"anonymous": {}}
    clients: dict[str, Client] = {"anonymous": Client()}
    for name, user in users.items():
        headers[name] = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)[1]}"}
        clients[name] = Client()
        clients[name].force_login(user)
    token, raw = integration_token_create(name="erp", process_keys=["alpha"])
    headers["integration"] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    clients["integration"] = Client()
    clients["integration"].force_login(token.user)
    case = Case.objects.get(item__external_id="A1")
    made = _team_a_objects(headers["admin"], case.pk)
    checklist_item = ChecklistItem.objects.filter(case=case).order_by("pk").first()
    params = {
        **made,
        "checklist_item_id": str(checklist_item.pk) if checklist_item else MISSING_ID,
        "case_id": str(case.pk),
        "process": "alpha",
        "item": "A1",
        "key": "alpha",
        "username": "m-agent-a",
        "priority": "P1",
        "token": "not-a-signed-token",
    }
    return World(clients, headers, params, bodies(params))


MISSING_ID = "999999"


def _team_a_objects(admin: dict[str, Any], case_id: int) -> dict[str, str]:
    """A remedy, an incident, a problem and an action item of team a's case, made through the API."""

    def post(path: str, body: dict[str, Any]) -> str:
        response = Client().post(path, body, content_type="application/json", **admin)
        assert response.status_code == 201, (path, response.content)
        return str(response.json()["id"])

    remedy = post(f"/api/v1/cases/{case_id}/remedies", {"kind": "coupon", "amount": "10"})
    problem = post("/api/v1/problems", {"title": "反复延误", "owner": "m-sup-a"})
    post(f"/api/v1/problems/{problem}/cases", {"case": case_id})
    action = post(
        "/api/v1/action-items",
        {"title": "回访", "owner": "m-agent-a", "due_date": "2026-12-31", "case": case_id},
    )
    incident = post("/api/v1/incidents", {"title": "仓库停电", "process": "alpha"})
    return {"remedy_id": remedy, "problem_id": problem, "incident_id": incident, "action_item_id": action}


def _fill(path: str, world: World) -> str:
    # `{item_id}` is a checklist item under a case, an action item elsewhere.
    checklist = "/checklist/" in path

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "item_id":
            name = "checklist_item_id" if checklist else "action_item_id"
        return world.params.get(name) or MISSING_ID

    return re.sub(r"\{(\w+)\}", value, path)


def bodies(params: dict[str, str]) -> dict[tuple[str, str], dict[str, Any]]:
    """Valid request bodies for the API's writes, so that a refusal is about who asks, not about the
    body (a body the schema refuses would answer 422 to everyone)."""
    case = int(params["case_id"])
    event = {"process": "alpha", "item": "A2", "step": "new", "at": T0.isoformat()}
    return {
        ("POST", "/api/v1/absences"): {"starts": "2026-12-20", "ends": "2026-12-21"},
        ("POST", "/api/v1/action-items"): {
            "title": "回访",
            "owner": "m-agent-a",
            "due_date": "2026-12-31",
            "case": case,
        },
        ("POST", "/api/v1/cases"): {
            "type": "complaint",
            "title": "投诉",
            "team": "a",
            "process": "alpha",
            "item": "A1",
        },
        ("PUT", "/api/v1/cases/{case_id}/cause"): {"category": "external"},
        ("POST", "/api/v1/cases/{case_id}/customer-update"): {"reason": "仓库延误"},
        ("POST", "/api/v1/cases/{case_id}/notes"): {"text": "已联系"},
        ("POST", "/api/v1/cases/{case_id}/remedies"): {"kind": "coupon", "amount": "10"},
        ("POST", "/api/v1/cases/{case_id}/review"): {"notes": "复盘"},
        ("POST", "/api/v1/cases/{case_id}/status"): {"status": "resolved"},
        ("POST", "/api/v1/cases/{case_id}/updates/pause"): {"reason": "客户要求"},
        ("POST", "/api/v1/events"): {"events": [event]},
        ("POST", "/api/v1/incidents"): {"title": "仓库停电", "process": "alpha"},
        ("POST", "/api/v1/incidents/preview"): {"process": "alpha"},
        ("POST", "/api/v1/problems"): {"title": "反复延误", "owner": "m-sup-a"},
        ("POST", "/api/v1/problems/{problem_id}/cases"): {"case": case},
        ("POST", "/api/v1/processes"): {"source": PROCESS.format(key="alpha", team="a")},
    }


def _request(world: World, principal: str, method: str, path: str) -> int:
    is_api = path.startswith("/api/")
    url = _fill(path, world)
    client = Client() if is_api else world.clients[principal]
    kwargs: dict[str, Any] = dict(world.headers[principal]) if is_api else {}
    body = world.bodies.get((method, path), {})
    cookies = client.cookies
    client.cookies = cookies.__class__(cookies)  # a sign-out on this request must not stick
    sid = transaction.savepoint()
    try:
        if method == "GET":
            response = client.get(url, **kwargs)
        elif is_api:
            response = client.generic(
                method, url, data=json.dumps(body), content_type="application/json", **kwargs
            )
        else:
            response = client.post(url, data=body, **kwargs)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
        return response.status_code
    finally:
        transaction.savepoint_rollback(sid)
        client.cookies = cookies


def _operations(client: Client) -> list[tuple[str, str]]:
    ops = set(api_operations(client))
    documented = {path for _method, path in ops}
    for path in url_routes():
        if path.startswith("/api/"):
            if path not in documented:  # the docs page and the schema itself
                ops.add(("GET", path))
            continue
        ops.add(("GET", path))
        ops.add(("POST", path))
    return sorted(ops)


def test_every_route_has_an_expectation() -> None:
    """Every API operation in the OpenAPI schema and every page of the URL configuration (both
    methods) has a row in TABLE, and every row is still a route."""
    operations = set(_operations(Client()))
    missing = sorted(operations - set(EXPECTED))
    stale = sorted(set(EXPECTED) - operations)
    assert not missing, "routes without a row in TABLE (add one): " + ", ".join(" ".join(m) for m in missing)
    assert not stale, "rows in TABLE that are no route any more: " + ", ".join(" ".join(s) for s in stale)


def test_permission_matrix() -> None:
    """Each route as each principal: the status TABLE says, and never a server error."""
    world = build_world()
    discover = os.environ.get("UNSTUCK_MATRIX_DISCOVER")
    failures = []
    observed: dict[tuple[str, str], dict[str, int]] = {}
    for method, path in _operations(Client()):
        spec = EXPECTED.get((method, path))
        observed[method, path] = {}
        for principal in PRINCIPALS:
            status = _request(world, principal, method, path)
            observed[method, path][principal] = status
            if status >= 500:
                failures.append(f"{method} {path} as {principal}: {status}")
            elif spec is not None and status not in spec[principal]:
                failures.append(
                    f"{method} {path} as {principal}: {status}, expected {sorted(spec[principal])}"
                )
    if discover:
        with open(discover, "w") as out:
            for (method, path), row in observed.items():
                out.write(f"{method} {path} " + " ".join(f"{p}={s}" for p, s in row.items()) + "\n")
    assert not failures, "\n".join(failures)


def test_the_django_admin_site_is_for_superusers_only() -> None:
    """The admin/ routes (Django's own, generated per model) are covered by one rule instead of rows:
    every index and list page sends anyone who is not staff to its sign-in, whatever their role."""
    from django.contrib import admin
    from django.contrib.auth import get_user_model

    people = {
        role: user_ensure(username=f"site-{role}", role=role, team_key="a")
        for role in ("admin", "auditor", "supervisor", "agent")
    }
    superuser = get_user_model().objects.create_superuser(username="site-root", password="x")
    paths = ["/admin/"] + [
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/" for model in admin.site._registry
    ]
    clients = {"anonymous": Client()}
    for role, user in people.items():
        clients[role] = Client()
        clients[role].force_login(user)
    root = Client()
    root.force_login(superuser)
    for path in paths:
        for name, client in clients.items():
            response = client.get(path)
            assert response.status_code == 302, (path, name, response.status_code)
            assert response["Location"].startswith("/admin/login/"), (path, name)
        assert root.get(path).status_code == 200, path


def test_an_integration_token_only_pushes_events_and_reads_its_processes() -> None:
    """Writes and reads outside its processes' events, items, stalls and logs answer 403 `forbidden`."""
    process_load(source=PROCESS.format(key="alpha", team="a"))
    _token, raw = integration_token_create(name="erp", process_keys=["alpha"])
    auth: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client = Client()
    absence = {"starts": "2026-12-20", "ends": "2026-12-21"}
    response = client.post("/api/v1/absences", absence, content_type="application/json", **auth)
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "forbidden"
    for path in ("/api/v1/absences", "/api/v1/cases", "/api/v1/problems", "/api/v1/sla/policies"):
        assert client.get(path, **auth).status_code == 403, path
    assert client.get("/api/v1/processes/alpha/stalled", **auth).status_code == 200
    assert client.get("/api/v1/stalls", **auth).status_code == 200


def test_an_integration_has_no_desk_session() -> None:
    """Even with a password set on its service user, an integration cannot sign in to the desk, and a
    session made for it some other way is not honoured."""
    process_load(source=PROCESS.format(key="alpha", team="a"))
    token, _raw = integration_token_create(name="erp", process_keys=["alpha"])
    token.user.set_password("a long enough secret 42")
    token.user.save()
    client = Client()
    secret = {"username": token.user.username, "password": "a long enough secret 42"}
    response = client.post("/login/", secret)
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session
    client.force_login(token.user)
    response = client.get("/queue/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_auditor_reads_the_calendars_but_does_not_change_them() -> None:
    """Calendars are read-only for auditors, like the other settings screens (docs/permissions.md)."""
    from unstuck.calendars.business_time import calendar_keys

    key = sorted(calendar_keys())[0]
    client = Client()
    client.force_login(user_ensure(username="cal-auditor", role="auditor"))
    assert client.get("/settings/calendars/").status_code == 200
    page = client.get(f"/settings/calendars/{key}/")
    assert page.status_code == 200
    assert b'name="action"' not in page.content  # no override or verify form
    change = {"action": "set", "day": "2026-12-25", "kind": "off"}
    assert client.post(f"/settings/calendars/{key}/", change).status_code == 403
