"""URLs of the morning brief, mounted at /brief/."""

from __future__ import annotations

from django.urls import path

from unstuck.insights import views_brief

app_name = "brief"

urlpatterns = [
    path("", views_brief.brief_view, name="day"),
    path("subscribe/", views_brief.brief_subscribe_view, name="subscribe"),
]
