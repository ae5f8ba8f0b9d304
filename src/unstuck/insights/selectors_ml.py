"""Reads of the prediction side: training traces, open items to score, stored models and predictions.

The queue and the brief call `item_predictions` with item ids they already got through their own
permission-aware selectors, so it adds no visibility rule of its own.
"""

from __future__ import annotations

import pickle
from collections import defaultdict
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db.models import QuerySet

from unstuck.insights.models_ml import ItemPrediction, TrainedModel
from unstuck.insights.prediction_features import Trace, TraceEvent
from unstuck.tracking.models import Event, Item

#: Items whose events are read per query (the event index is (item, at, id)).
_CHUNK = 1_000


def _traces(items: list[tuple[int, str, datetime | None]]) -> list[tuple[int, Trace, datetime | None]]:
    """Each item's events as a trace, in (at, arrival) order, read a chunk of items per query."""
    found: list[tuple[int, Trace, datetime | None]] = []
    for start in range(0, len(items), _CHUNK):
        chunk = items[start : start + _CHUNK]
        events: dict[int, list[TraceEvent]] = defaultdict(list)
        rows = (
            Event.objects.filter(item_id__in=[item_id for item_id, _key, _promise in chunk])
            .order_by("item_id", "at", "id")
            .values_list("item_id", "step", "at", "attrs")
        )
        for item_id, step, at, attrs in rows.iterator(chunk_size=5_000):
            events[item_id].append(TraceEvent(step, at, attrs or {}))
        for item_id, key, promised_at in chunk:
            if events[item_id]:
                found.append((item_id, Trace(key, tuple(events[item_id])), promised_at))
    return found


def finished_traces(*, process_id: int, limit: int) -> list[tuple[Trace, datetime | None]]:
    """The newest `limit` finished items of a process as traces, with their promise (or None)."""
    items = list(
        Item.objects.filter(process_id=process_id, is_terminal=True)
        .order_by("-last_event_at", "-id")
        .values_list("id", "external_id", "promised_at")[:limit]
    )
    return [(trace, promised_at) for _item_id, trace, promised_at in _traces(items)]


def open_item_traces(
    *, process_id: int, after_id: int, limit: int
) -> list[tuple[int, Trace, datetime | None]]:
    """The next `limit` open items of a process by id after `after_id`: (item id, trace, promise)."""
    items = list(
        Item.objects.filter(process_id=process_id, is_terminal=False, pk__gt=after_id)
        .order_by("pk")
        .values_list("id", "external_id", "promised_at")[:limit]
    )
    return _traces(items)


def latest_model(*, kind: str, process_id: int | None) -> TrainedModel | None:
    """The newest trained model of a kind (for a process, or the organisation-wide one)."""
    models = TrainedModel.objects.filter(kind=kind)
    models = (
        models.filter(process__isnull=True) if process_id is None else models.filter(process_id=process_id)
    )
    return models.order_by("-trained_at", "-pk").first()


def model_list(*, kind: str | None = None) -> QuerySet[TrainedModel]:
    """Stored models, newest first, without their payloads."""
    models = TrainedModel.objects.defer("payload").select_related("process").order_by("-trained_at", "-pk")
    return models.filter(kind=kind) if kind else models


@lru_cache(maxsize=32)
def _unpickled(model_id: int, trained_at: datetime) -> Any:
    payload = TrainedModel.objects.filter(pk=model_id).values_list("payload", flat=True).get()
    # Our own estimator, written by our training code into our own database (see TrainedModel).
    return pickle.loads(bytes(payload))


def models_changed() -> None:
    """Forget unpickled models (tests reuse row ids after a rollback)."""
    _unpickled.cache_clear()


def model_payload(trained: TrainedModel) -> Any:
    """The estimator stored in `trained`, unpickled once per process (keyed by id and training time)."""
    return _unpickled(trained.pk, trained.trained_at)


def item_predictions(*, item_ids: list[int]) -> dict[int, ItemPrediction]:
    """The latest prediction of each given item that has one, by item id (one query)."""
    if not item_ids:
        return {}
    rows = ItemPrediction.objects.filter(item_id__in=item_ids).select_related("model")
    return {prediction.item_id: prediction for prediction in rows.defer("model__payload")}
