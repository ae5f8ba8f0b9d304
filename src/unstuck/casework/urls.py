"""Casework URLs, mounted at /casework/ (the panel's HTMX actions, incidents and problems)."""

from __future__ import annotations

from django.urls import path

from unstuck.casework import views

app_name = "casework"

urlpatterns = [
    path("cases/<int:case_id>/panel/", views.panel_view, name="panel"),
    path("cases/<int:case_id>/checklist/<int:item_id>/tick/", views.tick_view, name="tick"),
    path("cases/<int:case_id>/cause/", views.cause_view, name="cause"),
    path("cases/<int:case_id>/remedies/", views.remedy_add_view, name="remedy_add"),
    path("cases/<int:case_id>/problem/", views.problem_link_view, name="problem_link"),
    path("cases/<int:case_id>/review/", views.review_view, name="review"),
    path("remedies/<int:remedy_id>/decide/", views.remedy_decide_view, name="remedy_decide"),
    path("incidents/", views.incidents_view, name="incidents"),
    path("incidents/new/", views.incident_new_view, name="incident_new"),
    path("incidents/preview/", views.incident_preview_view, name="incident_preview"),
    path("incidents/<int:incident_id>/", views.incident_view, name="incident"),
    path("problems/", views.problems_view, name="problems"),
    path("problems/<int:problem_id>/", views.problem_view, name="problem"),
]
