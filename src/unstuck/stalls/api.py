"""API v1 for stalls: the recorded stalls a user may see, newest problems first to act on, and the
items of one process stuck now or at a past moment."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.core.errors import DomainError
from unstuck.core.keyset import cursor_decode, cursor_encode
from unstuck.core.moments import moment_check
from unstuck.processes.selectors import process_visible_get
from unstuck.stalls.selectors import stall_list_visible, stalls_as_of, stalls_now
from unstuck.tracking.validation import RowError, parse_timestamp

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
def stall_list(request: AuthedHttpRequest, filters: Query[StallFilter]) -> dict[str, Any]:
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


class StallFindingOut(Schema):
    item: str = Field(..., description="Item external id.")
    rule: str = Field(..., description="dwell, confirmation, interruption or promise.")
    step: str = Field(..., description="Step the item is stuck in.")
    since: datetime = Field(..., description="Since when it is stuck.")
    overdue_seconds: int = Field(..., description="How long it has been stuck at the moment asked about.")


class StalledQuery(Schema):
    as_of: str | None = Field(None, description="ISO-8601 moment with offset; replays the log up to it.")
    limit: int = Field(1000, ge=1, le=100_000, description="At most this many findings.")


# A process's stalls, under the process's path and tag; the operation id it had when processes served it.
@router.get(
    "/processes/{key}/stalled",
    response=list[StallFindingOut],
    summary="Items stuck now or at a moment",
    tags=["processes"],
    operation_id="unstuck_processes_api_process_stalled",
)
def process_stalled(request: AuthedHttpRequest, key: str, query: Query[StalledQuery]) -> Any:
    """Evaluates the rules on the stored state (now) or replays the log up to `as_of`; another team's
    process is not found (404)."""
    process = process_visible_get(user=request.user, key=key)
    if process is None:
        raise HttpError(404, f"no process {key!r}")
    if query.as_of:
        try:
            moment = parse_timestamp(query.as_of, "as_of")
        except RowError as error:
            raise DomainError(error.code, error.message, details={"field": "as_of"}) from None
        except OverflowError:  # a year at the edge of the calendar, past UTC's end or start
            moment = datetime.fromisoformat(query.as_of.strip())
        moment_check(moment, field="as_of")
        findings = stalls_as_of(process=process, as_of=moment)
    else:
        findings = stalls_now(process=process, now=timezone.now())
    out = []
    for finding in findings:
        out.append(finding.as_json())
        if len(out) >= query.limit:
            break
    return out
