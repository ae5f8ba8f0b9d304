"""API v1 for the portal: a case's survey and proactive-update schedule (pause / resume), an agent's
status note for the customer, and the CSAT summary. Handlers parse, call one selector or service,
and render."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.cases.selectors import case_for_write, case_get
from unstuck.core.errors import DomainError
from unstuck.core.moments import Moment
from unstuck.portal.models import CaseFollowUp, Survey
from unstuck.portal.panels import panel_may_pause
from unstuck.portal.selectors import case_follow_up, case_survey, csat_summary
from unstuck.portal.services import follow_up_pause, follow_up_resume, status_note_add

router = Router(tags=["portal"])


class SurveyOut(Schema):
    case: int = Field(..., description="Case id.")
    invited_at: datetime = Field(..., description="When the survey was sent.")
    answered_at: datetime | None = Field(None, description="When the customer answered (null: not yet).")
    score: int | None = Field(None, description="Satisfaction 1 (not at all) to 5 (very).")
    comment: str = Field(..., description="The customer's comment ('' when none).")
    reliability: int | None = Field(None, description="SERVQUAL reliability, 1–5 (optional).")
    responsiveness: int | None = Field(None, description="SERVQUAL responsiveness, 1–5 (optional).")
    assurance: int | None = Field(None, description="SERVQUAL assurance, 1–5 (optional).")
    empathy: int | None = Field(None, description="SERVQUAL empathy, 1–5 (optional).")
    tangibles: int | None = Field(None, description="SERVQUAL tangibles, 1–5 (optional).")


class FollowUpOut(Schema):
    case: int = Field(..., description="Case id.")
    state: str = Field(..., description="`active`, `finished` (case resolved) or `silent` (no customer).")
    next_update_at: datetime | None = Field(None, description="When the next update is due (null: none).")
    updates_sent: int = Field(..., description="Proactive updates sent so far.")
    last_update_at: datetime | None = Field(None, description="When the customer was last told.")
    confirmation_requested_at: datetime | None = Field(
        None, description="When the customer was asked to confirm (confirmation stalls)."
    )
    paused: bool = Field(..., description="Whether a supervisor paused the updates.")
    paused_at: datetime | None = Field(None, description="When they were paused.")
    paused_by: str | None = Field(None, description="Who paused them (username).")
    pause_reason: str = Field(..., description="Why they were paused.")


class PauseIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500, description="Why the updates stop.")


class StatusNoteIn(Schema):
    reason: str = Field(
        ..., min_length=1, max_length=500, description="The reason in words the customer understands."
    )
    eta: Moment | None = Field(None, description="The new expected time, with its UTC offset.")


class StatusNoteOut(Schema):
    id: int = Field(..., description="Note id.")
    reason: str = Field(..., description="The reason as the customer reads it.")
    eta: datetime | None = Field(None, description="The new expected time.")
    created_at: datetime = Field(..., description="When it was written.")


class CsatFilter(Schema):
    since: Moment = Field(..., description="Surveys sent at or after this moment (with offset).")
    until: Moment = Field(..., description="... and before this one.")
    team: str | None = Field(None, description="Only cases of this team (key).")


class CsatOut(Schema):
    invited: int = Field(..., description="Surveys sent in the period.")
    answered: int = Field(..., description="Of those, answered.")
    response_rate: float | None = Field(None, description="answered / invited (null without surveys).")
    mean_score: float | None = Field(None, description="Mean satisfaction 1–5 (null without answers).")
    csat: float | None = Field(None, description="Share of answers scoring 4 or 5 (CSAT %, 0–1).")
    distribution: dict[str, int] = Field(..., description="Answers per score, keys `1`…`5`.")
    dimensions: dict[str, float | None] = Field(..., description="Mean of each SERVQUAL dimension answered.")


def _survey_out(survey: Survey) -> dict[str, Any]:
    return {
        "case": survey.case_id,
        "invited_at": survey.invited_at,
        "answered_at": survey.answered_at,
        "score": survey.score,
        "comment": survey.comment,
        "reliability": survey.reliability,
        "responsiveness": survey.responsiveness,
        "assurance": survey.assurance,
        "empathy": survey.empathy,
        "tangibles": survey.tangibles,
    }


def _follow_up_out(follow_up: CaseFollowUp) -> dict[str, Any]:
    return {
        "case": follow_up.case_id,
        "state": follow_up.state,
        "next_update_at": follow_up.next_update_at,
        "updates_sent": follow_up.updates_sent,
        "last_update_at": follow_up.last_update_at,
        "confirmation_requested_at": follow_up.confirmation_requested_at,
        "paused": follow_up.is_paused,
        "paused_at": follow_up.paused_at,
        "paused_by": follow_up.paused_by.get_username() if follow_up.paused_by else None,
        "pause_reason": follow_up.pause_reason,
    }


@router.get("/cases/{case_id}/survey", response=SurveyOut, summary="Read a case's satisfaction survey")
def survey_read(request: AuthedHttpRequest, case_id: int) -> dict[str, Any]:
    survey = case_survey(user=request.user, case_id=case_id)
    if survey is None:
        raise DomainError("survey_not_found", f"No survey was sent for case {case_id} yet.", status=404)
    return _survey_out(survey)


@router.get("/cases/{case_id}/updates", response=FollowUpOut, summary="Read a case's proactive updates")
def updates_read(request: AuthedHttpRequest, case_id: int) -> dict[str, Any]:
    follow_up = case_follow_up(case=case_get(user=request.user, case_id=case_id))
    if follow_up is None:
        raise DomainError(
            "no_follow_up", f"Case {case_id} has no proactive updates (no customer's item).", status=404
        )
    return _follow_up_out(follow_up)


def _check_pause(request: HttpRequest, case_id: int) -> int:
    case = case_for_write(user=request.user, case_id=case_id)
    if not panel_may_pause(user=request.user, case=case):
        raise DomainError("forbidden", "Only a supervisor of the case's team can pause updates.", status=403)
    return case.pk


@router.post("/cases/{case_id}/updates/pause", response=FollowUpOut, summary="Pause proactive updates")
def updates_pause(request: AuthedHttpRequest, case_id: int, body: PauseIn) -> dict[str, Any]:
    pk = _check_pause(request, case_id)
    return _follow_up_out(follow_up_pause(case_id=pk, actor=request.user, reason=body.reason))


@router.post("/cases/{case_id}/updates/resume", response=FollowUpOut, summary="Resume proactive updates")
def updates_resume(request: AuthedHttpRequest, case_id: int) -> dict[str, Any]:
    pk = _check_pause(request, case_id)
    return _follow_up_out(follow_up_resume(case_id=pk, actor=request.user))


@router.post(
    "/cases/{case_id}/customer-update",
    response={201: StatusNoteOut},
    summary="Tell the customer why and by when (status page, next update)",
)
def customer_update(request: AuthedHttpRequest, case_id: int, body: StatusNoteIn) -> Status[dict[str, Any]]:
    case = case_for_write(user=request.user, case_id=case_id)
    note = status_note_add(case_id=case.pk, actor=request.user, reason=body.reason, eta=body.eta)
    return Status(201, {"id": note.pk, "reason": note.reason, "eta": note.eta, "created_at": note.created_at})


@router.get("/csat", response=CsatOut, summary="Customer satisfaction over a period")
def csat(request: AuthedHttpRequest, filters: Query[CsatFilter]) -> dict[str, Any]:
    if filters.since.tzinfo is None or filters.until.tzinfo is None:
        raise DomainError("timestamp_without_offset", "since/until: give times with their UTC offset.")
    if filters.until <= filters.since:
        raise DomainError("invalid_period", "until must be after since.")
    summary = csat_summary(user=request.user, since=filters.since, until=filters.until, team=filters.team)
    return {
        "invited": summary.invited,
        "answered": summary.answered,
        "response_rate": summary.response_rate,
        "mean_score": summary.mean_score,
        "csat": summary.csat,
        "distribution": {str(score): n for score, n in summary.distribution.items()},
        "dimensions": summary.dimensions,
    }
