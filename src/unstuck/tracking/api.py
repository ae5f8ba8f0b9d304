"""API v1 for tracking: push events in batches, read an item with its history."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpResponse
from ninja import Router
from ninja.errors import HttpError

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.accounts.permissions import require_role
from unstuck.processes.selectors import process_writable_keys
from unstuck.tracking.schemas import EventBatchIn, IngestOut, ItemOut
from unstuck.tracking.selectors import item_events, item_get
from unstuck.tracking.services import MAX_BATCH, event_ingest_batch

router = Router(tags=["events"])


def _error(status: int, code: str, message: str) -> HttpResponse:
    return HttpResponse(
        orjson.dumps({"code": code, "message": message}), status=status, content_type="application/json"
    )


@router.post(
    "/events",
    response={200: IngestOut},
    summary="Push a batch of events",
    description=(
        "Store up to 10,000 events. Each event is checked on its own: valid ones are stored even when "
        "others are rejected (by index, with a code and message); an already stored key counts as a "
        "duplicate, so replaying a batch is safe. Requires an admin, supervisor or integration token; "
        "events of a process the token may not write are rejected with `forbidden_process` "
        "(see docs/permissions.md). A body over 16 MiB (UNSTUCK_MAX_BODY_BYTES) answers 413 "
        "`body_too_large`; every limit of a row is in docs/api-limits.md."
    ),
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EventBatchIn"}}},
            "required": True,
        }
    },
)
def events_push(request: AuthedHttpRequest) -> HttpResponse | dict[str, Any]:
    require_role(request, "admin", "supervisor", "integration")
    try:
        body = orjson.loads(request.body or b"")
    except orjson.JSONDecodeError as error:
        return _error(400, "invalid_json", f"the body is not valid JSON: {error}")
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        return _error(400, "invalid_request", 'expected an object {"events": [...]}')
    if len(body["events"]) > MAX_BATCH:
        return _error(
            413, "batch_too_large", f"at most {MAX_BATCH:,} events per request, got {len(body['events']):,}"
        )
    result = event_ingest_batch(
        events=body["events"],
        source=f"api:{request.user.get_username()}",
        writable_processes=process_writable_keys(user=request.user),
    )
    return {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "rejected": [r.__dict__ for r in result.rejected],
        "unknown_steps": result.unknown_steps,
        "notices": [n.__dict__ for n in result.notices],
    }


# `path:` so an item id with "/" (order 2026/0001, sent as-is or as %2F) reads back like any other.
@router.get(
    "/processes/{process}/items/{path:item}",
    response=ItemOut,
    summary="An item with its events",
    description='The item id may contain "/" (send it as-is or percent-encoded).',
)
def item_detail(request: AuthedHttpRequest, process: str, item: str) -> dict[str, Any]:
    found = item_get(user=request.user, process_key=process, external_id=item)
    if found is None:
        raise HttpError(404, f"no item {item!r} in process {process!r}")
    events = item_events(item=found).values("id", "step", "at", "key", "attrs", "known_step")
    return {
        "process": found.process.key,
        "item": found.external_id,
        "version": found.version.number,
        "current_step": found.current_step,
        "step_since": found.step_since,
        "promised_at": found.promised_at,
        "is_terminal": found.is_terminal,
        "next_deadline": found.next_deadline,
        "attrs": found.attrs,
        "customer": found.customer.external_id if found.customer else None,
        "events": list(events),
    }


# Published in the schema's components for the request body reference above (see core.api).
OPENAPI_SCHEMAS = (EventBatchIn,)
