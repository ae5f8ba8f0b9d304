"""Portal URLs: the customer's pages (public, reached by signed links) and the case-panel actions."""

from __future__ import annotations

from django.urls import path

from unstuck.portal import views

app_name = "portal"

urlpatterns = [
    path("s/<str:token>/", views.status_view, name="status"),
    path("c/<str:token>/", views.confirm_view, name="confirm"),
    path("q/<str:token>/", views.survey_view, name="survey"),
    path("cases/<int:case_id>/updates/pause/", views.follow_up_pause_view, name="pause"),
    path("cases/<int:case_id>/updates/resume/", views.follow_up_resume_view, name="resume"),
    path("cases/<int:case_id>/customer-update/", views.status_note_view, name="status_note"),
]
