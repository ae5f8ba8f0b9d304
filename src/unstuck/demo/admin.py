"""The demo seeds in the admin: read-only, they are written by `unstuck demo` alone."""

from __future__ import annotations

from django.contrib import admin

from unstuck.core.admin import ReadOnlyAdmin
from unstuck.demo.models import DemoSeed


@admin.register(DemoSeed)
class DemoSeedAdmin(ReadOnlyAdmin):
    list_display = ("anchor", "weeks", "seed", "items", "events", "started_at", "finished_at")
