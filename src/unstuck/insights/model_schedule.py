"""The worker's model jobs: retrain each process's item model (and the cause model) when due, and
score open items batch by batch.

Both read `ModelSchedule` due times by index. Retraining takes seconds, too long to hold a row lock
(on SQLite it would block every writer), so a claim first moves the row's due time forward by a
lease and commits; the trained model and the next due time are written together afterwards. A
worker killed in between writes nothing, and the row falls due again when the lease ends. Scoring
holds its claim for one batch in one transaction: killed, the batch rolls back and is done again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from unstuck.core.errors import DomainError
from unstuck.insights.models_ml import ModelKind, ModelSchedule
from unstuck.processes.models import Process

logger = logging.getLogger("unstuck.insights")

#: How often a model is retrained: a model older than this is stale.
RETRAIN_EVERY = timedelta(days=1)
#: When a model could not be trained (too little history yet), try again after this.
RETRY_EVERY = timedelta(hours=1)
#: How long a claimed retraining may take before another worker may try again.
TRAIN_LEASE = timedelta(minutes=30)
#: How often open items are scored again.
SCORE_EVERY = timedelta(hours=1)


def _locked(query: QuerySet[ModelSchedule]) -> QuerySet[ModelSchedule]:
    if connection.features.has_select_for_update_skip_locked:
        return query.select_for_update(skip_locked=True, of=("self",))
    return query


def schedules_ensure(*, now: datetime) -> int:
    """A schedule row for each process and for the cause model, due now when new; returns rows added."""
    missing = Process.objects.exclude(
        pk__in=ModelSchedule.objects.filter(kind=ModelKind.ITEM_OUTCOME).values("process_id")
    ).values_list("pk", flat=True)
    rows = [ModelSchedule(kind=ModelKind.ITEM_OUTCOME, process_id=pk, train_due_at=now) for pk in missing]
    if not ModelSchedule.objects.filter(kind=ModelKind.CAUSE, process__isnull=True).exists():
        rows.append(ModelSchedule(kind=ModelKind.CAUSE, process=None, train_due_at=now))
    if rows:
        ModelSchedule.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _claim_training(now: datetime) -> ModelSchedule | None:
    with transaction.atomic():
        schedule = (
            _locked(ModelSchedule.objects.filter(train_due_at__lte=now))
            .select_related("process")
            .order_by("train_due_at", "pk")
            .first()
        )
        if schedule is None:
            return None
        ModelSchedule.objects.filter(pk=schedule.pk).update(train_due_at=now + TRAIN_LEASE)
    return schedule


def prediction_retrain_due(*, now: datetime | None = None) -> int:
    """Retrain the one most overdue model, if any is due; returns 1 if a model was looked at, else 0."""
    from unstuck.insights.services_causes import cause_model_train
    from unstuck.insights.services_ml import prediction_train

    now = now or timezone.now()
    schedules_ensure(now=now)
    schedule = _claim_training(now)
    if schedule is None:
        return 0
    try:
        if schedule.kind == ModelKind.CAUSE:
            trained = cause_model_train(now=now)
        else:
            assert schedule.process is not None
            trained = prediction_train(process=schedule.process, now=now)
    except DomainError as refused:  # too little history yet: say so, and look again later
        ModelSchedule.objects.filter(pk=schedule.pk).update(
            train_due_at=now + RETRY_EVERY, last_outcome=refused.message
        )
        return 1
    with transaction.atomic():
        ModelSchedule.objects.filter(pk=schedule.pk).update(
            train_due_at=now + RETRAIN_EVERY,
            score_due_at=now if schedule.kind == ModelKind.ITEM_OUTCOME else None,
            score_cursor=0,
            last_outcome=f"trained model {trained.pk} on {trained.sample_size}",
        )
    logger.info("trained %s model %s on %s samples", schedule.kind, trained.pk, trained.sample_size)
    return 1


def prediction_score_due(*, batch: int, now: datetime | None = None) -> int:
    """Score the next batch of open items of one process whose scoring is due; returns items scored."""
    from unstuck.insights.selectors_ml import latest_model
    from unstuck.insights.services_ml import prediction_forget_finished, prediction_score_batch

    now = now or timezone.now()
    with transaction.atomic():
        schedule = (
            _locked(ModelSchedule.objects.filter(score_due_at__lte=now, kind=ModelKind.ITEM_OUTCOME))
            .order_by("score_due_at", "pk")
            .first()
        )
        if schedule is None or schedule.process_id is None:
            return 0
        trained = latest_model(kind=ModelKind.ITEM_OUTCOME, process_id=schedule.process_id)
        if trained is None:
            ModelSchedule.objects.filter(pk=schedule.pk).update(score_due_at=None, score_cursor=0)
            return 0
        done = prediction_score_batch(trained=trained, after_id=schedule.score_cursor, batch=batch, now=now)
        if done.scored == batch:  # more to come: due again at once, after this batch
            ModelSchedule.objects.filter(pk=schedule.pk).update(score_cursor=done.last_id)
        else:
            prediction_forget_finished(process_id=schedule.process_id)
            ModelSchedule.objects.filter(pk=schedule.pk).update(
                score_cursor=0, score_due_at=now + SCORE_EVERY
            )
    return done.scored
