"""API v1 for incidents (批量事件): preview a filter, gather its cases under a parent, read it with
its children, and change status, add remedies or notify customers for all of them at once.
Supervisors and admins only; the parent must be a case they may see."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.cases.api import CaseOut, _out
from unstuck.cases.lifecycle import CaseType
from unstuck.casework.filters import IncidentFilter
from unstuck.casework.permissions import acting_user, require_supervisor
from unstuck.casework.selectors import incident_candidates, incident_children, incident_get
from unstuck.casework.services import (
    BulkResult,
    incident_create,
    incident_notice_send,
    incident_remedy_add,
    incident_status_change,
)
from unstuck.core.moments import Moment

router = Router(tags=["incidents"])
PREVIEW_SAMPLE = 20


class IncidentFilterIn(Schema):
    process: str | None = Field(None, description="Only cases of this process (key).")
    step: str | None = Field(None, description="Only cases stalled in this step (key).")
    team: str | None = Field(None, description="Only cases of this team (key).")
    attrs: dict[str, str] = Field(
        default_factory=dict,
        description='Item attributes that must match exactly, e.g. {"warehouse": "上海仓"}.',
    )
    stalled_since: Moment | None = Field(
        None, description="Only cases with a stall that began at or after this moment (with UTC offset)."
    )

    def criteria(self) -> IncidentFilter:
        return IncidentFilter.of(
            process=self.process,
            step=self.step,
            team=self.team,
            attrs=self.attrs,
            stalled_since=self.stalled_since,
        )


class IncidentCreateIn(IncidentFilterIn):
    title: str = Field(..., min_length=1, max_length=300, description="What happened, e.g. 上海仓系统故障.")
    type: str = Field(CaseType.EMERGENCY, description="Type of the parent case (default `emergency`).")
    cause_category: str | None = Field(
        None, description="Cause category key: set on the parent and on every child without a cause."
    )


class IncidentPreviewOut(Schema):
    count: int = Field(..., description="How many open stall-opened cases the filter gathers.")
    sample: list[str] = Field(..., description=f"Numbers of up to {PREVIEW_SAMPLE} of them, oldest first.")


class IncidentOut(Schema):
    id: int = Field(..., description="Incident id (use it in URLs).")
    parent: CaseOut = Field(..., description="The parent case.")
    filter: dict[str, Any] = Field(..., description="The filter that gathered the children.")
    cause_category: str | None = Field(None, description="Cause category key of the incident.")
    created_by: str = Field(..., description="Who opened it.")
    created_at: datetime = Field(..., description="When.")
    count: int = Field(..., description="How many child cases it has (that you may see).")
    children: list[CaseOut] = Field(..., description="The child cases, by id.")


class IncidentStatusIn(Schema):
    status: str = Field(..., description="Target status for the parent and every open child.")
    reason: str = Field("", max_length=2000, description="Why; written on every child's timeline.")


class IncidentRemedyIn(Schema):
    kind: str = Field(..., description="expedite, substitute, coupon, refund or fee_waiver.")
    amount: Decimal | None = Field(
        None, description="Cost per case; above the threshold each waits for approval."
    )
    currency: str = Field("CNY", description="ISO 4217 currency code.")
    note: str = Field("", max_length=2000, description="What exactly is offered.")


class IncidentNoticeIn(Schema):
    reason: str = Field(
        ..., min_length=1, max_length=2000, description="What happened, as customers read it."
    )
    eta: str = Field("", max_length=200, description="The new expected time, as customers read it.")


class IncidentBulkOut(Schema):
    parent_status: str = Field(..., description="The parent case's status afterwards.")
    changed: int = Field(..., description="How many child cases the action changed.")
    skipped: list[dict[str, Any]] = Field(
        ...,
        description="Children left as they were (the lifecycle forbids the move): number and status.",
    )


class IncidentNoticeOut(Schema):
    id: int = Field(..., description="Notice id.")
    queued: int = Field(
        ..., description="Messages queued in the outbox (children without a customer are skipped)."
    )


def _incident(request: HttpRequest, incident_id: int) -> dict[str, Any]:
    incident = incident_get(user=request.user, incident_id=incident_id)
    # `_out` lists each case's SLA clocks: prefetched, so reading stays a constant number of queries
    cases = incident_children(user=request.user, incident=incident).prefetch_related("sla_clocks")
    children = [_out(case) for case in cases]
    return {
        "id": incident.pk,
        "parent": _out(incident.parent),
        "filter": incident.filter,
        "cause_category": incident.cause_category.key if incident.cause_category else None,
        "created_by": incident.created_by.get_username(),
        "created_at": incident.created_at,
        "count": len(children),
        "children": children,
    }


def _bulk(result: BulkResult) -> dict[str, Any]:
    return {"parent_status": result.parent_status, "changed": result.changed, "skipped": result.skipped}


@router.post("/incidents/preview", response=IncidentPreviewOut, summary="How many cases a filter gathers")
def incidents_preview(request: AuthedHttpRequest, body: IncidentFilterIn) -> dict[str, Any]:
    require_supervisor(request.user, "run incidents")
    cases = incident_candidates(user=request.user, criteria=body.criteria())
    sample = list(cases.order_by("pk").values_list("number", flat=True)[:PREVIEW_SAMPLE])
    return {"count": cases.count(), "sample": sample}


@router.post("/incidents", response={201: IncidentOut}, summary="Open an incident from a filter")
def incidents_create(request: HttpRequest, body: IncidentCreateIn) -> Status[dict[str, Any]]:
    parent = incident_create(
        actor=acting_user(request),
        title=body.title,
        process=body.process,
        step=body.step,
        team=body.team,
        attrs=body.attrs,
        stalled_since=body.stalled_since,
        cause_category=body.cause_category,
        case_type=body.type,
    )
    return Status(201, _incident(request, parent.incident.pk))


@router.get("/incidents/{incident_id}", response=IncidentOut, summary="An incident with its children")
def incidents_read(request: HttpRequest, incident_id: int) -> dict[str, Any]:
    return _incident(request, incident_id)


@router.post(
    "/incidents/{incident_id}/status",
    response=IncidentBulkOut,
    summary="Change status of parent and children",
)
def incidents_status(request: AuthedHttpRequest, incident_id: int, body: IncidentStatusIn) -> dict[str, Any]:
    incident = incident_get(user=request.user, incident_id=incident_id)
    result = incident_status_change(
        incident_id=incident.pk, actor=acting_user(request), status=body.status, reason=body.reason
    )
    return _bulk(result)


@router.post(
    "/incidents/{incident_id}/remedies", response={201: IncidentBulkOut}, summary="One remedy for every child"
)
def incidents_remedies(
    request: AuthedHttpRequest, incident_id: int, body: IncidentRemedyIn
) -> Status[dict[str, Any]]:
    incident = incident_get(user=request.user, incident_id=incident_id)
    result = incident_remedy_add(
        incident_id=incident.pk,
        actor=acting_user(request),
        kind=body.kind,
        amount=body.amount,
        currency=body.currency,
        note=body.note,
    )
    return Status(201, _bulk(result))


@router.post(
    "/incidents/{incident_id}/notices",
    response={201: IncidentNoticeOut},
    summary="Notify every child's customer",
)
def incidents_notices(
    request: AuthedHttpRequest, incident_id: int, body: IncidentNoticeIn
) -> Status[dict[str, Any]]:
    incident = incident_get(user=request.user, incident_id=incident_id)
    notice = incident_notice_send(
        incident_id=incident.pk, actor=acting_user(request), reason=body.reason, eta=body.eta
    )
    return Status(201, {"id": notice.pk, "queued": notice.queued})
