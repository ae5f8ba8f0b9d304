"""Admin for casework: the cause taxonomy and approval thresholds are edited here (nothing else writes
them); playbooks are read here (the desk's playbook screen edits them through `playbook_save`);
case-bound records are read-only (changes go through services, so they reach the case timeline)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from unstuck.casework.models import (
    ActionItem,
    ApprovalThreshold,
    CaseCause,
    CauseCategory,
    Incident,
    Playbook,
    PlaybookStep,
    Problem,
    Remedy,
)
from unstuck.core.admin import DeskScreenAdmin, ReadOnlyAdmin, ReadOnlyInline


@admin.register(CauseCategory)
class CauseCategoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The cause taxonomy: rename, reorder, add or deactivate categories (keys stay stable)."""

    list_display = ["key", "name_zh", "name_en", "position", "active"]
    list_editable = ["name_zh", "name_en", "position", "active"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # causes refer to them; deactivate instead


class PlaybookStepInline(ReadOnlyInline):
    model = PlaybookStep
    fields = readonly_fields = ("position", "name_zh", "name_en", "role", "time_limit", "message_template")


@admin.register(Playbook)
class PlaybookAdmin(DeskScreenAdmin):
    """Playbooks (预案) per case type and/or cause; new cases copy the steps into their checklist."""

    desk_screen = "desk:admin_playbooks"

    list_display = ["key", "name_zh", "case_type", "cause_category", "active"]
    list_filter = ["active", "case_type", "cause_category"]
    inlines = [PlaybookStepInline]


@admin.register(ApprovalThreshold)
class ApprovalThresholdAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Remedies above this amount (per currency) wait for a supervisor."""

    list_display = ["currency", "amount"]


@admin.register(CaseCause)
class CaseCauseAdmin(ReadOnlyAdmin):
    list_display = ["case", "category", "text", "set_by", "set_at"]
    list_filter = ["category"]
    list_select_related = ["case", "category", "set_by"]


@admin.register(Remedy)
class RemedyAdmin(ReadOnlyAdmin):
    list_display = ["case", "kind", "amount", "currency", "status", "requested_by", "decided_by"]
    list_filter = ["status", "kind"]
    list_select_related = ["case", "requested_by", "decided_by"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["parent", "cause_category", "created_by", "created_at"]
    list_select_related = ["parent", "cause_category", "created_by"]


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "owner", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["owner"]


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "owner", "due_date", "done_at", "problem", "case"]
    list_select_related = ["owner", "problem", "case"]
