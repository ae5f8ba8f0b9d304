"""Admin for insights: which attributes early warning watches, and the warnings it raised (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from unstuck.insights import admin_ml  # noqa: F401  (registers the learning side's models)
from unstuck.insights.brief_models import BriefDelivery, BriefSubscription
from unstuck.insights.models import EarlyWarning, WarningAttribute


@admin.register(WarningAttribute)
class WarningAttributeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["key", "active", "created_at"]
    list_editable = ["active"]


@admin.register(EarlyWarning)
class EarlyWarningAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["started_at", "process", "step", "attr_key", "attr_value", "stalls", "score", "ended_at"]
    list_filter = ["process", "ended_at"]
    date_hierarchy = "started_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BriefSubscription)
class BriefSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "send_at", "active", "last_sent_on")
    list_filter = ("active", "team")
    search_fields = ("user__username", "user__email")


@admin.register(BriefDelivery)
class BriefDeliveryAdmin(admin.ModelAdmin):
    list_display = ("subscription", "morning", "status", "attempts", "sent_at", "error")
    list_filter = ("status",)
    readonly_fields = ("subscription", "morning", "status", "attempts", "lease_until", "sent_at", "error")
