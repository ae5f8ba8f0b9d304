"""Insights pages: bottlenecks (process mining inside the desk) and early warnings."""

from __future__ import annotations

from django.urls import path

from unstuck.insights import urls_ml, views_bottlenecks, views_recurring, views_warnings

app_name = "insights"

urlpatterns = [
    path("bottlenecks/", views_bottlenecks.bottlenecks_view, name="bottlenecks"),
    path("warnings/", views_warnings.warnings_view, name="warnings"),
    path(
        "warnings/<int:warning_id>/incident/", views_warnings.warning_incident_view, name="warning-incident"
    ),
    path(
        "recurring/<int:proposal_id>/",
        views_recurring.proposal_decide_view,
        name="proposal_decide",
    ),
]

# The learning side's pages (QA) share the `insights` namespace.
urlpatterns += urls_ml.urlpatterns
