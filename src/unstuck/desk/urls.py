"""Desk URLs, mounted at the site root."""

from __future__ import annotations

from django.urls import include, path

from unstuck.desk import views

app_name = "desk"

urlpatterns = [
    path("", views.stall_board_view, name="board"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("items/<slug:process>/<path:item>/", views.item_view, name="item"),
    path("i18n/", include("django.conf.urls.i18n")),
]
