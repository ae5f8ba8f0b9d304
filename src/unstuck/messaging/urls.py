"""Messaging URLs, mounted at /messaging/."""

from __future__ import annotations

from django.urls import path

from unstuck.messaging import views
from unstuck.messaging.quarantine import views as quarantine

app_name = "messaging"

urlpatterns = [
    path("notifications/", views.notifications_view, name="notifications"),
    path("cases/<int:case_id>/preview/", views.case_preview_view, name="case_preview"),
    path("cases/<int:case_id>/send/", views.case_send_view, name="case_send"),
    path("quarantine/", quarantine.quarantine_view, name="quarantine"),
    path(
        "quarantine/<int:quarantine_id>/attach/", quarantine.quarantine_attach_view, name="quarantine_attach"
    ),
    path(
        "quarantine/<int:quarantine_id>/discard/",
        quarantine.quarantine_discard_view,
        name="quarantine_discard",
    ),
]
