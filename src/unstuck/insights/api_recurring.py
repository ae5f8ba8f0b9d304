"""API v1 for recurring-cause proposals: what the worker noticed, and a supervisor's decision on it
(create the Problem linking its cases, or dismiss it). Handlers parse, select, call a service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from unstuck.casework.permissions import acting_user
from unstuck.core.api_errors import ErrorOut
from unstuck.core.errors import DomainError
from unstuck.insights.brief import brief_teams_for
from unstuck.insights.brief_work import recurring_proposals
from unstuck.insights.recurring import proposal_accept, proposal_dismiss

router = Router(tags=["insights"])


class ProposalOut(Schema):
    id: int = Field(..., description="Proposal id.")
    cause: str = Field(..., description="Cause category key, e.g. `inventory`.")
    cause_name: str = Field(..., description="The category's name.")
    process: str = Field(..., description="Process key.")
    step: str = Field(..., description="Step key of the cases' first stall.")
    step_name: str = Field(..., description="The step's name.")
    attribute: str = Field(..., description="The item attribute the cases share, e.g. `warehouse`.")
    value: str = Field(..., description="Its value, e.g. `广州仓`.")
    cases: int = Field(..., description="How many cases the proposal links.")
    found_at: datetime = Field(..., description="When the scan found it.")


class ProposalsOut(Schema):
    items: list[ProposalOut] = Field(..., description="Open proposals, newest first (at most 50).")


class DecisionOut(Schema):
    id: int = Field(..., description="Proposal id.")
    status: str = Field(..., description="`accepted` or `dismissed`.")
    problem_id: int | None = Field(None, description="The Problem created (accepted only).")
    problem_number: str | None = Field(None, description="Its number (accepted only).")


def _teams_read(request: HttpRequest) -> list[str] | None:
    teams = brief_teams_for(user=request.user)
    if teams == []:
        message = "Recurring causes are for supervisors, admins and auditors."
        raise DomainError("forbidden", message, status=403)
    return teams


@router.get(
    "/insights/recurring-causes",
    response={200: ProposalsOut, 403: ErrorOut},
    summary="Open recurring-cause proposals",
    description=(
        "Cases with one recorded cause at one step whose items share an attribute value, found by the "
        "worker's scan and not yet decided. Supervisors see those with a case of a team they supervise; "
        "admins and auditors all."
    ),
)
def proposals_list(request: HttpRequest) -> dict[str, Any]:
    return {"items": recurring_proposals(teams=_teams_read(request))}


@router.post(
    "/insights/recurring-causes/{proposal_id}/accept",
    response={200: DecisionOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Turn a recurring cause into a Problem",
    description=(
        "Creates the Problem (owned by you) and links the proposal's cases not already under an open problem."
    ),
)
def proposal_accept_api(request: HttpRequest, proposal_id: int) -> DecisionOut:
    problem = proposal_accept(proposal_id=proposal_id, actor=acting_user(request))
    return DecisionOut(
        id=proposal_id, status="accepted", problem_id=problem.pk, problem_number=problem.number
    )


@router.post(
    "/insights/recurring-causes/{proposal_id}/dismiss",
    response={200: DecisionOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Dismiss a recurring-cause proposal",
    description="Only cases opened after the dismissal count again for the same cause, step and value.",
)
def proposal_dismiss_api(request: HttpRequest, proposal_id: int) -> DecisionOut:
    proposal = proposal_dismiss(proposal_id=proposal_id, actor=acting_user(request))
    return DecisionOut(id=proposal.pk, status=proposal.status, problem_id=None, problem_number=None)
