"""Models of the learning side of insights: trained models and their schedules, item predictions.

Kept apart from the mining side's models (`models.py` re-exports them) so each side owns its file.
QA sampling and coaching live in `models_qa.py`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ModelKind(models.TextChoices):
    """What a trained model predicts."""

    ITEM_OUTCOME = "item_outcome", _("Remaining time and missed promise (per process)")
    CAUSE = "cause", _("Cause suggestion from free text")


class TrainedModel(models.Model):
    """A model trained on the organisation's own history, with its held-out figures.

    `payload` is the pickled estimator. It is written only by our own training code and never leaves
    our database, so unpickling it trusts nothing from outside. `metrics` are what the model scored
    on data it did not train on (a time split for items, cross-validation for causes), with the
    baseline or chance figures beside them, so every screen can show how good it really is.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=ModelKind.choices)
    process = models.ForeignKey(
        "processes.Process",
        verbose_name=_("process"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="trained_models",
    )
    trained_at = models.DateTimeField(_("trained at"))
    sample_size = models.PositiveIntegerField(_("sample size"))
    metrics = models.JSONField(_("held-out figures"), default=dict)
    payload = models.BinaryField(_("serialised model"))
    library_version = models.CharField(_("scikit-learn version"), max_length=20)
    train_seconds = models.FloatField(_("training time (s)"))

    class Meta:
        verbose_name = _("trained model")
        verbose_name_plural = _("trained models")
        indexes = [models.Index(fields=["kind", "process", "-trained_at"], name="trained_model_latest_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.process_id or '-'} @ {self.trained_at:%Y-%m-%d %H:%M}"


class ModelSchedule(models.Model):
    """When a model is next retrained and (for items) its open items next scored.

    The worker reads the due times by index (`prediction_retrain_job`, `prediction_score_job`); a
    claimed row's due time moves forward by a lease first, so a worker killed mid-training leaves
    the row due again once the lease ends, and nothing half-done is ever stored.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=ModelKind.choices)
    process = models.ForeignKey(
        "processes.Process",
        verbose_name=_("process"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    train_due_at = models.DateTimeField(_("retrain due at"))
    score_due_at = models.DateTimeField(_("scoring due at"), null=True, blank=True)
    # The last item id scored in the current scoring pass (a keyset cursor); 0 between passes.
    score_cursor = models.BigIntegerField(_("scoring cursor"), default=0)
    last_outcome = models.TextField(_("last outcome"), blank=True)

    class Meta:
        verbose_name = _("model schedule")
        verbose_name_plural = _("model schedules")
        constraints = [
            models.UniqueConstraint(fields=["kind", "process"], name="model_schedule_unique"),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(process__isnull=True), name="model_schedule_unique_global"
            ),
        ]
        indexes = [
            models.Index(fields=["train_due_at"], name="model_schedule_train_idx"),
            models.Index(
                fields=["score_due_at"],
                name="model_schedule_score_idx",
                condition=Q(score_due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.process_id or '-'}"


class ItemPrediction(models.Model):
    """The latest prediction for one open item: chance of missing its promise, time still needed."""

    item = models.OneToOneField(
        "tracking.Item", verbose_name=_("item"), on_delete=models.CASCADE, related_name="prediction"
    )
    model = models.ForeignKey(
        TrainedModel, verbose_name=_("model"), on_delete=models.CASCADE, related_name="predictions"
    )
    # Null when the item has no promise to miss.
    p_miss = models.FloatField(_("probability of missing the promise"), null=True, blank=True)
    expected_remaining_seconds = models.FloatField(_("expected remaining time (s)"))
    at = models.DateTimeField(_("predicted at"))

    class Meta:
        verbose_name = _("item prediction")
        verbose_name_plural = _("item predictions")
        # The brief's items at risk: the riskiest first, an index range instead of a sort.
        indexes = [models.Index(fields=["-p_miss", "item"], name="prediction_risk_idx")]

    def __str__(self) -> str:
        return f"{self.item_id}: p_miss={self.p_miss} remaining={self.expected_remaining_seconds:.0f}s"
