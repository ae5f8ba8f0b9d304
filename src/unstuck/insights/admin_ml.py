"""Admin of the learning side: the QA rubric (criteria and weights) and the retraining schedule's due
times are configured here (nothing else edits them); trained models, predictions, samples, reviews
and coaching notes are read here (they are written by the training code and the QA screens)."""

from __future__ import annotations

from django.contrib import admin

from unstuck.core.admin import ReadOnlyAdmin
from unstuck.insights.models_ml import ItemPrediction, ModelSchedule, TrainedModel
from unstuck.insights.models_qa import CoachingNote, QaCriterion, QaReview, QaRubric, QaSample


class QaCriterionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = QaCriterion
    extra = 1
    fields = ["position", "key", "name", "name_en", "weight", "max_score"]


@admin.register(QaRubric)
class QaRubricAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The rubric supervisors score against, and how many cases per agent are picked each day."""

    list_display = ["name", "active", "random_per_agent", "targeted_per_agent", "created_at"]
    inlines = [QaCriterionInline]


@admin.register(TrainedModel)
class TrainedModelAdmin(ReadOnlyAdmin):
    """Stored models with their held-out figures (the payload itself is not shown)."""

    list_display = ["kind", "process", "trained_at", "sample_size", "train_seconds", "library_version"]
    list_filter = ["kind", "process"]
    exclude = ["payload"]


@admin.register(ModelSchedule)
class ModelScheduleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """When each model is next retrained and scored; set a due time to now to force it."""

    list_display = ["kind", "process", "train_due_at", "score_due_at", "last_outcome"]
    readonly_fields = ["kind", "process", "score_cursor", "last_outcome"]


@admin.register(ItemPrediction)
class ItemPredictionAdmin(ReadOnlyAdmin):
    list_display = ["item", "p_miss", "expected_remaining_seconds", "at", "model"]
    raw_id_fields = ["item", "model"]


@admin.register(QaSample)
class QaSampleAdmin(ReadOnlyAdmin):
    list_display = ["day", "agent", "case", "reason", "reason_detail"]
    list_filter = ["reason", "day"]


@admin.register(QaReview)
class QaReviewAdmin(ReadOnlyAdmin):
    list_display = ["sample", "reviewer", "total", "reviewed_at"]


@admin.register(CoachingNote)
class CoachingNoteAdmin(ReadOnlyAdmin):
    list_display = ["on", "agent", "supervisor"]
