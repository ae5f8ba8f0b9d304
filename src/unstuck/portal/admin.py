"""Admin for the portal: update policies are configured here; links, follow-ups and surveys are
read here (they change through the customer's pages, the worker and the case panel)."""

from __future__ import annotations

from django.contrib import admin

from unstuck.core.admin import ReadOnlyAdmin
from unstuck.portal.models import CaseFollowUp, PortalLink, Survey, UpdatePolicy


@admin.register(UpdatePolicy)
class UpdatePolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Cadence, daily cap and quiet hours of proactive updates, per process or by default."""

    list_display = ["__str__", "enabled", "cadence_minutes", "max_per_day", "quiet_start", "quiet_end"]
    list_select_related = ["process"]


@admin.register(PortalLink)
class PortalLinkAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "item", "step", "case", "created_at", "expires_at", "opened_at", "used_at"]
    list_filter = ["kind"]
    list_select_related = ["item", "case"]
    search_fields = ["item__external_id"]


@admin.register(CaseFollowUp)
class CaseFollowUpAdmin(ReadOnlyAdmin):
    list_display = [
        "case",
        "state",
        "next_update_at",
        "updates_sent",
        "last_update_at",
        "paused_at",
        "paused_by",
    ]
    list_filter = ["state"]
    list_select_related = ["case", "paused_by"]


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ["case", "invited_at", "answered_at", "score", "comment"]
    list_select_related = ["case"]
