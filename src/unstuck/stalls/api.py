"""API v1 for stalls: the recorded stalls a user may see, newest problems first to act on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from unstuck.core.keyset import cursor_decode, cursor_encode
from unstuck.stalls.selectors import stall_list_visible

router = Router(tags=["stalls"])


class StallFilter(Schema):
    process: str | None = Field(None, description="Only this process (key).")
    rule: str | None = Field(None, description="dwell, confirmation, interruption or promise.")
    step: str | None = Field(None, description="Only stalls in this step.")
    team: str | None = Field(None, description="Only stalls owned by this team (key).")
    item: str | None = Field(None, description="Only this item (external id).")
    open: bool = Field(True, description="Open stalls (default) or, with false, resolved ones too.")
    after: str | None = Field(None, description="Cursor from the previous page's `next`.")
    limit: int = Field(100, ge=1, le=1000, description="Page size (max 1000).")


class StallOut(Schema):
    id: int = Field(..., description="Stall id.")
    process: str = Field(..., description="Process key.")
    item: str = Field(..., description="Item external id.")
    rule: str = Field(..., description="The rule that found the item stuck.")
    step: str = Field(..., description="Step the item was stuck in.")
    team: str = Field(..., description="Team owning the step ('' if none).")
    since: datetime = Field(..., description="Since when the item is stuck (the rule's deadline).")
    detected_at: datetime = Field(..., description="When the worker recorded the stall.")
    resolved_at: datetime | None = Field(None, description="When the item recovered, if it has.")
    resolution: str = Field(..., description="Why the stall was resolved.")
    historical: bool = Field(
        ...,
        description="A historical stall: its deadline fell due long before it was detected (old data "
        "imported); recorded for analysis, it opens no case and sends no message.",
    )


class StallPage(Schema):
    items: list[StallOut] = Field(..., description="One page of stalls, oldest first.")
    next: str | None = Field(None, description="Cursor for the next page, null on the last one.")


@router.get("/stalls", response=StallPage, summary="List stalls (keyset pagination)")
def stall_list(request: HttpRequest, filters: Query[StallFilter]) -> Any:
    query = stall_list_visible(
        user=request.user,
        process=filters.process,
        rule=filters.rule,
        step=filters.step,
        team=filters.team,
        item=filters.item,
        only_open=filters.open,
    )
    if filters.after:
        position = cursor_decode(filters.after)
        if position is None:
            raise HttpError(400, "the `after` cursor is not one this API gave out")
        since, stall_id = position
        query = query.filter(Q(since__gt=since) | Q(since=since, id__gt=stall_id))
    rows = list(query.order_by("since", "id")[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {
        "items": [
            {
                "id": s.pk,
                "process": s.process.key,
                "item": s.item.external_id,
                "rule": s.rule,
                "step": s.step,
                "team": s.team_key,
                "since": s.since,
                "detected_at": s.detected_at,
                "resolved_at": s.resolved_at,
                "resolution": s.resolution,
                "historical": s.historical,
            }
            for s in rows
        ],
        "next": cursor_encode(rows[-1].since, rows[-1].pk) if more and rows else None,
    }
