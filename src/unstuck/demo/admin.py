"""The demo seeds in the admin: read-only, they are written by `unstuck demo` alone."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from unstuck.demo.models import DemoSeed


@admin.register(DemoSeed)
class DemoSeedAdmin(admin.ModelAdmin):
    list_display = ("anchor", "weeks", "seed", "items", "events", "started_at", "finished_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DemoSeed | None = None) -> bool:
        return False
