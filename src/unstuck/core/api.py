"""The API shell every app's router plugs into: the API class, the health check and the JSON 404.

The API itself (`unstuck.api.api`) is assembled above the apps, in `unstuck/api.py`: core sits at the
bottom of the layers and imports no app. Every endpoint requires authentication unless it says
`auth=None`, and every error is JSON `{"code", "message"}` (see `core.api_errors`).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import Field, NinjaAPI, Router, Schema, Status

from unstuck.core.api_errors import ErrorOut, document_error_responses
from unstuck.core.database_trouble import database_check


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


#: Core's own endpoints.
router = Router()


class HealthOut(Schema):
    """Whether this server can answer and reach its database."""

    status: str = Field(description="`ok` when the server and its database answer, else `error`.")
    database: str = Field(description="Database vendor: `sqlite` or `postgresql`.")
    reason: str | None = Field(
        None,
        description="Why the database cannot serve requests (`error` only): `locked`, `disk_full`, "
        "`io_error`, `unreachable`, `overloaded` or `failing`.",
    )


@router.get(
    "/health",
    auth=None,
    response={200: HealthOut, 503: HealthOut},
    summary="Liveness and database check",
    tags=["core"],
)
def health(request: HttpRequest) -> Status[HealthOut] | HttpResponse:
    """For load balancers and monitoring, no authentication: the database answers a real read; on
    SQLite its write lock can be had within a second and its disk has room; and no request of this
    process met database trouble in the last 30 s. Else 503 with the reason and `Retry-After`."""
    trouble = database_check()
    if trouble is None:
        return Status(200, HealthOut(status="ok", database=connection.vendor, reason=None))
    body = HealthOut(status="error", database=connection.vendor, reason=trouble.reason)
    response = JsonResponse(body.model_dump(), status=503)
    response["Retry-After"] = str(trouble.retry_after)
    return response


# Mounted last so it only catches what no router matched: unknown API paths answer JSON 404, not HTML.
fallback = Router()


@fallback.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"],
    "/{path:path}",
    auth=None,
    include_in_schema=False,
    response={404: ErrorOut},
)
def not_found(request: HttpRequest, path: str) -> None:
    raise Http404(f"No API endpoint at /{path}.")
