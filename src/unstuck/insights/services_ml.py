"""Writes of the prediction side: train a process's item model, score its open items, keep schedules.

Training reads the organisation's own finished items of one process (the latest `MAX_TRAINING_ITEMS`),
measures the models on the latest fifth of them after training on the rest (a time split, like
production), then refits on all of them and stores the result with those held-out figures. Training
runs outside any transaction (it takes seconds); only the finished model is written, in one.
"""

from __future__ import annotations

import pickle
import time
import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import sklearn
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unstuck.core.errors import DomainError
from unstuck.insights.models_ml import ItemPrediction, ModelKind, TrainedModel
from unstuck.insights.prediction import (
    PromiseMissModel,
    RemainingTimeBaseline,
    RemainingTimeModel,
    mae_days,
    split_by_start,
)
from unstuck.insights.prediction_features import Prefix, Trace, current_prefix, waiting_prefixes
from unstuck.insights.selectors_ml import finished_traces, model_payload, open_item_traces
from unstuck.processes.models import Process

#: Fewer finished items than this and a model would only learn noise: none is trained.
MIN_FINISHED_ITEMS = 30
#: The newest finished items a model learns from: enough to learn, small enough for seconds.
MAX_TRAINING_ITEMS = 20_000
#: Where between two events the extra "waiting" training sample sits.
WAIT_FRACTION = 0.5


@dataclass(frozen=True)
class ItemModel:
    """What is pickled for a process: the remaining-time model and, when promises exist, the miss model."""

    remaining: RemainingTimeModel
    miss: PromiseMissModel | None


def _sample(traces: list[tuple[Trace, datetime | None]]) -> list[Prefix]:
    return [
        prefix
        for trace, promised_at in traces
        for prefix in waiting_prefixes(trace, promised_at=promised_at, fraction=WAIT_FRACTION)
    ]


def _fit(train: list[tuple[Trace, datetime | None]]) -> ItemModel:
    sample = _sample(train)
    promised = [prefix for prefix in sample if prefix.promised_at is not None]
    promised_items = {prefix.trace.case for prefix in promised}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        remaining = RemainingTimeModel.fit(sample)
        miss = PromiseMissModel.fit(promised) if len(promised_items) >= MIN_FINISHED_ITEMS else None
    return ItemModel(remaining, miss)


def _miss_figures(model: PromiseMissModel, base_rate: float, sample: list[Prefix]) -> dict[str, Any]:
    promised = [prefix for prefix in sample if prefix.promised_at is not None]
    if not promised:
        return {}
    actual = np.array([prefix.missed_promise for prefix in promised], dtype=float)
    predicted = model.predict(promised)
    figures: dict[str, Any] = {
        "miss_test_prefixes": len(promised),
        "miss_rate": float(actual.mean()),
        "miss_brier": float(np.mean((predicted - actual) ** 2)),
        "miss_baseline_brier": float(np.mean((base_rate - actual) ** 2)),
        "miss_accuracy": float(np.mean((predicted >= 0.5) == (actual == 1))),
        "miss_baseline_accuracy": float(np.mean((base_rate >= 0.5) == (actual == 1))),
    }
    if 0 < actual.sum() < len(actual):
        from sklearn.metrics import roc_auc_score

        figures["miss_auc"] = float(roc_auc_score(actual, predicted))
    return figures


def _finished(process: Process) -> list[tuple[Trace, datetime | None]]:
    traces = finished_traces(process_id=process.pk, limit=MAX_TRAINING_ITEMS)
    if len(traces) < MIN_FINISHED_ITEMS:
        raise DomainError(
            "too_few_items",
            _("Process %(process)s has %(count)d finished items; a model needs at least %(minimum)d.")
            % {"process": process.key, "count": len(traces), "minimum": MIN_FINISHED_ITEMS},
        )
    return traces


def _held_out(traces: list[tuple[Trace, datetime | None]]) -> dict[str, Any]:
    promised_at = {trace.case: promise for trace, promise in traces}
    train_traces, test_traces = split_by_start([trace for trace, _promise in traces])
    train = [(trace, promised_at[trace.case]) for trace in train_traces]
    test = [(trace, promised_at[trace.case]) for trace in test_traces]
    model = _fit(train)
    train_sample, test_sample = _sample(train), _sample(test)
    figures: dict[str, Any] = {
        "finished_items": len(traces),
        "train_items": len(train),
        "test_items": len(test),
        "test_prefixes": len(test_sample),
        "mae_days": mae_days(model.remaining.predict(test_sample), test_sample),
        "baseline_mae_days": mae_days(
            RemainingTimeBaseline().fit(train_sample).predict(test_sample), test_sample
        ),
    }
    if model.miss is not None:
        promised_train = [prefix.missed_promise for prefix in train_sample if prefix.promised_at is not None]
        figures.update(_miss_figures(model.miss, float(np.mean(promised_train)), test_sample))
    return figures


