"""URLs of the learning side of insights (QA pages), mounted under /insights/."""

from __future__ import annotations

from django.urls import path

from unstuck.insights import views_qa

app_name = "insights"

urlpatterns = [
    path("qa/", views_qa.qa_view, name="qa"),
    path("qa/samples/<int:sample_id>/", views_qa.qa_review_view, name="qa_review"),
    path("qa/agents/<int:agent_id>/", views_qa.qa_agent_view, name="qa_agent"),
]
