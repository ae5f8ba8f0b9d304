"""The insights panel on the case page: the item's prediction and a suggested cause,
each beside the figures its model measured on data it did not learn from.

A bounded number of queries: the item's prediction (1), the latest cause model (1, its payload once
per process), the case's free text (2–3).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from unstuck.cases.models import Case
from unstuck.insights.selectors_ml import item_predictions
from unstuck.insights.services_causes import cause_advice

#: Display names of the cause taxonomy's default keys (casework's); unknown keys show as they are.
CATEGORY_LABELS = {
    "information_flow": _("Information flow"),
    "system_failure": _("System failure"),
    "staffing_absence": _("Staffing / absence"),
    "policy_change": _("Policy change"),
    "customer_unresponsive": _("Customer unresponsive"),
    "supply_chain": _("Supply chain"),
    "inventory": _("Inventory"),
    "customer_data_error": _("Customer data error"),
    "external": _("External"),
    "other": _("Other"),
}


def _prediction(case: Case) -> dict[str, Any] | None:
    if not case.item_id or not case.is_open:
        return None
    prediction = item_predictions(item_ids=[case.item_id]).get(case.item_id)
    if prediction is None:
        return None
    metrics = prediction.model.metrics
    return {
        "p_miss": prediction.p_miss,
        "remaining_days": prediction.expected_remaining_seconds / 86_400,
        "at": prediction.at,
        "mae_days": metrics.get("mae_days"),
        "baseline_mae_days": metrics.get("baseline_mae_days"),
        "miss_auc": metrics.get("miss_auc"),
        "miss_brier": metrics.get("miss_brier"),
        "miss_baseline_brier": metrics.get("miss_baseline_brier"),
        "test_items": metrics.get("test_items"),
        "sample_size": prediction.model.sample_size,
        "trained_at": prediction.model.trained_at,
    }


def case_panel_html(*, request: HttpRequest, case: Case) -> str:
    """The prediction and cause-suggestion panel of `case` (already visible to the user)."""
    advice = cause_advice(case=case)
    suggestions = [
        {**row, "label": CATEGORY_LABELS.get(row["category"], row["category"])} for row in advice.suggestions
    ]
    context = {"case": case, "prediction": _prediction(case), "advice": advice, "suggestions": suggestions}
    return render_to_string("insights/ml_case_panel.html", context, request=request)