def prediction_evaluate(*, process: Process) -> dict[str, Any]:
    """Held-out figures for `process`: train on the earliest 80% of finished items, test on the rest.

    Raises DomainError `too_few_items` when fewer than MIN_FINISHED_ITEMS items have finished.
    """
    return _held_out(_finished(process))


def prediction_train(*, process: Process, now: datetime | None = None) -> TrainedModel:
    """Measure, refit on every finished item and store the model of `process` with its held-out figures.

    Raises DomainError `too_few_items` (and stores nothing) when too few items have finished.
    """
    now = now or timezone.now()
    started = time.perf_counter()
    traces = _finished(process)
    figures = _held_out(traces)
    model = _fit(traces)
    seconds = time.perf_counter() - started
    with transaction.atomic():
        return TrainedModel.objects.create(
            kind=ModelKind.ITEM_OUTCOME,
            process=process,
            trained_at=now,
            sample_size=len(traces),
            metrics=figures,
            payload=pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL),
            library_version=sklearn.__version__,
            train_seconds=seconds,
        )


@dataclass(frozen=True)
class ScoreBatch:
    """What one scoring batch did: items scored, and the last item id (the next batch starts after it)."""

    scored: int
    last_id: int


def prediction_score_batch(
    *, trained: TrainedModel, after_id: int, batch: int, now: datetime | None = None
) -> ScoreBatch:
    """Predict, for the next `batch` open items of the model's process after `after_id`, the chance of
    missing the promise and the time still needed; upsert their `ItemPrediction` (the caller's
    transaction makes the batch all-or-nothing, and re-running it changes nothing but `at`)."""
    now = now or timezone.now()
    model: ItemModel = model_payload(trained)
    assert trained.process_id is not None
    rows = open_item_traces(process_id=trained.process_id, after_id=after_id, limit=batch)
    if not rows:
        return ScoreBatch(0, after_id)
    sample = [
        current_prefix(trace, now=now, promised_at=promised_at) for _item_id, trace, promised_at in rows
    ]
    remaining = model.remaining.predict(sample)
    promised = [index for index, prefix in enumerate(sample) if prefix.promised_at is not None]
    p_miss: dict[int, float] = {}
    if promised and model.miss is not None:
        chances = model.miss.predict([sample[index] for index in promised])
        p_miss = dict(zip(promised, (float(chance) for chance in chances), strict=True))
    for index, prefix in enumerate(sample):
        # A promise already broken is missed whatever any model says.
        if prefix.promised_at is not None and prefix.promised_at <= now:
            p_miss[index] = 1.0
    predictions = [
        ItemPrediction(
            item_id=item_id,
            model=trained,
            p_miss=p_miss.get(index),
            expected_remaining_seconds=float(remaining[index]),
            at=now,
        )
        for index, (item_id, _trace, _promise) in enumerate(rows)
    ]
    ItemPrediction.objects.bulk_create(
        predictions,
        update_conflicts=True,
        unique_fields=["item"],
        update_fields=["model", "p_miss", "expected_remaining_seconds", "at"],
    )
    return ScoreBatch(len(rows), rows[-1][0])


def prediction_forget_finished(*, process_id: int) -> int:
    """Remove the predictions of the process's items that have finished since they were scored."""
    deleted, _details = ItemPrediction.objects.filter(
        item__process_id=process_id, item__is_terminal=True
    ).delete()
    return deleted


def prediction_score_all(*, process: Process, batch: int = 500, now: datetime | None = None) -> int:
    """Score every open item of `process` with its latest model, batch by batch; returns items scored.

    Raises DomainError `no_model` when the process has no trained model yet.
    """
    from unstuck.insights.selectors_ml import latest_model

    trained = latest_model(kind=ModelKind.ITEM_OUTCOME, process_id=process.pk)
    if trained is None:
        raise DomainError(
            "no_model",
            _(
                "Process %(process)s has no trained model yet: "
                "run `unstuck predict train --process %(process)s`."
            )
            % {"process": process.key},
            status=404,
        )
    scored, cursor = 0, 0
    while True:
        with transaction.atomic():
            done = prediction_score_batch(trained=trained, after_id=cursor, batch=batch, now=now)
        scored += done.scored
        cursor = done.last_id
        if done.scored < batch:
            break
    with transaction.atomic():
        prediction_forget_finished(process_id=process.pk)
    return scored
