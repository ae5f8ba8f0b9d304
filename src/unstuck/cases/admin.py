"""Admin for cases: read-mostly (changes go through services so they reach the timeline);
routing and impact rules are configured here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from unstuck.cases.models import (
    Case,
    CaseStall,
    EscalationLevel,
    ImpactRule,
    SlaClock,
    SlaEscalation,
    SlaPolicy,
    SlaTimer,
    TeamRouting,
    TimelineEntry,
)


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TimelineInline(ReadOnlyInline):
    model = TimelineEntry
    fields = ["seq", "at", "actor_label", "kind", "message"]
    readonly_fields = ["seq", "at", "actor_label", "kind", "message"]
    ordering = ["seq"]


class CaseStallInline(ReadOnlyInline):
    model = CaseStall
    fields = ["stall", "added_at"]
    readonly_fields = ["stall", "added_at"]


_CLOCK_FIELDS: tuple[str, ...] = (
    "target",
    "priority",
    "calendar_key",
    "started_at",
    "paused_since",
    "paused_seconds",
    "due_at",
    "warned",
    "breached_at",
    "met_at",
    "stopped_at",
    "problem",
)


class SlaClockInline(ReadOnlyInline):
    model = SlaClock
    fields = _CLOCK_FIELDS
    readonly_fields = _CLOCK_FIELDS


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Cases are read here; assignment and status changes go through the API so the timeline records them."""

    list_display = ["number", "title", "type", "status", "priority", "team", "owner", "opened_at"]
    list_filter = ["status", "type", "priority", "origin"]
    search_fields = ["number", "title", "item__external_id"]
    list_select_related = ["team", "owner"]
    inlines = [CaseStallInline, SlaClockInline, TimelineInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Case._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TimelineEntry)
class TimelineEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Append-only: viewable, never edited or deleted (the hash chain would break)."""

    list_display = ["case", "seq", "at", "actor_label", "kind", "message"]
    list_filter = ["kind"]
    list_select_related = ["case"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TeamRouting)
class TeamRoutingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["team", "strategy", "last_assigned"]


@admin.register(ImpactRule)
class ImpactRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["attribute", "operator", "value", "impact", "process", "active"]
    list_filter = ["impact", "active"]


class EscalationLevelInline(admin.TabularInline):  # type: ignore[type-arg]
    model = EscalationLevel
    extra = 0
    fields = ["position", "target", "at_fraction", "delay", "notify", "reassign", "user"]
    autocomplete_fields = ["user"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Targets per priority and the escalation ladder; a change applies to clocks started afterwards."""

    list_display = [
        "priority",
        "first_response",
        "next_update",
        "resolution",
        "pause_statuses",
        "warn_fractions",
        "active",
        "updated_at",
    ]
    list_filter = ["active"]
    inlines = [EscalationLevelInline]


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Records the SLA engine writes: viewable, never edited here (they are the audit trail)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = [
        "case",
        "target",
        "priority",
        "calendar_key",
        "started_at",
        "due_at",
        "paused_since",
        "breached_at",
        "met_at",
        "stopped_at",
    ]
    list_filter = ["target", "priority"]
    list_select_related = ["case"]
    search_fields = ["case__number"]


@admin.register(SlaTimer)
class SlaTimerAdmin(ReadOnlyAdmin):
    list_display = ["case", "key", "cycle", "due_at", "fired_at"]
    list_filter = ["kind"]
    list_select_related = ["case"]
    search_fields = ["case__number"]


@admin.register(SlaEscalation)
class SlaEscalationAdmin(ReadOnlyAdmin):
    list_display = ["case", "position", "target", "at", "notified", "reassigned_to"]
    list_select_related = ["case", "reassigned_to"]
    search_fields = ["case__number"]
