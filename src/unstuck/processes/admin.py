from django.contrib import admin

from unstuck.processes.models import Process, ProcessVersion, Step


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    can_delete = False
    fields = (
        "position",
        "key",
        "name",
        "max_dwell",
        "team_key",
        "confirmation_by",
        "remind_after",
        "interruption",
    )
    readonly_fields = fields


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "current_version", "updated_at"]
    search_fields = ["key", "name"]
    readonly_fields = ["key", "current_version", "created_at", "updated_at"]


@admin.register(ProcessVersion)
class ProcessVersionAdmin(admin.ModelAdmin):
    """Versions are immutable records of loaded files: viewable, never edited in place."""

    list_display = ["process", "number", "calendar_key", "promise", "loaded_at", "loaded_by"]
    list_filter = ["process"]
    inlines = [StepInline]
    readonly_fields = [
        "process",
        "number",
        "source",
        "checksum",
        "calendar_key",
        "promise",
        "terminal",
        "loaded_at",
        "loaded_by",
    ]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
