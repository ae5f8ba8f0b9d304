"""Cause suggestion: honest (text-grouped) cross-validation, the stored model, the panel and the API."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from unstuck.cases.tests.factories import bearer, manual_case, person
from unstuck.core.errors import DomainError
from unstuck.insights.cause_suggest import TooFewLabelled, cause_evaluate, cause_fit
from unstuck.insights.models_ml import ModelKind
from unstuck.insights.panels import case_panel_html
from unstuck.insights.selectors_causes import labelled_cause_texts
from unstuck.insights.selectors_ml import models_changed
from unstuck.insights.services_causes import cause_advice, cause_model_train
from unstuck.tracking.services import event_ingest_batch
from unstuck.tracking.tests.factories import event, load_simple_process

# fmt: off
NOTES = {
    "inventory": [
        "库存为零，等待供应商补货",
        "系统显示有货，实际盘点缺货",
        "爆款缺货，供应商预计三天后到货",
        "仓库库存不足，暂时无法发货",
    ],
    "system_failure": [
        "WMS 接口超时，订单没有下发到仓库",
        "短信网关故障，确认短信发送失败",
        "系统升级后工单推送失败",
        "核心系统批处理延迟",
    ],
    "customer_unresponsive": [
        "电话三次未接通，短信未回复",
        "客户表示再考虑，之后一直没有回复",
        "客户出差，无法确认上门时间",
        "多次联系客户未接电话",
    ],
}
# fmt: on


def test_grouped_cross_validation_never_tests_on_a_sentence_it_trained_on() -> None:
    # Ten copies of one sentence per category plus one odd sentence: a random split would score
    # ~1.0 by memorising; grouped by text, the odd ones out are judged on their own.
    texts, labels = [], []
    for category, notes in NOTES.items():
        texts += [notes[0]] * 10 + notes[1:]
        labels += [category] * (10 + len(notes) - 1)
    figures = cause_evaluate(texts, labels)
    assert figures["labelled"] == len(texts) and figures["distinct_texts"] == 12
    assert 0 <= figures["precision_at_1"] <= 1 and figures["chance"] == pytest.approx(13 / 39)
    assert set(figures["per_category"]) == set(NOTES)
    model = cause_fit(texts, labels)
    top = model.suggest("库存不足，等待补货")[0]
    assert top.category == "inventory" and 0 < top.probability <= 1


def test_too_few_labelled_cases_are_refused() -> None:
    with pytest.raises(TooFewLabelled):
        cause_evaluate(["库存为零"] * 5, ["inventory"] * 5)


def _labelled_cases() -> None:
    load_simple_process()
    events, index = [], 0
    for category, notes in NOTES.items():
        for note in notes * 2:
            events.append(
                event(f"C-{index}", "working", index, attrs={"note": note, "cause_category": category})
            )
            index += 1
    event_ingest_batch(events=events)
    person("sup", "supervisor", "ops")
    for number in range(index):
        manual_case(title="卡住了", process_key="simple", item_external_id=f"C-{number}")


@pytest.mark.django_db
def test_training_reads_item_labels_and_stores_precision_shown_beside_suggestions() -> None:
    models_changed()
    _labelled_cases()
    labelled = labelled_cause_texts()
    assert len(labelled) == 24 and {row.source for row in labelled} == {"item_attrs"}
    trained = cause_model_train()
    assert trained.kind == ModelKind.CAUSE and trained.sample_size == 24
    assert 0 <= trained.metrics["precision_at_1"] <= 1 and trained.metrics["folds"] == 5
    case = manual_case(title="缺货", process_key="simple", item_external_id="C-0")
    advice = cause_advice(case=case)
    assert advice.suggestions[0]["category"] == "inventory"
    assert advice.precision_at_1 == trained.metrics["precision_at_1"]
    html = case_panel_html(request=RequestFactory().get("/"), case=case)
    assert 'data-category="inventory"' in html and 'data-testid="cause-precision"' in html


@pytest.mark.django_db
def test_without_enough_labels_the_panel_says_so_instead_of_suggesting() -> None:
    models_changed()
    load_simple_process()
    with pytest.raises(DomainError) as refused:
        cause_model_train()
    assert refused.value.code == "too_few_labelled"
    case = manual_case(title="投诉")
    html = case_panel_html(request=RequestFactory().get("/"), case=case)
    assert 'data-testid="cause-reason"' in html and "data-category" not in html


@pytest.mark.django_db
def test_outlook_api_only_for_visible_cases() -> None:
    models_changed()
    _labelled_cases()
    cause_model_train()
    case = manual_case(title="缺货", process_key="simple", item_external_id="C-0")
    client = Client()
    mine = client.get(
        f"/api/v1/insights/cases/{case.pk}/outlook", headers=bearer(person("ops-agent", "agent", "ops"))
    )
    assert mine.status_code == 200
    body = mine.json()
    assert body["cause"]["suggestions"][0]["category"] == "inventory" and body["prediction"] is None
    other = client.get(
        f"/api/v1/insights/cases/{case.pk}/outlook", headers=bearer(person("x", "agent", "intake"))
    )
    assert other.status_code == 404 and other.json()["code"] == "case_not_found"
    models = client.get("/api/v1/insights/models", headers=bearer(person("boss", "admin")))
    assert models.status_code == 200 and models.json()[0]["kind"] == "cause"
    forbidden = client.get("/api/v1/insights/models", headers=bearer(person("ops-agent2", "agent", "ops")))
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
