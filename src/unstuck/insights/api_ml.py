"""API v1 for the learning side of insights: a case's outlook (prediction + suggested cause, each
with its measured quality), the stored models, and QA scores. Handlers parse, select, render."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.accounts.models import Role
from unstuck.accounts.permissions import require_role
from unstuck.cases.selectors import case_get
from unstuck.insights.selectors_ml import item_predictions, model_list
from unstuck.insights.services_causes import cause_advice

router = Router(tags=["insights"])


class PredictionOut(Schema):
    p_miss: float | None = Field(
        None, description="Probability (0–1) that the item misses its promise; null without one."
    )
    expected_remaining_seconds: float = Field(
        ..., description="Expected time until the item finishes, in seconds."
    )
    at: datetime = Field(..., description="When the prediction was made.")
    model_id: int = Field(..., description="The stored model that made it (see /insights/models).")
    mae_days: float | None = Field(
        None, description="The model's remaining-time MAE (days) on held-out items."
    )
    baseline_mae_days: float | None = Field(
        None, description="The simple baseline's MAE (days) on the same held-out items."
    )


class SuggestionOut(Schema):
    category: str = Field(..., description="Cause category key, e.g. `inventory`.")
    probability: float = Field(..., description="The model's probability (0–1) for this category.")
    precision: float | None = Field(
        None, description="Cross-validated precision when this category was suggested first; null if never."
    )
    suggested: int = Field(..., description="How often it was suggested first in cross-validation.")


class CauseOut(Schema):
    suggestions: list[SuggestionOut] = Field(
        ..., description="Most likely categories first (empty: see `reason`)."
    )
    precision_at_1: float | None = Field(
        None, description="Cross-validated share of right first suggestions."
    )
    chance: float | None = Field(
        None, description="What always suggesting the most frequent category scores."
    )
    labelled: int = Field(..., description="Labelled cases the model learnt from.")
    reason: str = Field(..., description="Why there is no suggestion ('' when there are suggestions).")


class OutlookOut(Schema):
    case_id: int = Field(..., description="The case.")
    prediction: PredictionOut | None = Field(None, description="The case item's latest prediction, if any.")
    cause: CauseOut = Field(..., description="Suggested cause categories with their measured precision.")


class ModelOut(Schema):
    id: int = Field(..., description="Model id.")
    kind: str = Field(..., description="`item_outcome` (per process) or `cause`.")
    process: str | None = Field(None, description="Process key for item models, null for the cause model.")
    trained_at: datetime = Field(..., description="When it was trained.")
    sample_size: int = Field(..., description="Finished items (or labelled cases) it learnt from.")
    train_seconds: float = Field(..., description="How long measuring and training took, in seconds.")
    metrics: dict[str, Any] = Field(..., description="Held-out figures with their baselines.")


class ModelFilter(Schema):
    kind: str | None = Field(None, description="Only this kind: `item_outcome` or `cause`.")
    limit: int = Field(20, ge=1, le=200, description="How many, newest first (max 200).")


@router.get(
    "/insights/cases/{case_id}/outlook", response=OutlookOut, summary="A case's prediction and likely cause"
)
def case_outlook(request: AuthedHttpRequest, case_id: int) -> dict[str, Any]:
    """Only for a case the caller may see (another team's case is a 404)."""
    case = case_get(user=request.user, case_id=case_id)
    prediction = item_predictions(item_ids=[case.item_id]).get(case.item_id) if case.item_id else None
    advice = cause_advice(case=case)
    return {
        "case_id": case.pk,
        "prediction": None
        if prediction is None
        else {
            "p_miss": prediction.p_miss,
            "expected_remaining_seconds": prediction.expected_remaining_seconds,
            "at": prediction.at,
            "model_id": prediction.model_id,
            "mae_days": prediction.model.metrics.get("mae_days"),
            "baseline_mae_days": prediction.model.metrics.get("baseline_mae_days"),
        },
        "cause": {
            "suggestions": advice.suggestions,
            "precision_at_1": advice.precision_at_1,
            "chance": advice.chance,
            "labelled": advice.labelled,
            "reason": advice.reason,
        },
    }


@router.get("/insights/models", response=list[ModelOut], summary="Stored prediction models and their figures")
def models_list(request: HttpRequest, filters: Query[ModelFilter]) -> list[dict[str, Any]]:
    """Supervisors, admins and auditors."""
    require_role(request, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR)
    return [
        {
            "id": model.pk,
            "kind": model.kind,
            "process": model.process.key if model.process else None,
            "trained_at": model.trained_at,
            "sample_size": model.sample_size,
            "train_seconds": model.train_seconds,
            "metrics": model.metrics,
        }
        for model in model_list(kind=filters.kind)[: filters.limit]
    ]
