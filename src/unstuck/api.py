"""The versioned HTTP API (`/api/v1/`): one NinjaAPI that every app's `router` is added to.

It stands above every app, next to `urls.py`, so that no app has to import the apps above it
(the layers in pyproject.toml's `[tool.importlinter]`). An app adds endpoints with a module-level
`router = ninja.Router(tags=["<app>"])` in its `api.py`, listed in `ROUTERS` below.

Every endpoint requires authentication (`API_AUTH`: bearer token or browser session) unless it
says `auth=None`, and every error is JSON `{"code", "message"}` (see `core.api_errors`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from ninja import Router

from unstuck.accounts import api as accounts_api
from unstuck.accounts.auth import API_AUTH, bearer_auth
from unstuck.cases import api as cases_api
from unstuck.casework import api as casework_api
from unstuck.core import api as core_api
from unstuck.core.api_errors import install_error_handlers
from unstuck.core.nul_guard import NulRefusingParser
from unstuck.insights import api as insights_api
from unstuck.insights import api_ml as insights_api_ml
from unstuck.insights import api_recurring as insights_api_recurring
from unstuck.messaging import api as messaging_api
from unstuck.portal import api as portal_api
from unstuck.processes import api as processes_api
from unstuck.stalls import api as stalls_api
from unstuck.tracking import api as tracking_api

#: Every app's router, in the order the data flows.
ROUTERS: list[Router] = [
    core_api.router,
    accounts_api.router,
    processes_api.router,
    tracking_api.router,
    stalls_api.router,
    cases_api.router,
    casework_api.router,
    messaging_api.router,
    portal_api.router,
    insights_api.router,
    insights_api_ml.router,
    insights_api_recurring.router,
]


def docs_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The docs UI and the schema (/api/v1/docs, /api/v1/openapi.json) need a signed-in user or an
    API token unless UNSTUCK_API_DOCS_PUBLIC is set; the schema is also committed as docs/openapi.json."""

    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.UNSTUCK_API_DOCS_PUBLIC or request.user.is_authenticated or bearer_auth(request):
            return view(request, *args, **kwargs)
        return redirect_to_login(request.get_full_path())

    return guarded


api = core_api.UnstuckAPI(
    title="Unstuck API",
    version="1",
    description="Watch every customer promise, catch each one the moment it stalls, and drive it to done.",
    urls_namespace="api-v1",
    auth=API_AUTH,
    parser=NulRefusingParser(),
    docs_decorator=docs_access,
)
install_error_handlers(api)
for router in ROUTERS:
    api.add_router("/", router)
api.extra_schemas = [*tracking_api.OPENAPI_SCHEMAS]
# Added last so it only catches what no router matched: unknown API paths answer JSON 404, not HTML.
api.add_router("", core_api.fallback)
