"""Admin for processes: read-only. Processes are loaded and changed on the desk's process screen
(and `unstuck process load`), which check the file and keep every version."""

from django.contrib import admin

from unstuck.core.admin import DeskScreenAdmin, ReadOnlyInline
from unstuck.processes.models import Process, ProcessVersion, Step


class StepInline(ReadOnlyInline):
    model = Step
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
class ProcessAdmin(DeskScreenAdmin):
    desk_screen = "desk:admin_processes"
    list_display = ["key", "name", "current_version", "updated_at"]
    search_fields = ["key", "name"]
    readonly_fields = ["key", "current_version", "created_at", "updated_at"]


@admin.register(ProcessVersion)
class ProcessVersionAdmin(DeskScreenAdmin):
    """Versions are immutable records of loaded files: viewable, never edited in place."""

    desk_screen = "desk:admin_processes"

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
