"""Writes and the suggestion read of cause suggestion: train the organisation's cause model and store
it with its cross-validated precision; suggest a category for a case beside that precision."""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.cases.models import Case
from unstuck.core.errors import DomainError
from unstuck.insights.cause_suggest import MIN_LABELLED, CauseModel, TooFewLabelled, cause_evaluate, cause_fit
from unstuck.insights.models_ml import ModelKind, TrainedModel
from unstuck.insights.selectors_causes import case_free_text, labelled_cause_texts
from unstuck.insights.selectors_ml import latest_model, model_payload


def _sklearn_version() -> str:
    import sklearn  # only when a model is stored: importing it costs about a second

    return str(sklearn.__version__)


def _too_few(error: TooFewLabelled) -> DomainError:
    return DomainError(
        "too_few_labelled",
        _(
            "Only %(count)d labelled cases in %(categories)d categories; cause suggestion needs at least "
            "%(minimum)d labelled cases in two or more categories."
        )
        % {"count": error.labelled, "categories": error.categories, "minimum": MIN_LABELLED},
    )


def cause_model_evaluate() -> dict[str, Any]:
    """Cross-validated precision of cause suggestion on the organisation's labelled cases (nothing stored).

    Raises DomainError `too_few_labelled`.
    """
    labelled = labelled_cause_texts()
    try:
        figures = cause_evaluate([row.text for row in labelled], [row.category for row in labelled])
    except TooFewLabelled as error:
        raise _too_few(error) from None
    figures["sources"] = {
        source: sum(1 for row in labelled if row.source == source) for source in ("case_cause", "item_attrs")
    }
    return figures


def cause_model_train(*, now: datetime | None = None) -> TrainedModel:
    """Measure (cross-validated), fit on every labelled case and store the cause model.

    Raises DomainError `too_few_labelled` and stores nothing when there are too few labelled cases.
    """
    now = now or timezone.now()
    started = time.perf_counter()
    labelled = labelled_cause_texts()
    texts, labels = [row.text for row in labelled], [row.category for row in labelled]
    try:
        figures = cause_evaluate(texts, labels)
        model = cause_fit(texts, labels)
    except TooFewLabelled as error:
        raise _too_few(error) from None
    figures["sources"] = {
        source: sum(1 for row in labelled if row.source == source) for source in ("case_cause", "item_attrs")
    }
    with transaction.atomic():
        return TrainedModel.objects.create(
            kind=ModelKind.CAUSE,
            process=None,
            trained_at=now,
            sample_size=figures["labelled"],
            metrics=figures,
            payload=pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL),
            library_version=_sklearn_version(),
            train_seconds=time.perf_counter() - started,
        )


@dataclass(frozen=True)
class CauseAdvice:
    """What the case page shows: suggestions with probabilities and the model's measured precision,
    or why there are none (`reason`)."""

    suggestions: list[dict[str, Any]] = field(default_factory=list)
    precision_at_1: float | None = None
    labelled: int = 0
    chance: float | None = None
    trained_at: datetime | None = None
    reason: str = ""


def cause_advice_for_text(*, text: str, top: int = 3) -> CauseAdvice:
    """Suggested categories for `text` with the stored model, each with its measured precision."""
    trained = latest_model(kind=ModelKind.CAUSE, process_id=None)
    if trained is None:
        return CauseAdvice(reason=_("No cause model yet: too few labelled cases, or not trained yet."))
    if not text.strip():
        return CauseAdvice(reason=_("Nothing written on this case yet to suggest a cause from."))
    model: CauseModel = model_payload(trained)
    per_category = trained.metrics.get("per_category", {})
    suggestions = [
        {
            "category": suggestion.category,
            "probability": suggestion.probability,
            "precision": (per_category.get(suggestion.category) or {}).get("precision"),
            "suggested": (per_category.get(suggestion.category) or {}).get("suggested", 0),
        }
        for suggestion in model.suggest(text, top=top)
    ]
    return CauseAdvice(
        suggestions=suggestions,
        precision_at_1=trained.metrics.get("precision_at_1"),
        labelled=trained.sample_size,
        chance=trained.metrics.get("chance"),
        trained_at=trained.trained_at,
    )


def cause_advice(*, case: Case, top: int = 3) -> CauseAdvice:
    """Suggested categories for a case (obtained through a permission-aware selector)."""
    return cause_advice_for_text(text=case_free_text(case=case), top=top)
