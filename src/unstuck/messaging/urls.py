"""Messaging URLs, mounted at /messaging/."""

from __future__ import annotations

from django.urls import path

from unstuck.messaging import views

app_name = "messaging"

urlpatterns = [
    path("notifications/", views.notifications_view, name="notifications"),
    path("cases/<int:case_id>/preview/", views.case_preview_view, name="case_preview"),
    path("cases/<int:case_id>/send/", views.case_send_view, name="case_send"),
]
