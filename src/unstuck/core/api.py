"""The versioned HTTP API (`/api/v1/`): one NinjaAPI that every app plugs its router into.

How an app adds endpoints: create `unstuck/<app>/api.py` with a module-level
`router = ninja.Router(tags=["<app>"])` and list the module in `ROUTERS` below. Until the module
exists (or while it has no `router`), it is skipped, so apps under construction break nothing.
A module that exists but fails to import is *not* skipped: its error surfaces at start-up.

Every endpoint requires authentication (`API_AUTH`: bearer token or browser session) unless it
says `auth=None`, and every error is JSON `{"code", "message"}` (see `core.api_errors`).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest
from ninja import Field, NinjaAPI, Router, Schema, Status

from unstuck.accounts.auth import API_AUTH
from unstuck.core.api_errors import ErrorOut, document_error_responses, install_error_handlers
from unstuck.core.nul_guard import NulRefusingParser

#: (URL prefix, module path) of every app router; a module is mounted once it defines `router`.
ROUTERS: list[tuple[str, str]] = [
    ("/", "unstuck.accounts.api"),
    ("/", "unstuck.processes.api"),
    ("/", "unstuck.tracking.api"),
    ("/", "unstuck.stalls.api"),
    ("/", "unstuck.cases.api"),
    ("/", "unstuck.casework.api"),
    ("/", "unstuck.messaging.api"),
    ("/", "unstuck.portal.api"),
    ("/", "unstuck.insights.api"),
    ("/", "unstuck.insights.api_ml"),
    ("/", "unstuck.insights.api_recurring"),
]


class UnstuckAPI(NinjaAPI):
    """NinjaAPI that also publishes schemas an endpoint documents but validates by hand, and the
    error answers every operation can give (`core.api_errors.document_error_responses`).

    The events endpoint checks each event on its own (a bad row must not fail the batch), so its
    request body is parsed by the handler; its documented shape still belongs in the schema.
    """

    extra_schemas: list[type[Schema]]

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in getattr(self, "extra_schemas", []):
            body = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in body.pop("$defs", {}).items():
                components.setdefault(name, definition)
            components.setdefault(model.__name__, body)
        return document_error_responses(schema)


api = UnstuckAPI(
    title="Unstuck API",
    version="1",
    description="Watch every customer promise, catch each one the moment it stalls, and drive it to done.",
    urls_namespace="api-v1",
    auth=API_AUTH,
    parser=NulRefusingParser(),
)
install_error_handlers(api)


class HealthOut(Schema):
    """Whether this server can answer and reach its database."""

    status: str = Field(description="`ok` when the server and its database answer, else `error`.")
    database: str = Field(description="Database vendor: `sqlite` or `postgresql`.")


@api.get(
    "/health",
    auth=None,
    response={200: HealthOut, 503: HealthOut},
    summary="Liveness and database check",
    tags=["core"],
)
def health(request: HttpRequest) -> Status[HealthOut]:
    """For load balancers and monitoring: no authentication, one trivial query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return Status(503, HealthOut(status="error", database=connection.vendor))
    return Status(200, HealthOut(status="ok", database=connection.vendor))


def mount_routers(target: NinjaAPI, routers: list[tuple[str, str]]) -> list[str]:
    """Add the `router` of each listed module that exists; returns the mounted module paths."""
    mounted = []
    for prefix, module_path in routers:
        try:
            spec = importlib.util.find_spec(module_path)
        except ModuleNotFoundError as missing:  # the app package itself is not there (yet)
            if missing.name is None or not module_path.startswith(missing.name):
                raise
            spec = None
        if spec is None:
            continue
        module = importlib.import_module(module_path)
        router = getattr(module, "router", None)
        if isinstance(router, Router):
            target.add_router(prefix, router)
            mounted.append(module_path)
            if isinstance(target, UnstuckAPI):
                target.extra_schemas = [
                    *getattr(target, "extra_schemas", []),
                    *getattr(module, "OPENAPI_SCHEMAS", ()),
                ]
    return mounted


MOUNTED = mount_routers(api, ROUTERS)

# Mounted last so it only catches what no router matched: unknown API paths answer JSON 404, not HTML.
_fallback = Router()


@_fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"],
    "/{path:path}",
    auth=None,
    include_in_schema=False,
    response={404: ErrorOut},
)
def not_found(request: HttpRequest, path: str) -> None:
    raise Http404(f"No API endpoint at /{path}.")


api.add_router("", _fallback)
