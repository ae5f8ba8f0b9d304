"""Prediction in the product: training on finished items, the model store, scoring open items, jobs."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from unstuck.core.errors import DomainError
from unstuck.insights.model_schedule import (
    RETRAIN_EVERY,
    RETRY_EVERY,
    TRAIN_LEASE,
    prediction_retrain_due,
    prediction_score_due,
)
from unstuck.insights.models_ml import ItemPrediction, ModelKind, ModelSchedule, TrainedModel
from unstuck.insights.selectors_ml import item_predictions
from unstuck.insights.services_ml import prediction_score_all, prediction_train
from unstuck.insights.tests.helpers_ml import lanes_process
from unstuck.tracking.models import Item
from unstuck.tracking.tests.factories import T0

pytestmark = pytest.mark.django_db


def test_training_stores_the_model_with_held_out_figures_that_beat_the_baseline() -> None:
    process = lanes_process()
    trained = prediction_train(process=process, now=T0 + timedelta(days=5))
    assert trained.kind == ModelKind.ITEM_OUTCOME and trained.process_id == process.pk
    assert trained.sample_size == 60 and len(trained.payload) > 1000
    figures = trained.metrics
    assert figures["train_items"] == 48 and figures["test_items"] == 12
    # The lane decides the duration, and only the model sees it.
    assert figures["mae_days"] < figures["baseline_mae_days"]
    assert figures["miss_rate"] > 0 and figures["miss_brier"] < figures["miss_baseline_brier"]


def test_too_few_finished_items_are_refused_and_nothing_is_stored() -> None:
    process = lanes_process(finished=10)
    with pytest.raises(DomainError) as refused:
        prediction_train(process=process)
    assert refused.value.code == "too_few_items" and "10" in refused.value.message
    assert not TrainedModel.objects.exists()


def test_scoring_open_items_slow_ones_are_likely_to_miss_and_broken_promises_are_certain() -> None:
    process = lanes_process()
    prediction_train(process=process, now=T0 + timedelta(days=5))
    open_items = dict(
        Item.objects.filter(process=process, is_terminal=False).values_list("external_id", "pk")
    )
    assert len(open_items) == 6
    first_start = T0 + timedelta(minutes=60 * 90)
    now = first_start + timedelta(hours=16)  # the first open items are in `working`, promises still ahead
    assert prediction_score_all(process=process, batch=4, now=now) == 6
    found = item_predictions(item_ids=list(open_items.values()))
    assert set(found) == set(open_items.values())
    slow, fast = found[open_items["L-060"]], found[open_items["L-061"]]
    assert slow.p_miss is not None and fast.p_miss is not None and slow.p_miss > fast.p_miss
    assert slow.expected_remaining_seconds > fast.expected_remaining_seconds >= 0
    # Scored again much later: every promise is broken by then.
    prediction_score_all(process=process, now=now + timedelta(days=10))
    assert {p.p_miss for p in item_predictions(item_ids=list(open_items.values())).values()} == {1.0}
    assert ItemPrediction.objects.count() == 6  # upserted, not duplicated


def test_predictions_of_items_that_finished_meanwhile_are_forgotten() -> None:
    from unstuck.tracking.services import event_ingest_batch
    from unstuck.tracking.tests.factories import event

    process = lanes_process()
    prediction_train(process=process, now=T0 + timedelta(days=5))
    prediction_score_all(process=process)
    event_ingest_batch(events=[event("L-060", "done", 100 * 90)])
    prediction_score_all(process=process)
    assert ItemPrediction.objects.count() == 5
    assert not ItemPrediction.objects.filter(item__external_id="L-060").exists()


def test_scoring_without_a_model_says_how_to_train_one() -> None:
    process = lanes_process(finished=5)
    with pytest.raises(DomainError) as refused:
        prediction_score_all(process=process)
    assert refused.value.code == "no_model" and "unstuck predict train" in refused.value.message


def test_the_jobs_retrain_when_due_then_score_in_batches_then_wait() -> None:
    process = lanes_process()
    now = T0 + timedelta(days=5)
    assert prediction_retrain_due(now=now) == 1  # one model per call: the cause model or the process
    assert prediction_retrain_due(now=now) == 1
    assert prediction_retrain_due(now=now) == 0
    schedule = ModelSchedule.objects.get(kind=ModelKind.ITEM_OUTCOME, process=process)
    assert schedule.train_due_at == now + RETRAIN_EVERY and schedule.score_due_at == now
    cause = ModelSchedule.objects.get(kind=ModelKind.CAUSE)
    assert (
        cause.train_due_at == now + RETRY_EVERY and "20" in cause.last_outcome
    )  # no labelled cases (needs 20)
    assert TrainedModel.objects.filter(kind=ModelKind.ITEM_OUTCOME).count() == 1
    assert prediction_score_due(batch=4, now=now) == 4
    assert ModelSchedule.objects.get(pk=schedule.pk).score_cursor > 0
    assert prediction_score_due(batch=4, now=now) == 2
    schedule.refresh_from_db()
    assert schedule.score_cursor == 0 and schedule.score_due_at > now
    assert prediction_score_due(batch=4, now=now) == 0
    assert ItemPrediction.objects.count() == 6
    # A day later the model is stale: retrained (after another look at the cause model, due first).
    while prediction_retrain_due(now=now + RETRAIN_EVERY):
        pass
    assert TrainedModel.objects.filter(kind=ModelKind.ITEM_OUTCOME).count() == 2


def test_a_claimed_retraining_that_never_finished_is_due_again_after_its_lease() -> None:
    from unstuck.insights.model_schedule import _claim_training, schedules_ensure

    process = lanes_process()
    now = T0 + timedelta(days=5)
    schedules_ensure(now=now)
    ModelSchedule.objects.filter(kind=ModelKind.CAUSE).update(train_due_at=now + timedelta(days=9))
    claimed = _claim_training(now)  # ... and the worker dies here, before storing anything
    assert claimed is not None and claimed.process_id == process.pk
    assert prediction_retrain_due(now=now + timedelta(minutes=1)) == 0  # leased: nobody else trains it
    assert prediction_retrain_due(now=now + TRAIN_LEASE) == 1
    assert TrainedModel.objects.filter(kind=ModelKind.ITEM_OUTCOME).count() == 1


def test_predict_command_trains_scores_and_evaluates() -> None:
    lanes_process()
    out = StringIO()
    call_command("predict", "evaluate", "--process", "simple", stdout=out)
    assert "remaining time MAE" in out.getvalue() and "baseline" in out.getvalue()
    assert not TrainedModel.objects.exists()
    call_command("predict", "train", "--process", "simple", stdout=out)
    assert TrainedModel.objects.count() == 1
    call_command("predict", "score", "--process", "simple", stdout=out)
    assert "6 open items scored" in out.getvalue()
    with pytest.raises(CommandError, match="no process 'nope'"):
        call_command("predict", "train", "--process", "nope")
    with pytest.raises(CommandError, match="needs --process"):
        call_command("predict", "score")


def test_case_panel_shows_the_prediction_beside_the_models_measured_error() -> None:
    from django.test import RequestFactory

    from unstuck.cases.tests.factories import manual_case, person
    from unstuck.insights.panels import case_panel_html

    process = lanes_process()
    trained = prediction_train(process=process, now=T0 + timedelta(days=5))
    prediction_score_all(process=process, now=T0 + timedelta(minutes=60 * 90 + 60))
    person("sup", "supervisor", "ops")
    case = manual_case(title="慢", process_key="simple", item_external_id="L-060")
    html = case_panel_html(request=RequestFactory().get("/"), case=case)
    assert 'data-testid="p-miss"' in html and 'data-testid="remaining"' in html
    assert (
        f"{trained.metrics['mae_days']:.2f}" in html and f"{trained.metrics['baseline_mae_days']:.2f}" in html
    )
